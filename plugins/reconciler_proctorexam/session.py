"""The provider's session: each kind's calls go to the session that serves it.

Institutes are :mod:`.institute_provider`'s, users and identity providers
:mod:`.user_provider`'s; both share one :class:`~reconciler_proctorexam.client.ProctorExamClient`
(one connection pool, one pace), and the users' session asks the institutes' for the ids of
the institutes it names.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from reconciler import LiveObject, ProviderError, ProviderSession, ResourceKind, Scope
from reconciler_proctorexam.client import ProctorExamClient
from reconciler_proctorexam.institute import KIND
from reconciler_proctorexam.institute_provider import InstituteSession
from reconciler_proctorexam.user import IDP_KIND
from reconciler_proctorexam.user import KIND as USER_KIND
from reconciler_proctorexam.user_provider import UserSession

__all__ = ["ProctorExamSession", "open_session"]


@contextlib.asynccontextmanager
async def open_session(client: ProctorExamClient) -> AsyncIterator[ProviderSession]:
    """A session over ``client``, which is closed with it."""
    async with client:
        yield ProctorExamSession(client)


class ProctorExamSession:
    """The provider's session: each kind's calls go to the session that serves it."""

    def __init__(self, client: ProctorExamClient) -> None:
        self.institutes = InstituteSession(client)
        self.users = UserSession(client, self.institutes)
        self._by_kind: dict[str, ProviderSession] = {
            KIND: self.institutes,
            USER_KIND: self.users,
            IDP_KIND: self.users,
        }

    def __repr__(self) -> str:
        return f"ProctorExamSession({self.institutes.client!r})"

    def _for(self, kind: ResourceKind) -> ProviderSession:
        session = self._by_kind.get(kind.name)
        if session is None:
            raise ProviderError(
                f"the proctorexam provider does not serve the kind {kind.name!r}; check which"
                " plugin claims that kind (reconciler plugins)."
            )
        return session

    async def list(self, kind: ResourceKind, scope: Scope | None = None) -> Sequence[LiveObject]:
        return await self._for(kind).list(kind, scope)

    async def read(self, kind: ResourceKind, identity: str) -> LiveObject | None:
        return await self._for(kind).read(kind, identity)

    async def create(
        self, kind: ResourceKind, identity: str, values: Mapping[str, Any]
    ) -> LiveObject:
        return await self._for(kind).create(kind, identity, values)

    async def update(
        self, kind: ResourceKind, live: LiveObject, values: Mapping[str, Any]
    ) -> LiveObject:
        return await self._for(kind).update(kind, live, values)

    async def delete(self, kind: ResourceKind, live: LiveObject) -> None:
        await self._for(kind).delete(kind, live)
