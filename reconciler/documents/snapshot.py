"""Live snapshots: the live objects of a project written down, to plan later without the service.

``reconciler snapshot PATH --output FILE`` writes one; ``reconciler plan PATH --live FILE``
reads it back in place of a refresh, with no credentials and no network. That is how a pull
request from a fork gets a plan: a trusted job takes the snapshot, the untrusted one plans
against it.

A snapshot keeps, of each live object, its identity, its provider ``ref``, its ``fingerprint``
and only the fields a configuration can manage (the properties of its kind's schema) minus
the write-only ones, and minus every field whose desired value the configuration reads
through ``${env:…}`` (its live value is that secret). Server-managed fields (tokens and the
like) and secrets are therefore never written. Such a field is never compared against a
snapshot: the plan names it as not compared (see :mod:`reconciler.engine.planning`).

A snapshot records which tenant it was taken of (each provider's base URL, never a
credential), so that a plan can say so and refuse a snapshot of another tenant.

``format_version`` is ``MAJOR.MINOR``: a minor version only adds properties, which readers
ignore; a new major version is refused by older readers.
"""

from __future__ import annotations

import datetime
import socket
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from reconciler.documents.plan import json_value
from reconciler.documents.versioned import DocumentKind
from reconciler.errors import ReconcilerError
from reconciler.model import LiveObject
from reconciler.records import ResourceKind
from reconciler.version import __version__

__all__ = [
    "LIVE_OBJECT_SCHEMA",
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_FORMAT_VERSION",
    "SNAPSHOT_SCHEMA",
    "LiveSnapshot",
    "describe_age",
    "object_from_document",
    "object_to_document",
    "read_snapshot",
    "snapshot_to_document",
    "storable_fields",
]

#: The value of a snapshot's ``format`` key: how a reader tells it from other JSON.
SNAPSHOT_FORMAT: Final = "reconciler snapshot"
SNAPSHOT_FORMAT_VERSION: Final = "1.1"

SNAPSHOT: Final = DocumentKind(
    name="snapshot",
    title="live snapshot",
    version=SNAPSHOT_FORMAT_VERSION,
    schema=lambda: SNAPSHOT_SCHEMA,
    remedy="Take it again with `reconciler snapshot PATH --output FILE`; do not edit it.",
    format=SNAPSHOT_FORMAT,
)


@dataclass(frozen=True, slots=True)
class LiveSnapshot:
    """A snapshot read back: ``live`` has the shape :meth:`Project.refresh` returns.

    ``taken_at`` is timezone-aware (UTC); ``host`` is the machine that took it; ``tenants``
    maps a provider's name to the tenant it read (its base URL), when the file says.
    """

    taken_at: datetime.datetime
    host: str
    live: Mapping[str, Sequence[LiveObject]] = field(repr=False)
    #: Provider name to the tenant the objects were read from (since format 1.1).
    tenants: Mapping[str, str] = field(default_factory=dict)

    def live_for(self, kinds: Iterable[str], *, source: str) -> Mapping[str, Sequence[LiveObject]]:
        """The live objects, once sure the snapshot covers every kind of ``kinds``."""
        missing = sorted(set(kinds) - set(self.live))
        if missing:
            raise ReconcilerError(
                f"{source} holds no {', '.join(missing)} objects: it was taken from a"
                " configuration without that kind. Take it again with"
                f" `reconciler snapshot PATH --output {source}`."
            )
        return self.live

    def describe(self, now: datetime.datetime | None = None) -> str:
        """``taken at 2026-11-28T14:30:00Z on ci-7 (2 hours ago)``."""
        stamp = self.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"taken at {stamp} on {self.host} ({describe_age(self.taken_at, now)})"


def storable_fields(
    kind: ResourceKind, fields: Mapping[str, Any], withheld: Collection[str] = ()
) -> dict[str, Any]:
    """The fields of a live object that may be written to a file, as plain JSON values.

    Only what a configuration can manage (the kind's schema properties), never a write-only
    field, nor one ``withheld`` (read through ``${env:…}`` by the configuration): what is
    left holds no credentials and no server secrets.
    """
    manageable = kind.schema.get("properties") or {}
    return {
        name: json_value(fields[name])
        for name in sorted(manageable)
        if name in fields and name not in kind.write_only and name not in withheld
    }


def object_to_document(
    kind: ResourceKind, obj: LiveObject, withheld: Collection[str] = ()
) -> dict[str, Any]:
    """One live object as a snapshot (and a saved plan) writes it."""
    return {
        "identity": obj.identity,
        "ref": obj.ref,
        "fingerprint": obj.fingerprint,
        "fields": storable_fields(kind, obj.fields, withheld),
    }


