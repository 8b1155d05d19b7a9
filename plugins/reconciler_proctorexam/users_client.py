"""The users and identity provider calls of the ProctorExam API, over the connection's one
request method.

Paths and fields are :class:`~reconciler_proctorexam.user.UsersApi`'s. Every call goes through
:meth:`~reconciler_proctorexam.client.ProctorExamClient.request`, so users are signed
(``institute_id`` and ``id`` included), paced, retried and bounded like institutes. Answers
are returned whole: dropping the credentials they hold is the provider's job, at its boundary
(:mod:`.user_provider`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from reconciler.http import Reply
from reconciler_proctorexam.calls import Requester, item_in, list_all
from reconciler_proctorexam.user import UsersApi

__all__ = ["UsersClient"]

log = logging.getLogger(__name__)


class UsersClient:
    """Users of one institute at a time, and the service's identity providers."""

    def __init__(self, client: Requester) -> None:
        self.client = client

    async def list_users(
        self, institute_id: str, *, address: str | None = None
    ) -> list[dict[str, Any]]:
        """Every user of the institute ``institute_id`` (list items: no report settings)."""
        return await list_all(
            self.client,
            UsersApi.LIST,
            "users",
            path_params={"institute_id": institute_id},
            address=address,
        )

    async def get_user(
        self, institute_id: str, user_id: str, *, address: str | None = None
    ) -> dict[str, Any]:
        """The show object of one user, credentials included."""
        reply = await self.client.request(
            "GET",
            UsersApi.MEMBER,
            {},
            path_params={"institute_id": institute_id, "id": user_id},
            address=address,
        )
        return item_in(reply, "user")

    async def create_user(
        self, institute_id: str, values: Mapping[str, Any], *, address: str | None = None
    ) -> dict[str, Any]:
        """POST a new user (``values`` holds its ``email``).

        Never sent twice once an attempt may have reached the service: the user is looked up by
        e-mail in its institute instead, as the client does for institutes (and if it never
        appears, the outcome is unknown: a later plan decides).
        """
        email = values.get("email")

        async def recover() -> Reply | None:
            if not isinstance(email, str):
                return None
            for user in await self.list_users(institute_id, address=address):
                if isinstance(user, dict) and user.get("email") == email:
                    log.info("the lost create of %r had been done; not sending it again", email)
                    return Reply(200, httpx.Headers(), {"user": user})
            return None

        reply = await self.client.request(
            "POST",
            UsersApi.LIST,
            values,
            path_params={"institute_id": institute_id},
            address=address,
            confirm=recover,
        )
        return item_in(reply, "user")

    async def update_user(
        self,
        institute_id: str,
        user_id: str,
        values: Mapping[str, Any],
        *,
        address: str | None = None,
    ) -> dict[str, Any]:
        """PATCH only the given fields; idempotent, so retried like a read."""
        reply = await self.client.request(
            "PATCH",
            UsersApi.MEMBER,
            values,
            path_params={"institute_id": institute_id, "id": user_id},
            address=address,
        )
        return item_in(reply, "user")

    async def list_identity_providers(self) -> list[dict[str, Any]]:
        """Every identity provider of the service."""
        return await list_all(self.client, UsersApi.IDENTITY_PROVIDERS, "identity_providers")
