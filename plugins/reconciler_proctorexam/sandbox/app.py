"""The sandbox's HTTP API: the institute routes of ProctorExam v3, as a Starlette application
(the user and identity provider routes are in :mod:`.user_routes`).

Each route reads the request's parameters (query string, then the JSON body of a write; a name
given twice is a 400), lets :mod:`~reconciler_proctorexam.sandbox.auth` check the headers,
the signature and the role, validates the fields with
:mod:`~reconciler_proctorexam.sandbox.fields` and answers from the
:class:`~reconciler_proctorexam.sandbox.store.InstituteStore`. Refusals are raised as
:class:`~reconciler_proctorexam.sandbox.errors.ApiError` and rendered in one handler.

Our readings where the contract is silent: create answers ``201 Created`` (Rails' convention),
a list beyond the last page is empty with the same headers, a list of nothing has a page count
of 0, a ``limit`` above 300 is lowered to 300, and a parameter a route does not know is a 400.
A JSON body is read on every method, as Rails reads it: on a GET it is signed like the rest and
then ignored by the route. The readings a sandbox can be started with
(:class:`~reconciler_proctorexam.sandbox.readings.Readings`) are enforced strictly: the update
route takes one verb, and a DELETE's parameters must travel where the sandbox says.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler_proctorexam.sandbox.answers import JSONResponse
from reconciler_proctorexam.sandbox.auth import AUTH_PARAMS, Authenticator
from reconciler_proctorexam.sandbox.calls import (
    API_PREFIX,
    CREATED,
    MAX_LIMIT,
    Call,
    bad_request,
    forbidden,
    not_found,
    note_fields,
    numeric_id,
    page_number,
    refuse_unknown,
    reject_duplicates,
)
from reconciler_proctorexam.sandbox.errors import ApiError, error_body
from reconciler_proctorexam.sandbox.faults import DEFER_KEY
from reconciler_proctorexam.sandbox.fields import validate_write
from reconciler_proctorexam.sandbox.quirks import Quirks
from reconciler_proctorexam.sandbox.readings import Readings
from reconciler_proctorexam.sandbox.signature import render_value
from reconciler_proctorexam.sandbox.store import InstituteStore
from reconciler_proctorexam.sandbox.user_routes import UserRoutes

__all__ = ["API_PREFIX", "CREATED", "MAX_LIMIT", "create_app"]


class SandboxApi:
    """The routes, bound to one store and one authenticator; the :class:`~.calls.Api` the user
    routes are given."""

    def __init__(
        self,
        store: InstituteStore,
        authenticator: Authenticator,
        readings: Readings,
        quirks: Quirks | None = None,
    ) -> None:
        self.store = store
        self.auth = authenticator
        self.readings = readings
        self.quirks = quirks or Quirks()

    def routes(self) -> list[Route]:
        collection = f"{API_PREFIX}/institutes"
        member = f"{collection}/{{id}}"
        return [
            Route(collection, self.list_institutes, methods=["GET"]),
            Route(collection, self.create_institute, methods=["POST"]),
            Route(member, self.show_institute, methods=["GET"]),
            # One verb only: the one this sandbox was started with; the other answers 405.
            Route(member, self.update_institute, methods=[self.readings.update_method]),
            Route(member, self.delete_institute, methods=["DELETE"]),
        ]

    # Parameters and authentication ---------------------------------------------------

    async def authenticate(
        self,
        request: Request,
        path_id: str | None = None,
        *,
        path_params: Mapping[str, str] | None = None,
    ) -> Call:
        """Authenticate a request; ``path_params`` (``path_id`` is ``id``) are signed too."""
        self.auth.check_accept(request.headers.get("accept"))
        user = self.auth.identify(request.headers.get("authorization"))
        params = reject_duplicates(list(request.query_params.multi_items()))
        body = await self._body(request)
        if request.method == "DELETE":
            self._check_delete_placement(params, body)
        for name, value in body.items():
            if name in params:
                raise bad_request("repeated_parameter", f"the parameter {name} is given twice")
            params[name] = value
        for name, value in params.items():
            try:
                render_value(value, self.readings.list_rendering)
            except ValueError:
                raise bad_request(
                    "invalid_parameter", f"{name}: nested objects and mixed lists are not accepted"
                ) from None
        in_path = dict(path_params or {})
        if path_id is not None:
            in_path["id"] = path_id
        for name, raw in in_path.items():
            if name in params and render_value(params[name], "ruby") != raw:
                raise bad_request(
                    "invalid_parameter", f"the {name} parameter differs from the path"
                )
            params[name] = raw
        self.auth.verify(user, params)
        # A GET's body was signed, and is otherwise ignored: a GET route reads its query.
        ignored = AUTH_PARAMS | (body.keys() if request.method == "GET" else set())
        return Call(user, {k: v for k, v in params.items() if k not in ignored})

    def _check_delete_placement(self, query: dict[str, Any], body: dict[str, Any]) -> None:
        """A DELETE's parameters travel where this sandbox's ``delete_params`` says, only."""
        wanted = self.readings.delete_params
        misplaced = body if wanted == "query" else query
        if misplaced:
            where = "the query string" if wanted == "query" else "a JSON body"
            other = "a JSON body" if wanted == "query" else "the query string"
            raise bad_request(
                "misplaced_parameters",
                f"this server takes a DELETE's parameters in {where}, not in {other}"
                f" (got {', '.join(sorted(misplaced))} there)",
            )

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        body = await request.body()
        if not body.strip():
            return {}
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise ApiError(
                415,
                "unsupported_media_type",
                "send the parameters as a JSON object with Content-Type: application/json",
            )
        try:
            document = json.loads(body, object_pairs_hook=reject_duplicates)
        except ValueError as exc:
            raise bad_request("invalid_json", f"the body is not valid JSON ({exc})") from None
        if not isinstance(document, dict):
            raise bad_request("invalid_json", "the body must be a JSON object")
        return document

    def _member_id(self, call: Call, raw_id: str, what: str) -> int | None:
        """The numeric id of the path, after the role check; None if it cannot exist."""
        institute_id = numeric_id(raw_id)
        if not call.user.may_access(institute_id):
            raise forbidden(call.user, f"{what} another institute")
        return institute_id

    @staticmethod
    def _deferred(request: Request) -> list[Callable[[], object]] | None:
        """Where to put the store call when the late-commit fault holds this write back."""
        deferred = request.scope.get(DEFER_KEY)
        return deferred if isinstance(deferred, list) else None

    # Routes --------------------------------------------------------------------------

    async def list_institutes(self, request: Request) -> Response:
        call = await self.authenticate(request)
        if not call.user.is_superuser:
            raise forbidden(call.user, "listing institutes")
        page = page_number(call.params, "page", 1)
        limit = min(page_number(call.params, "limit", MAX_LIMIT), MAX_LIMIT)
        refuse_unknown(call.params)
        institutes, total = self.store.page(page, limit)
        if self.quirks.omit_from_list:
            institutes = [self.quirks.listed(i) for i in institutes]
        headers = {
            "X-Pagination-Item-Count": str(total),
            "X-Pagination-Page-Count": str(math.ceil(total / limit)),
            "X-Pagination-Page": str(page),
            "X-Pagination-Limit": str(limit),
        }
        return JSONResponse({"institutes": institutes}, headers=headers)

    async def create_institute(self, request: Request) -> Response:
        call = await self.authenticate(request)
        if not call.user.is_superuser:
            raise forbidden(call.user, "creating an institute")
        values = self.quirks.kept(validate_write(call.params), create=True)
        deferred = self._deferred(request)
        if deferred is not None:
            # Checked on arrival, inserted later without a second look: the race a
            # check-then-insert server has, which a blind resend turns into two institutes.
            self.store.check_create(values)
            deferred.append(lambda: self.store.create(values, unique_checked=True))
            return JSONResponse({}, status_code=CREATED)
        institute = self.store.create(values)
        note_fields(request, list(values))
        return JSONResponse({"institute": self.quirks.answered(institute)}, status_code=CREATED)

    async def show_institute(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        call = await self.authenticate(request, raw_id)
        institute_id = self._member_id(call, raw_id, "reading")
        call.params.pop("id")
        refuse_unknown(call.params)
        institute = self.store.get(institute_id) if institute_id is not None else None
        if institute is None:
            raise not_found(raw_id)
        return JSONResponse({"institute": self.quirks.shown(institute)})

    async def update_institute(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        call = await self.authenticate(request, raw_id)
        institute_id = self._member_id(call, raw_id, "updating")
        call.params.pop("id")
        current = self.store.get(institute_id) if institute_id is not None else None
        if institute_id is None or current is None:
            raise not_found(raw_id)
        values = self.quirks.kept(validate_write(call.params, current=current), create=False)
        deferred = self._deferred(request)
        if deferred is not None:
            deferred.append(lambda: self.store.update(institute_id, values))
            return JSONResponse({})
        institute = self.store.update(institute_id, values)
        if institute is None:
            raise not_found(raw_id)
        note_fields(request, list(values))
        return JSONResponse({"institute": self.quirks.answered(institute)})

    async def delete_institute(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        call = await self.authenticate(request, raw_id)
        if not call.user.is_superuser:
            raise forbidden(call.user, "deleting an institute")
        call.params.pop("id")
        refuse_unknown(call.params)
        deferred = self._deferred(request)
        number = numeric_id(raw_id)
        if deferred is not None and number is not None:
            deferred.append(lambda: self.store.delete(number))
            return JSONResponse({})
        if not (number is not None and self.store.delete(number)):
            raise not_found(raw_id)
        return JSONResponse({})


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no such route) and 405 (wrong method), in the API's error shape."""
    assert isinstance(exc, HTTPException)
    code = {404: "no_such_route", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    body = error_body(exc.status_code, code, f"{request.method} {request.url.path}: {exc.detail}")
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


def create_app(
    store: InstituteStore,
    authenticator: Authenticator,
    readings: Readings | None = None,
    quirks: Quirks | None = None,
) -> Starlette:
    """The Starlette application serving ``store`` to the users ``authenticator`` knows;
    ``quirks`` say what it drops from writes or leaves out of answers (none by default)."""
    api = SandboxApi(store, authenticator, readings or Readings(), quirks)
    routes = [*api.routes(), *UserRoutes(api).routes()]
    handlers: dict[Any, ExceptionHandler] = {ApiError: _api_error, HTTPException: _http_error}
    return Starlette(routes=routes, exception_handlers=handlers)
