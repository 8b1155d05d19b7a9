"""The provider part of the ``user`` and ``identity_provider`` kinds.

A live user becomes a :class:`LiveObject` whose identity is its e-mail, whose ref is
``<institute id>/<user id>`` (both path parameters of every member call) and whose fields are
the API's, less the credentials, plus two the YAML speaks in: ``institute`` (the short_name of
the institute it was listed in) and ``identity_provider`` (the name of its
``omniauth_config_id``). The credentials the show object carries (``api_token``,
``secret_key``) are dropped here, on arrival: no :class:`LiveObject`, plan, log or message
ever holds them.

What is read, and no more:

- the users of exactly the institutes the config's users name, concurrently (institutes not
  yet live have none);
- each declared user's show object only when the YAML manages a field the list lacks (the
  report settings);
- the identity providers once per session, shared by the listing and every write;
- the users of the other institutes only when a plan declares a user its institute does not
  hold: e-mails are unique across the service, so that user may have been moved, and the plan
  must say so rather than send a create that fails.

The fingerprint is a hash of the list fields: the list is what every plan reads, so a plan
that reads the show objects and one that does not agree on it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reconciler import (
    LiveObject,
    NotFoundError,
    ProviderError,
    RejectedError,
    ResourceKind,
    Scope,
    StaleObjectError,
)
from reconciler_proctorexam.emails import canonical_email
from reconciler_proctorexam.fingerprints import content_fingerprint
from reconciler_proctorexam.user import IDP_KIND, KIND, UsersApi
from reconciler_proctorexam.users_client import UsersClient

if TYPE_CHECKING:
    from reconciler_proctorexam.client import ProctorExamClient
    from reconciler_proctorexam.institute_provider import InstituteSession

__all__ = ["UserSession"]

log = logging.getLogger(__name__)

#: What a write's answer is named as, when it lacks a field that was sent.
_WRITTEN = "the answer to the write"

#: Fields of the YAML that the API spells otherwise.
_IDP_FIELD = "identity_provider"
_IDP_WIRE = "omniauth_config_id"


class UserSession:
    """Reads and writes users, and reads identity providers, through one client."""

    def __init__(self, client: ProctorExamClient, institutes: InstituteSession) -> None:
        self.api = UsersClient(client)
        self.institutes = institutes
        # e-mail -> "institute id/user id", from listings and writes.
        self._refs: dict[str, str] = {}
        # e-mail -> the institute (short_name) a create was sent to: read back there alone.
        self._sent_to: dict[str, str] = {}
        self._idps: asyncio.Task[Sequence[dict[str, Any]]] | None = None

    def __repr__(self) -> str:
        return f"UserSession({self.api.client!r})"

    # Identity providers -----------------------------------------------------------------

    async def _identity_providers(self) -> Sequence[dict[str, Any]]:
        """``GET /identity_providers``, once per session."""
        if self._idps is None:
            self._idps = asyncio.ensure_future(self.api.list_identity_providers())
        return await asyncio.shield(self._idps)

    async def _idp_names(self) -> dict[str, str]:
        """omniauth_config_id (as text) -> name."""
        return {str(p.get("id")): str(p.get("name")) for p in await self._identity_providers()}

    async def _idp_id(self, name: str, address: str) -> Any:
        for item in await self._identity_providers():
            if item.get("name") == name:
                return item.get("id")
        raise ProviderError(
            f"no identity provider is named {name!r} on the service; plan again.", address=address
        )

    # Reading ----------------------------------------------------------------------------

    async def list(self, kind: ResourceKind, scope: Scope | None = None) -> Sequence[LiveObject]:
        if kind.name == IDP_KIND:
            return [_live_idp(kind, item) for item in await self._identity_providers()]
        _check_kind(kind)
        known = await self._known_one(kind, scope)
        if known is not None:
            return known
        if scope is None:
            short_names = sorted(o.identity for o in await self.institutes.listing())
        else:
            short_names = sorted(scope.references.get("institute", ()))
        show = scope is not None and bool(scope.fields & UsersApi.SHOW_ONLY_FIELDS)
        wanted = scope.identities if scope is not None else frozenset()
        names, listed = await asyncio.gather(
            self._idp_names(), asyncio.gather(*(self._list_in(s) for s in short_names))
        )
        found: list[tuple[str, str, dict[str, Any]]] = [
            (short_name, institute_id, item)
            for batch in listed
            for short_name, institute_id, item in batch
        ]
        was_shown = [show and item.get("email") in wanted for _, _, item in found]
        if show:
            found = list(await self._shown(found, wanted))
        if scope is not None and "institute" in scope.fields:
            # A plan's listing: the YAML names each user's institute. (A read-back, or the
            # check that the objects of a saved plan are unchanged, names no fields.)
            moved = await self._moved_users(wanted, short_names, found)
            found += moved
            was_shown += [False] * len(moved)
        objects = [
            live_user(
                kind, s, i, item, names, UsersApi.SHOW_ROUTE if shown else UsersApi.LIST_ROUTE
            )
            for (s, i, item), shown in zip(found, was_shown, strict=True)
        ]
        self._refs.update({o.identity: o.ref for o in objects})
        return objects

    async def _known_one(
        self, kind: ResourceKind, scope: Scope | None
    ) -> Sequence[LiveObject] | None:
        """One user this session has seen (the re-read before an unattended write): its own
        page, not its institute's whole listing again. None when the scope is not that."""
        if scope is None or len(scope.identities) != 1:
            return None
        [identity] = scope.identities
        if identity not in self._refs:
            return None
        seen = await self.read(kind, identity)
        return [] if seen is None else [seen]

    async def _shown(
        self, found: Sequence[tuple[str, str, dict[str, Any]]], wanted: frozenset[str]
    ) -> Sequence[tuple[str, str, dict[str, Any]]]:
        """``found`` with the show object of each wanted user in place of its list item: it
        holds everything the list does."""
        items = await asyncio.gather(
            *(
                self.api.get_user(iid, str(item.get("id")), address=_address(item))
                if item.get("email") in wanted
                else _same(item)
                for _, iid, item in found
            )
        )
        return [(s, i, item) for (s, i, _), item in zip(found, items, strict=True)]

    async def _moved_users(
        self,
        wanted: frozenset[str],
        listed: Sequence[str],
        found: Sequence[tuple[str, str, dict[str, Any]]],
    ) -> Sequence[tuple[str, str, dict[str, Any]]]:
        """Declared users not in the institutes listed, found in another live institute.

        E-mails are unique across the service: a user the YAML moves to another institute
        exists in its old one, and a create would fail at apply. Found here, it is planned
        against its live self, and the plan refuses the move, located (``institute`` is
        create-only). The other institutes are listed only when a declared user is missing
        from the ones the YAML names: a plan that creates users pays one listing of each.
        """
        seen = {canonical_email(str(item.get("email", ""))) for _, _, item in found}
        missing = {canonical_email(email) for email in wanted} - seen
        if not missing:
            return []
        others = sorted(
            o.identity for o in await self.institutes.listing() if o.identity not in listed
        )
        batches = await asyncio.gather(*(self._list_in(s) for s in others))
        return [
            entry
            for batch in batches
            for entry in batch
            if canonical_email(str(entry[2].get("email", ""))) in missing
        ]

    async def _list_in(self, short_name: str) -> Sequence[tuple[str, str, dict[str, Any]]]:
        institute_id = await self.institutes.id_of(short_name)
        if institute_id is None:
            return []  # to be created by this plan: no users yet
        items = await self.api.list_users(institute_id, address=f"institute.{short_name}")
        if self.api.client.progress is not None:
            self.api.client.progress.listed(KIND, len(items))
        return [(short_name, institute_id, item) for item in items]

    async def read(self, kind: ResourceKind, identity: str) -> LiveObject | None:
        if kind.name == IDP_KIND:
            return next((o for o in await self.list(kind) if o.identity == identity), None)
        _check_kind(kind)
        ref = self._refs.get(identity)
        if ref is None:
            # Not seen in this session: look in the institute a create went to, else in every
            # institute's users.
            sent_to = self._sent_to.get(identity)
            scope = None
            if sent_to is not None:
                scope = Scope(
                    frozenset({identity}),
                    # Its own page too: a read back compares the report settings.
                    fields=UsersApi.SHOW_ONLY_FIELDS,
                    references={"institute": frozenset({sent_to})},
                )
            return next((o for o in await self.list(kind, scope) if o.identity == identity), None)
        institute_id, user_id = ref.split("/", 1)
        try:
            item = await self.api.get_user(institute_id, user_id, address=f"{KIND}.{identity}")
        except NotFoundError:
            self._refs.pop(identity, None)
            return None
        short_name = await self._short_name(institute_id)
        names = await self._idp_names()
        return live_user(kind, short_name, institute_id, item, names, UsersApi.SHOW_ROUTE)

    async def _short_name(self, institute_id: str) -> str | None:
        # Known from this session's listing or writes; not worth a listing of its own (the
        # fingerprint and every write go by the ref).
        return self.institutes.short_name_of(institute_id)

    # Writing ----------------------------------------------------------------------------

    async def create(
        self, kind: ResourceKind, identity: str, values: Mapping[str, Any]
    ) -> LiveObject:
        """POST the documented create fields; then, in a PATCH of their own, the report
        settings that differ from a new user's (documented for update only)."""
        _check_kind(kind)
        address = f"{KIND}.{identity}"
        short_name = values.get("institute")
        institute_id = await self._institute_id(short_name, address)
        self._sent_to[identity] = str(short_name)
        later = {k: v for k, v in values.items() if k in UsersApi.AFTER_CREATE_FIELDS}
        first = {k: v for k, v in values.items() if k not in UsersApi.AFTER_CREATE_FIELDS}
        payload = await self._create_payload(identity, first, address)
        try:
            item = await self.api.create_user(institute_id, payload, address=address)
        except RejectedError as exc:
            raise await self._refused_create(exc, payload, institute_id, identity) from None
        names = await self._idp_names()
        live = live_user(kind, short_name, institute_id, item, names, _WRITTEN)
        self._refs[identity] = live.ref
        patch = {
            name: value
            for name, value in later.items()
            if live.fields.get(name, UsersApi.DEFAULTS.get(name)) != value
        }
        if not patch:
            return live
        return await self._patch_created(kind, live, patch, names, address)

    async def _institute_id(self, short_name: Any, address: str) -> str:
        """The API id of the institute a new user goes to; it must exist by now."""
        institute_id = (
            await self.institutes.id_of(short_name) if isinstance(short_name, str) else None
        )
        if institute_id is None:
            raise ProviderError(
                f"the institute {short_name!r} does not exist on the service; plan again.",
                address=address,
            )
        return institute_id

    async def _create_payload(
        self, identity: str, first: Mapping[str, Any], address: str
    ) -> dict[str, Any]:
        payload = {"email": identity, **await self._wire(first, UsersApi.CREATE_FIELDS, address)}
        if "password" not in payload and self._password_always():
            # The docs' reading: create needs a password, even with single sign-on. One made
            # for this request alone; the client keeps it out of every message and log line.
            payload["password"] = secrets.token_urlsafe(32)
        if "password" in payload:
            payload["password_confirmation"] = payload["password"]
        return payload

    async def _refused_create(
        self,
        exc: RejectedError,
        payload: Mapping[str, Any],
        institute_id: str,
        identity: str,
    ) -> Exception:
        """What a create refused with 422 means: a password the service wants, an e-mail
        another run created since the plan, or one taken in another institute."""
        address = f"{KIND}.{identity}"
        if "password" in exc.fields and "password" not in payload:
            said = str(exc).removeprefix(f"{exc.address}: ")
            return ProviderError(
                f"{said} The service wants a password for this single sign-on user, as"
                ' the users page documents: set user_password = "required" under'
                " [providers.proctorexam] (a random one is then sent for this request"
                " alone), or give the user password: ${env:NAME}.",
                address=address,
            )
        if "has already been taken" not in " ".join(exc.fields.get("email", ())):
            return exc
        users = await self.api.list_users(institute_id, address=address)
        if any(canonical_email(str(u.get("email", ""))) == identity for u in users):
            return StaleObjectError(
                f"{address}: created by another run since the plan; plan again."
            )
        said = str(exc).removeprefix(f"{exc.address}: ")
        # Not a RejectedError: the user is not here, so no other run created it.
        return ProviderError(
            f"{said} E-mail addresses are unique across ProctorExam: this one belongs to"
            " a user of another institute (or one these credentials cannot see); correct"
            " the institute in the YAML, or the e-mail.",
            address=address,
        )

    async def _patch_created(
        self,
        kind: ResourceKind,
        live: LiveObject,
        patch: Mapping[str, Any],
        names: Mapping[str, str],
        address: str,
    ) -> LiveObject:
        """The report settings of a user just created, in a PATCH of their own."""
        institute_id, user_id = live.ref.split("/", 1)
        try:
            item = await self.api.update_user(
                institute_id,
                user_id,
                await self._wire(patch, UsersApi.PATCH_FIELDS, address),
                address=address,
            )
        except RejectedError as exc:
            # The user exists, made by this run: the settings the service refused are
            # reported as not taken (write verification), never as another run's doing.
            log.warning("%s (the report settings sent after the create)", exc)
            return live
        short_name = live.fields.get("institute")
        return live_user(kind, short_name, institute_id, item, names, _WRITTEN)

    def _password_always(self) -> bool:
        """Whether every create sends a password (the ``user_password`` reading)."""
        return self.api.client.settings.user_password == "required"

    async def update(
        self, kind: ResourceKind, live: LiveObject, values: Mapping[str, Any]
    ) -> LiveObject:
        _check_kind(kind)
        institute_id, user_id = live.ref.split("/", 1)
        payload = await self._wire(values, UsersApi.PATCH_FIELDS, live.address)
        item = await self.api.update_user(institute_id, user_id, payload, address=live.address)
        short_name = await self._short_name(institute_id)
        return live_user(kind, short_name, institute_id, item, await self._idp_names(), _WRITTEN)

    async def delete(self, kind: ResourceKind, live: LiveObject) -> None:
        raise ProviderError(
            "the ProctorExam API has no delete for users; remove the user by hand.",
            address=live.address,
        )

    async def _wire(
        self, values: Mapping[str, Any], allowed: Iterable[str], address: str
    ) -> dict[str, Any]:
        """The values as the API takes them; refuses what that call would not keep.

        A field outside ``allowed`` is refused here, never sent: the service would drop it
        silently and answer as if it had been written.
        """
        allowed = frozenset(allowed)
        payload: dict[str, Any] = {}
        for name, value in values.items():
            if name == "institute":
                continue  # the path says it
            if name == _IDP_FIELD:
                name = _IDP_WIRE
                value = None if value is None else await self._idp_id(str(value), address)
            if name not in allowed:
                raise ProviderError(
                    f"refusing to send {name!r}: the service would silently ignore it in this"
                    " call (it can be set on create only).",
                    address=address,
                )
            payload[name] = value
        return payload


