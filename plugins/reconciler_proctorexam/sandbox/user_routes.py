"""The sandbox's user and identity provider routes, beside the institute routes of :mod:`.app`.

Requests pass the same checks as every other (headers, signature, nonce, clock), with both
path parameters, ``institute_id`` and ``id``, taking part in the signature. Role rules: a
superuser may reach the users of every institute; an institute administrator only those of its
own institute (403 for any other, the list included). Any user may list the identity
providers. What the objects hold and which writes are kept is :mod:`.users`' reading.
"""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler_proctorexam.sandbox.answers import JSONResponse
from reconciler_proctorexam.sandbox.calls import (
    API_PREFIX,
    CREATED,
    MAX_LIMIT,
    Api,
    Call,
    forbidden,
    note_fields,
    numeric_id,
    page_number,
    refuse_unknown,
)
from reconciler_proctorexam.sandbox.errors import ApiError

__all__ = ["UserRoutes"]


def _no_institute(raw: str) -> ApiError:
    return ApiError(404, "not_found", f"Couldn't find Institute with 'id'={raw}")


def _no_user(raw: str) -> ApiError:
    return ApiError(404, "not_found", f"Couldn't find User with 'id'={raw}")


def _pagination(page: int, limit: int, total: int) -> dict[str, str]:
    return {
        "X-Pagination-Item-Count": str(total),
        "X-Pagination-Page-Count": str(math.ceil(total / limit)),
        "X-Pagination-Page": str(page),
        "X-Pagination-Limit": str(limit),
    }


class UserRoutes:
    """``/institutes/:institute_id/users[/:id]`` and ``/identity_providers``."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.store = api.store

    def routes(self) -> list[Route]:
        collection = f"{API_PREFIX}/institutes/{{institute_id}}/users"
        member = f"{collection}/{{id}}"
        return [
            Route(collection, self.list_users, methods=["GET"]),
            Route(collection, self.create_user, methods=["POST"]),
            Route(member, self.show_user, methods=["GET"]),
            Route(member, self.update_user, methods=["PATCH", "PUT"]),
            Route(f"{API_PREFIX}/identity_providers", self.list_providers, methods=["GET"]),
        ]

    async def _member_call(self, request: Request, *, member: bool) -> tuple[Call, int | None]:
        """Authenticate, check the role against the institute, drop the path parameters."""
        raw = request.path_params["institute_id"]
        in_path = {"institute_id": raw}
        if member:
            in_path["id"] = request.path_params["id"]
        call = await self.api.authenticate(request, path_params=in_path)
        institute_id = numeric_id(raw)
        if not call.user.may_access(institute_id):
            raise forbidden(call.user, "reaching the users of another institute")
        for name in in_path:
            call.params.pop(name)
        return call, institute_id

    async def list_users(self, request: Request) -> Response:
        call, institute_id = await self._member_call(request, member=False)
        page = page_number(call.params, "page", 1)
        limit = min(page_number(call.params, "limit", MAX_LIMIT), MAX_LIMIT)
        refuse_unknown(call.params)
        found = self.store.users_page(institute_id, page, limit) if institute_id else None
        if found is None:
            raise _no_institute(request.path_params["institute_id"])
        users, total = found
        if self.api.quirks.omit_from_list:
            users = [self.api.quirks.listed(u) for u in users]
        return JSONResponse({"users": users}, headers=_pagination(page, limit, total))

    async def show_user(self, request: Request) -> Response:
        call, institute_id = await self._member_call(request, member=True)
        refuse_unknown(call.params)
        user_id = numeric_id(request.path_params["id"])
        user = self.store.user(institute_id, user_id) if institute_id and user_id else None
        if user is None:
            raise self._missing(request, institute_id)
        return JSONResponse({"user": self.api.quirks.shown(user)})

    async def create_user(self, request: Request) -> Response:
        call, institute_id = await self._member_call(request, member=False)
        user = (
            self.store.create_user(
                institute_id,
                call.params,
                password_required=self.api.readings.user_password == "required",
                drop=lambda values: self.api.quirks.kept(values, create=True),
            )
            if institute_id
            else None
        )
        if user is None:
            raise _no_institute(request.path_params["institute_id"])
        note_fields(request, sorted(call.params))
        return JSONResponse({"user": self.api.quirks.answered(user)}, status_code=CREATED)

    async def update_user(self, request: Request) -> Response:
        call, institute_id = await self._member_call(request, member=True)
        user_id = numeric_id(request.path_params["id"])
        found = (
            self.store.update_user(
                institute_id,
                user_id,
                call.params,
                drop=lambda values: self.api.quirks.kept(values, create=False),
            )
            if institute_id and user_id
            else None
        )
        if found is None:
            raise self._missing(request, institute_id)
        user, kept = found
        # The request log records what was written: the dropped fields were not.
        note_fields(request, kept)
        return JSONResponse({"user": self.api.quirks.answered(user)})

    async def list_providers(self, request: Request) -> Response:
        call = await self.api.authenticate(request)
        page = page_number(call.params, "page", 1)
        limit = min(page_number(call.params, "limit", MAX_LIMIT), MAX_LIMIT)
        refuse_unknown(call.params)
        providers, total = self.store.identity_providers_page(page, limit)
        return JSONResponse(
            {"identity_providers": providers}, headers=_pagination(page, limit, total)
        )

    def _missing(self, request: Request, institute_id: int | None) -> ApiError:
        if institute_id is None or self.store.get(institute_id) is None:
            return _no_institute(request.path_params["institute_id"])
        return _no_user(request.path_params["id"])
