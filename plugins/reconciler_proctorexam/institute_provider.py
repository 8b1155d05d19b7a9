"""The ``institute`` kind's part of the provider: live institutes, and the session that reads
and writes them through :class:`~reconciler_proctorexam.institutes_client.InstitutesClient`.

A live institute becomes a :class:`LiveObject` whose identity is its ``short_name``, whose ref
is its API id and whose fingerprint is its ``updated_at`` (a hash of the object when the
service does not say). The API has no lookup by short_name, so the session keeps the ids it
has seen in a listing and reads one institute by id when it can, listing only when it must.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any

from reconciler import (
    LiveObject,
    NotFoundError,
    ProviderError,
    ResourceKind,
    Scope,
)
from reconciler_proctorexam.fingerprints import content_fingerprint
from reconciler_proctorexam.institute import DEPRECATED, KIND, WRITABLE
from reconciler_proctorexam.institutes_client import InstitutesClient

if TYPE_CHECKING:
    import asyncio

    from reconciler_proctorexam.client import ProctorExamClient

__all__ = ["InstituteSession", "live_institute"]

#: The institutes of one listing, as the API gives them.
_Listing = list[dict[str, Any]]

#: The routes an institute is read from, as a field the service did not return names them.
_LISTED = "GET /institutes"
_SHOWN = "GET /institutes/:id"
_WRITTEN = "the answer to the write"


def live_institute(institute: Mapping[str, Any], source: str = _LISTED) -> LiveObject:
    """An API institute object as a :class:`LiveObject`; ``source`` names the route read."""
    fingerprint = institute.get("updated_at")
    if not isinstance(fingerprint, str) or not fingerprint:
        fingerprint = content_fingerprint(institute)
    # Positional: a listing makes 10,000 of these, and keywords cost a third more.
    return LiveObject(
        KIND,
        str(institute.get("short_name", "")),
        str(institute.get("id", "")),
        # A listing's objects are this session's alone: kept as they are, not copied (10,000
        # copies were a tenth of a plan's memory). Nothing changes a live object's fields.
        institute if type(institute) is dict else dict(institute),
        fingerprint,
        source,
    )


class InstituteSession:
    """Reads and writes institutes through one :class:`ProctorExamClient`."""

    def __init__(self, client: ProctorExamClient) -> None:
        self.client = client
        self.api = InstitutesClient(client)
        # short_name -> id, from listings and writes: a read by identity then costs one GET.
        self._ids: dict[str, str] = {}
        self._listing: asyncio.Future[_Listing] | None = None
        # Whether a whole listing was read in this session: an institute it did not hold (one
        # a plan is about to create) is then known not to exist, without listing again.
        self._listed = False

    def __repr__(self) -> str:
        return f"InstituteSession({self.client!r})"

    async def list(self, kind: ResourceKind, scope: Scope | None = None) -> Sequence[LiveObject]:
        _check_kind(kind)
        objects = await self.listing()
        if self.client.progress is not None:
            self.client.progress.listed(KIND, len(objects))
        return objects

    async def listing(self) -> Sequence[LiveObject]:
        """Every institute, as live objects. A refresh lists institutes and users at once: the
        users' look-ups of their institute share this listing instead of sending another."""
        return [live_institute(item) for item in await self._shared_listing()]

    async def id_of(self, short_name: str) -> str | None:
        """The API id of the institute ``short_name``: known, or from this session's listing."""
        if short_name not in self._ids and not self._listed:
            await self._shared_listing()
        return self._ids.get(short_name)

    def short_name_of(self, institute_id: str) -> str | None:
        """The short_name of a known institute id (from this session's listing or writes)."""
        return next((s for s, known in self._ids.items() if known == institute_id), None)

    async def read(self, kind: ResourceKind, identity: str) -> LiveObject | None:
        _check_kind(kind)
        ref = self._ids.get(identity)
        if ref is not None:
            try:
                found = live_institute(
                    await self.api.get_institute(ref, address=_address(identity)), _SHOWN
                )
            except NotFoundError:
                found = None
            if found is not None and found.identity == identity:
                return found
        # Not seen yet, gone, or its id now belongs to another: find it by listing.
        for item in await self._shared_listing():
            if item.get("short_name") == identity:
                live = live_institute(item)
                self._ids[identity] = live.ref
                return live
        self._ids.pop(identity, None)
        return None

    async def _shared_listing(self) -> _Listing:
        """A listing of every institute, shared by the reads that ask while it is under way.

        Reads of several unseen institutes at once (a saved plan's staleness check) then cost
        one listing, not one each. A read that starts after it finished starts a new one.
        """
        import asyncio  # loaded already: this runs in its event loop

        if self._listing is None:
            self._listing = asyncio.ensure_future(self._list_and_note())
            self._listing.add_done_callback(self._listing_done)
        return await asyncio.shield(self._listing)

    async def _list_and_note(self) -> _Listing:
        """One listing, its ids noted once: not again by each read that waited for it (the
        users of a thousand institutes look up each institute while one listing is under way,
        and noted every id a thousand times)."""
        items = await self.api.list_institutes()
        self._ids.update((str(i.get("short_name", "")), str(i.get("id", ""))) for i in items)
        self._listed = True
        return items

    def _listing_done(self, task: asyncio.Future[_Listing]) -> None:
        if self._listing is task:
            self._listing = None

    async def create(
        self, kind: ResourceKind, identity: str, values: Mapping[str, Any]
    ) -> LiveObject:
        _check_kind(kind)
        payload = {"short_name": identity, **_wire_values(identity, values)}
        live = live_institute(
            await self.api.create_institute(payload, address=_address(identity)), _WRITTEN
        )
        self._ids[live.identity] = live.ref
        return live

    async def update(
        self, kind: ResourceKind, live: LiveObject, values: Mapping[str, Any]
    ) -> LiveObject:
        _check_kind(kind)
        payload = _wire_values(live.identity, values)
        updated = live_institute(
            await self.api.update_institute(live.ref, payload, address=live.address), _WRITTEN
        )
        self._ids[updated.identity] = updated.ref
        return updated

    async def delete(self, kind: ResourceKind, live: LiveObject) -> None:
        _check_kind(kind)
        await self.api.delete_institute(live.ref, address=live.address)
        self._ids.pop(live.identity, None)


def _check_kind(kind: ResourceKind) -> None:
    if kind.name != KIND:
        raise ProviderError(
            f"the proctorexam provider serves only the {KIND!r} kind, not {kind.name!r};"
            " check which plugin claims that kind (reconciler plugins)."
        )


def _address(identity: str) -> str:
    return f"{KIND}.{identity}"


def _wire_values(identity: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values as the API takes them; refuses what must never be written.

    Deprecated and read-only fields never reach the service, whatever the caller passes: a
    write of a deprecated mirror would fight ``default_language``. Sets (normalised language
    lists) go out as sorted lists, so that the request and its signature are deterministic.
    """
    payload: dict[str, Any] = {}
    for name, value in values.items():
        if name in DEPRECATED:
            raise ProviderError(
                f"refusing to write the deprecated field {name!r}: {DEPRECATED[name]}.",
                address=_address(identity),
            )
        if name not in WRITABLE:
            raise ProviderError(
                f"refusing to write {name!r}: not a writable institute field.",
                address=_address(identity),
            )
        payload[name] = sorted(value) if isinstance(value, Set) else value
    return payload
