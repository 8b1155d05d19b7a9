"""The institute calls of the ProctorExam API, over the connection's one request method.

Every call goes through :meth:`~reconciler_proctorexam.client.ProctorExamClient.request`, so
institutes are signed, paced, retried and bounded like everything else. This module only
names paths, and says how a lost create is looked for: by ``short_name``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from reconciler.http import Reply
from reconciler_proctorexam.calls import Requester, item_in, list_all

__all__ = ["InstitutesClient"]

log = logging.getLogger("reconciler_proctorexam.client")

_LIST = "/institutes"
_MEMBER = "/institutes/{id}"


class InstitutesClient:
    """Lists, reads and writes institutes through ``requester``."""

    def __init__(self, requester: Requester) -> None:
        self.requester = requester

    async def list_institutes(self) -> list[dict[str, Any]]:
        """Every institute exactly once (see :func:`~reconciler_proctorexam.calls.list_all`)."""
        return await list_all(self.requester, _LIST, "institutes")

    async def find_institute(self, short_name: str) -> dict[str, Any] | None:
        """The institute with this ``short_name``, if any (the API has no filter: list, find)."""
        for institute in await self.list_institutes():
            if institute.get("short_name") == short_name:
                return institute
        return None

    async def get_institute(self, ref: str, *, address: str | None = None) -> dict[str, Any]:
        reply = await self.requester.request(
            "GET", _MEMBER, {}, path_params={"id": ref}, address=address
        )
        return item_in(reply, "institute")

    async def create_institute(
        self, values: Mapping[str, Any], *, address: str | None = None
    ) -> dict[str, Any]:
        """POST a new institute (``values`` includes ``short_name``).

        Never sent twice once an attempt may have reached the service (a lost answer, a 500,
        502 or 504): the institute is looked up by short_name until ``confirm_window`` request
        timeouts after that attempt, because a server may commit it late. If it has not
        appeared by then, :class:`~reconciler.OutcomeUnknownError`: a later plan decides.
        """
        short_name = values.get("short_name")

        async def recover() -> Reply | None:
            if not isinstance(short_name, str):
                return None
            found = await self.find_institute(short_name)
            if found is None:
                return None
            log.info("the lost create of %r had been done; not sending it again", short_name)
            return Reply(200, httpx.Headers(), {"institute": found})

        reply = await self.requester.request(
            "POST", _LIST, values, address=address, confirm=recover
        )
        return item_in(reply, "institute")

    async def update_institute(
        self, ref: str, values: Mapping[str, Any], *, address: str | None = None
    ) -> dict[str, Any]:
        """Send only the given fields; idempotent, so retried like a read.

        The verb is our reading (``update_method``: PATCH, as one public client sends, or PUT).
        """
        method = self.requester.settings.update_method
        reply = await self.requester.request(
            method, _MEMBER, values, path_params={"id": ref}, address=address
        )
        return item_in(reply, "institute")

    async def delete_institute(self, ref: str, *, address: str | None = None) -> None:
        """DELETE; a 404 after an attempt that may have done it means it is done."""
        await self.requester.request(
            "DELETE", _MEMBER, {}, path_params={"id": ref}, address=address, absent_is_done=True
        )
