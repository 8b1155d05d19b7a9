"""A whole new resource kind with its own provider: notes kept in a local JSON file.

Copy this file into a project and name it under ``[plugins] local`` in ``reconciler.toml``::

    [plugins]
    local = ["notes.py"]

    [providers.notes]
    path = "notes-state.json"        # where the live notes are kept, relative to this file

Then declare notes in YAML, beside or instead of institutes::

    notes:
      welcome:
        text: Welcome to the exam portal
        pinned: true

The provider reads and writes the JSON file; a real one would call a service instead. It
needs no ProctorExam settings: only the kinds a configuration declares are connected.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from reconciler import (
    LiveObject,
    Provider,
    ProviderContext,
    ProviderSession,
    ResourceKind,
    Scope,
    hookimpl,
)

KIND = "note"

#: The JSON Schema of one note as written in YAML (its key, the slug, is the identity).
NOTE_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 500},
        "pinned": {"type": "boolean"},
    },
    "additionalProperties": False,
}

#: The JSON Schema of ``[providers.notes]``: a typo there is an error at ``validate``.
OPTIONS_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {"path": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}


@hookimpl
def reconciler_resource_kinds() -> Sequence[ResourceKind]:
    return [
        ResourceKind(
            name=KIND,
            section="notes",
            provider="notes",
            schema=NOTE_SCHEMA,
            identity="slug",
            description="A note kept in a local JSON file.",
            # A note cannot be created without its text: a located error at plan, not at apply.
            required_on_create=frozenset({"text"}),
        )
    ]


@hookimpl
def reconciler_providers() -> Sequence[Provider]:
    return [Provider(name="notes", kinds=(KIND,), connect=connect, options_schema=OPTIONS_SCHEMA)]


@contextlib.asynccontextmanager
async def connect(context: ProviderContext) -> AsyncIterator[ProviderSession]:
    path = context.base_dir / str(context.options.get("path", "notes-state.json"))
    yield NoteSession(path)


class NoteSession:
    """Reads and writes the notes file; each write rewrites the whole (small) file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        data: dict[str, dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _save(self, notes: Mapping[str, Mapping[str, Any]]) -> None:
        self.path.write_text(json.dumps(notes, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def _live(self, slug: str, fields: Mapping[str, Any]) -> LiveObject:
        fingerprint = json.dumps(fields, sort_keys=True)
        return LiveObject(KIND, slug, slug, dict(fields), fingerprint=fingerprint)

    async def list(self, kind: ResourceKind, scope: Scope | None = None) -> Sequence[LiveObject]:
        # ``scope`` says which notes the config declares; a file is cheap to read whole.
        return [self._live(slug, fields) for slug, fields in sorted(self._load().items())]

    async def read(self, kind: ResourceKind, identity: str) -> LiveObject | None:
        fields = self._load().get(identity)
        return None if fields is None else self._live(identity, fields)

    async def create(
        self, kind: ResourceKind, identity: str, values: Mapping[str, Any]
    ) -> LiveObject:
        notes = self._load()
        notes[identity] = dict(values)
        self._save(notes)
        return self._live(identity, notes[identity])

    async def update(
        self, kind: ResourceKind, live: LiveObject, values: Mapping[str, Any]
    ) -> LiveObject:
        notes = self._load()
        notes[live.identity] = {**notes.get(live.identity, {}), **values}
        self._save(notes)
        return self._live(live.identity, notes[live.identity])

    async def delete(self, kind: ResourceKind, live: LiveObject) -> None:
        notes = self._load()
        notes.pop(live.identity, None)
        self._save(notes)