def object_from_document(kind: str, doc: Mapping[str, Any]) -> LiveObject:
    return LiveObject(kind, doc["identity"], doc["ref"], dict(doc["fields"]), doc["fingerprint"])


def snapshot_to_document(
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    *,
    taken_at: datetime.datetime | None = None,
    host: str | None = None,
    tenants: Mapping[str, str] | None = None,
    withheld: Mapping[str, Collection[str]] | None = None,
) -> dict[str, Any]:
    """``live`` (by kind name) as a JSON-ready snapshot document; same input, same text.

    ``tenants`` maps each provider to the tenant read (its base URL); ``withheld`` maps an
    object's address to the fields not to write (those the configuration reads through
    ``${env:…}``: their live values are secrets).
    """
    when = taken_at or datetime.datetime.now(datetime.UTC)
    held = withheld or {}
    return {
        **SNAPSHOT.header(),
        "reconciler_version": __version__,
        "taken_at": when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": host if host is not None else socket.gethostname(),
        "tenants": dict(sorted((tenants or {}).items())),
        "kinds": {
            name: [
                object_to_document(kinds[name], obj, held.get(obj.address, ()))
                for obj in sorted(live[name], key=lambda o: o.identity)
            ]
            for name in sorted(live)
        },
    }


def read_snapshot(path: Path) -> LiveSnapshot:
    """Read the snapshot at ``path``; any problem with the file is a ReconcilerError (exit 1)."""
    doc = SNAPSHOT.read(path)
    source = str(path)
    try:
        taken_at = datetime.datetime.strptime(doc["taken_at"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ReconcilerError(
            f"{source}: /taken_at is not a valid date and time. {SNAPSHOT.remedy}"
        ) from None
    live = {
        name: tuple(object_from_document(name, item) for item in items)
        for name, items in doc["kinds"].items()
    }
    return LiveSnapshot(
        taken_at.replace(tzinfo=datetime.UTC), doc["host"], live, dict(doc.get("tenants") or {})
    )


def describe_age(then: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """How long ago ``then`` was, in the largest whole unit: ``3 minutes ago``."""
    seconds = int(((now or datetime.datetime.now(datetime.UTC)) - then).total_seconds())
    if seconds < 0:
        return "in the future: check the clock of the machine that took it"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "less than a minute ago"


#: One live object in a snapshot or a saved plan (shared with
#: :mod:`reconciler.documents.savedplan`).
LIVE_OBJECT_SCHEMA: Final[dict[str, Any]] = {
    "description": (
        "One live object: its identity, the provider's handle, its fingerprint, and the fields"
        " a configuration can manage, without write-only ones."
    ),
    "type": "object",
    "required": ["identity", "ref", "fingerprint", "fields"],
    "properties": {
        "identity": {"description": "The object's identity within its kind.", "type": "string"},
        "ref": {"description": "The provider's handle (e.g. the API id).", "type": "string"},
        "fingerprint": {
            "description": "Changes whenever the object changes (e.g. `updated_at` or a hash).",
            "type": "string",
        },
        "fields": {
            "description": "Field name to live value; only fields a configuration can manage.",
            "type": "object",
        },
    },
}

#: The JSON Schema (Draft 2020-12) of a snapshot: published as ``schemas/snapshot.schema.json``.
SNAPSHOT_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "reconciler live snapshot",
    "description": (
        "What `reconciler snapshot PATH --output FILE` writes: the live objects of a project's"
        " kinds, for `reconciler plan PATH --live FILE` to plan against with no credentials."
        " Holds no credentials, no write-only values and no server-managed fields. Readers must"
        " ignore properties they do not know: a new minor format version only adds properties."
    ),
    "type": "object",
    "required": ["format", "format_version", "taken_at", "host", "kinds"],
    "properties": {
        "format": {"description": "Always this value.", "const": SNAPSHOT_FORMAT},
        "format_version": SNAPSHOT.version_schema(),
        "reconciler_version": {
            "description": "The version of reconciler that wrote the file.",
            "type": "string",
        },
        "taken_at": {
            "description": "When the live objects were read, in UTC (`YYYY-MM-DDTHH:MM:SSZ`).",
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        },
        "host": {"description": "The name of the machine that took it.", "type": "string"},
        "tenants": {
            "description": (
                "Provider name to the tenant it was read from: its base URL, never a credential"
                " (since format 1.1). `plan --live` refuses a snapshot of another tenant, and a"
                " plan made against the snapshot records it."
            ),
            "type": "object",
            "additionalProperties": {"type": "string"},
        },
        "kinds": {
            "description": "Kind name to every live object of that kind, ordered by identity.",
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {"$ref": "#/$defs/live_object"},
            },
        },
    },
    "$defs": {"live_object": LIVE_OBJECT_SCHEMA},
}
