"""What every sandbox route shares: the authenticated call, page parameters and refusals.

Used by the institute routes (:mod:`.app`) and the user routes (:mod:`.user_routes`) alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reconciler_proctorexam.sandbox.auth import SandboxUser
from reconciler_proctorexam.sandbox.errors import ApiError

__all__ = [
    "API_PREFIX",
    "CREATED",
    "MAX_LIMIT",
    "Call",
    "bad_request",
    "forbidden",
    "not_found",
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
