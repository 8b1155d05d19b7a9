"""A kind that refers to another plugin's kind: exam rooms, each in a ProctorExam institute.

This plugin declares only what is its own (the ``room`` kind and a provider that keeps rooms
in a local JSON file) and one line that ties it to the ProctorExam plugin's ``institute``::

    references={"institute": "institute"}

From that line alone the core knows that a room's ``institute`` names an institute by its
short_name, and so:

- a room naming an institute that is neither declared nor live is an error at its line, and
  one naming a tombstoned institute is an error before any network call;
- ``plan`` reads the institutes too (to find the ones named), without reporting them;
- ``apply`` creates institutes first, then rooms; a room whose new institute failed to be
  created is skipped, with the reason.

Copy this file into a project and name it in ``reconciler.toml``::

    [plugins]
    local = ["rooms.py"]

    [providers.rooms]
    path = "rooms-state.json"        # where the live rooms are kept, relative to this file

Then declare rooms beside the institutes::

    rooms:
      uu-lab-1:
        institute: uu                # an institute's short_name, declared or live
        seats: 40
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

KIND = "room"

ROOM_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "institute": {"type": "string", "minLength": 1},
        "seats": {"type": "integer", "minimum": 1},
    },
    "required": ["institute"],
    "additionalProperties": False,
}


@hookimpl
def reconciler_resource_kinds() -> Sequence[ResourceKind]:
    return [
        ResourceKind(
            name=KIND,
            section="rooms",
            provider="rooms",
            schema=ROOM_SCHEMA,
            identity="slug",
            # The one line that ties rooms to institutes: order, checks and reads follow.
            references={"institute": "institute"},
            # A room cannot move: the plan refuses a change of institute, at its line.
            create_only={"institute": "rebuild the room in the other institute by hand."},
            description="An exam room of a ProctorExam institute, kept in a local JSON file.",
        )
    ]


@hookimpl
def reconciler_providers() -> Sequence[Provider]:
    return [Provider(name="rooms", kinds=(KIND,), connect=connect)]


@contextlib.asynccontextmanager
async def connect(context: ProviderContext) -> AsyncIterator[ProviderSession]:
    yield RoomSession(context.base_dir / str(context.options.get("path", "rooms-state.json")))


class RoomSession:
    """Reads and writes the rooms file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        data: dict[str, dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _save(self, rooms: Mapping[str, Mapping[str, Any]]) -> None:
        self.path.write_text(json.dumps(rooms, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def _live(self, slug: str, fields: Mapping[str, Any]) -> LiveObject:
        return LiveObject(KIND, slug, slug, dict(fields), fingerprint=json.dumps(fields))

    async def list(self, kind: ResourceKind, scope: Scope | None = None) -> Sequence[LiveObject]:
        rooms = sorted(self._load().items())
        if scope is not None:
            # Only the rooms of the institutes the config names: what a remote API would list.
            named = scope.references.get("institute", frozenset())
            rooms = [(slug, room) for slug, room in rooms if room.get("institute") in named]
        return [self._live(slug, fields) for slug, fields in rooms]

    async def read(self, kind: ResourceKind, identity: str) -> LiveObject | None:
        fields = self._load().get(identity)
        return None if fields is None else self._live(identity, fields)

    async def create(
        self, kind: ResourceKind, identity: str, values: Mapping[str, Any]
    ) -> LiveObject:
        rooms = self._load()
        rooms[identity] = dict(values)
        self._save(rooms)
        return self._live(identity, rooms[identity])

    async def update(
        self, kind: ResourceKind, live: LiveObject, values: Mapping[str, Any]
    ) -> LiveObject:
        rooms = self._load()
        rooms[live.identity] = {**rooms.get(live.identity, {}), **values}
        self._save(rooms)
        return self._live(live.identity, rooms[live.identity])

    async def delete(self, kind: ResourceKind, live: LiveObject) -> None:
        rooms = self._load()
        rooms.pop(live.identity, None)
        self._save(rooms)
