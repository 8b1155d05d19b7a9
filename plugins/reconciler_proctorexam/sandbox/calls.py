"""What every sandbox route shares: the authenticated call, page parameters and refusals,
and :class:`Api`, what a set of routes is given of the API it is mounted in.

Used by the institute routes (:mod:`.app`) and the user routes (:mod:`.user_routes`) alike;
neither imports the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request

from reconciler_proctorexam.sandbox.auth import SandboxUser
from reconciler_proctorexam.sandbox.errors import ApiError
from reconciler_proctorexam.sandbox.quirks import Quirks
from reconciler_proctorexam.sandbox.readings import Readings
from reconciler_proctorexam.sandbox.requestlog import exchange_of
from reconciler_proctorexam.sandbox.store import InstituteStore

__all__ = [
    "API_PREFIX",
    "CREATED",
    "MAX_LIMIT",
    "Api",
    "Call",
    "bad_request",
    "forbidden",
    "not_found",
    "note_fields",
    "numeric_id",
    "page_number",
    "refuse_unknown",
    "reject_duplicates",
]

API_PREFIX = "/api/v3"
#: Our reading: the status of a successful create.
CREATED = 201
#: The documented default and maximum page size.
MAX_LIMIT = 300

_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class Call:
    """An authenticated request: who sent it and its parameters, signature ones removed."""

    user: SandboxUser
    params: dict[str, Any]


class Api(Protocol):
    """What routes are given of the API they are mounted in (:class:`.app.SandboxApi` is one).

    Example::

        call = await api.authenticate(request, path_params={"institute_id": raw})
        users = api.store.users_page(int(raw), 1, MAX_LIMIT)
    """

    @property
    def store(self) -> InstituteStore:
        """What the sandbox holds."""
        ...

    @property
    def readings(self) -> Readings:
        """The readings of the contract this sandbox enforces."""
        ...

    @property
    def quirks(self) -> Quirks:
        """What this sandbox drops from writes or leaves out of answers."""
        ...

    async def authenticate(
        self, request: Request, *, path_params: Mapping[str, str] | None = None
    ) -> Call:
        """Check ``request`` (headers, signature, nonce, clock), ``path_params`` signed too;
        its parameters, the query's and the JSON body's, in :attr:`Call.params`."""
        ...


def note_fields(request: Request, names: Iterable[str]) -> None:
    """Tell the request log which fields a write was given (sorted; no values)."""
    exchange = exchange_of(request.scope)
    if exchange is not None:
        exchange.fields = tuple(sorted(names))


def not_found(raw_id: str) -> ApiError:
    return ApiError(404, "not_found", f"Couldn't find Institute with 'id'={raw_id}")


def forbidden(user: SandboxUser, what: str) -> ApiError:
    role = "an institute administrator" if not user.is_superuser else "this user"
    return ApiError(403, "forbidden", f"{what} needs a superuser; this token is {role}")


def bad_request(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name, value in pairs:
        if name in document:
            raise bad_request("repeated_parameter", f"the parameter {name} is given twice")
        document[name] = value
    return document


def page_number(params: dict[str, Any], name: str, default: int) -> int:
    value = params.pop(name, default)
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise bad_request("invalid_parameter", f"{name} must be a whole number from 1")


def refuse_unknown(params: dict[str, Any]) -> None:
    if params:
        names = ", ".join(sorted(params))
        raise bad_request("unknown_parameter", f"this route does not take: {names}")


def numeric_id(raw: str) -> int | None:
    """The id in a path segment, or ``None`` when it is not a whole number (no such object)."""
    return int(raw) if _DIGITS.fullmatch(raw) else None