def live_user(
    kind: ResourceKind,
    short_name: Any,
    institute_id: str,
    item: Mapping[str, Any],
    idp_names: Mapping[str, str],
    source: str = UsersApi.LIST_ROUTE,
) -> LiveObject:
    """An API user object as a :class:`LiveObject`, its credentials dropped; ``source`` names
    the route it was read from."""
    fields = kind.without_secrets(item)
    listed = {k: v for k, v in fields.items() if k in UsersApi.LIST_FIELDS}
    idp = fields.get(_IDP_WIRE)
    fields["institute"] = short_name
    fields[_IDP_FIELD] = None if idp is None else idp_names.get(str(idp), f"#{idp}")
    return LiveObject(
        kind=KIND,
        # Compared as the YAML's keys are: NFC, lower case (see emails.py).
        identity=canonical_email(str(fields.get("email", ""))),
        ref=f"{institute_id}/{fields.get('id', '')}",
        fields=fields,
        fingerprint=content_fingerprint(listed),
        source=source,
    )


def _live_idp(kind: ResourceKind, item: Mapping[str, Any]) -> LiveObject:
    fields = kind.without_secrets(item)
    return LiveObject(
        kind=IDP_KIND,
        identity=str(fields.get("name", "")),
        ref=str(fields.get("id", "")),
        fields=fields,
        fingerprint=content_fingerprint(fields),
    )


async def _same(item: dict[str, Any]) -> dict[str, Any]:
    return item


def _address(item: Mapping[str, Any]) -> str:
    return f"{KIND}.{item.get('email')}"


def _check_kind(kind: ResourceKind) -> None:
    if kind.name != KIND:
        raise ProviderError(f"the users session does not serve the kind {kind.name!r}.")
