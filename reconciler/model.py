"""The values that flow through the pipeline: desired objects, live objects, plans.

Every value here is a frozen, slotted dataclass: the engine passes them between pure steps and
plugins may keep them without fear that someone else mutates them. Secrets travel inside
``fields`` mappings, so no ``repr`` of a desired object, a live object or a sensitive field
change ever shows a value: a traceback in a CI log must not leak a key.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SENSITIVE",
    "Action",
    "Change",
    "DesiredObject",
    "DesiredState",
    "FieldChange",
    "LiveObject",
    "LiveRef",
    "Location",
    "Plan",
]

#: What every human-readable surface prints instead of a sensitive value.
SENSITIVE = "(sensitive)"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a YAML file; ``line`` and ``column`` count from 1, as editors do."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class DesiredObject:
    """One object as the YAML declares it, after ``defaults:`` and ``${env:…}`` are applied.

    ``fields`` holds only what the YAML mentions: everything else is unmanaged. ``locations``
    says, per field, where its value was written (the object itself or a defaults layer).
    ``sensitive`` names the fields whose values must never be shown (write-only fields, and
    values read from the environment).
    """

    kind: str
    identity: str
    fields: Mapping[str, Any] = field(repr=False)
    location: Location
    locations: Mapping[str, Location] = field(default_factory=dict, repr=False)
    sensitive: frozenset[str] = frozenset()
    absent: bool = False

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.identity}"


@dataclass(frozen=True, slots=True)
class DesiredState:
    """Everything a config directory declares, in a deterministic order (kind, identity).

    ``sections`` names the kinds whose YAML section appears in a file, even empty: an empty
    ``institutes:`` still asks for the live institutes (to list them as unmanaged).
    """

    objects: tuple[DesiredObject, ...]
    files: tuple[str, ...] = ()
    sections: frozenset[str] = frozenset()

    def of_kind(self, kind: str) -> tuple[DesiredObject, ...]:
        return tuple(o for o in self.objects if o.kind == kind)

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds this state declares or tombstones: the only ones refreshed and connected."""
        return self.sections | {o.kind for o in self.objects}


@dataclass(frozen=True, slots=True)
class LiveObject:
    """One object as the provider read it.

    ``ref`` is the provider's own handle (the API id); ``fingerprint`` changes whenever the
    object changes (``updated_at``, or a hash), so that a saved plan can tell a stale object.
    """

    kind: str
    identity: str
    ref: str
    fields: Mapping[str, Any] = field(repr=False)
    fingerprint: str = ""

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.identity}"


@dataclass(frozen=True, slots=True, order=True)
class LiveRef:
    """A live object named without its values: an unmanaged institute in a plan or report."""

    kind: str
    identity: str
    ref: str

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.identity}"


class Action(enum.Enum):
    """What a change does to one object."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-"}[self.value]


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field going from ``before`` to ``after``.

    ``before`` and ``after`` are the raw values (``after`` is what apply writes); ``location``
    is the YAML that asked for the value. A sensitive change still shows as a change, but its
    values never leave the process.
    """

    name: str
    before: Any
    after: Any
    location: Location | None = None
    sensitive: bool = False

    def __repr__(self) -> str:
        if self.sensitive:
            return f"FieldChange(name={self.name!r}, before={SENSITIVE}, after={SENSITIVE})"
        return f"FieldChange(name={self.name!r}, before={self.before!r}, after={self.after!r})"


@dataclass(frozen=True, slots=True)
class Change:
    """A create, update or delete of one object.

    For an update, ``fields`` holds only the fields that differ; for a create, every field the
    YAML manages; for a delete, nothing. ``ref`` and ``fingerprint`` identify the live object the
    plan was made against (``None`` for a create).
    """

    action: Action
    kind: str
    identity: str
    fields: tuple[FieldChange, ...] = ()
    location: Location | None = None
    ref: str | None = None
    fingerprint: str | None = None

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.identity}"

    def values(self) -> dict[str, Any]:
        """The payload a provider writes: field name to desired value."""
        return {f.name: f.after for f in self.fields}


@dataclass(frozen=True, slots=True)
class Plan:
    """The result of diffing desired against live state: pure data, deterministic order.

    ``unmanaged`` lists live objects that no YAML declares: reported, never touched.
    ``live_count`` is how many live objects the plan was made against (for safety guards).
    """

    changes: tuple[Change, ...]
    unmanaged: tuple[LiveRef, ...] = ()
    live_count: int = 0

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary(self) -> str:
        """Terraform's closing line: ``Plan: 1 to create, 4 to update, 0 to delete.``"""
        return (
            f"Plan: {self.count(Action.CREATE)} to create, {self.count(Action.UPDATE)} to update,"
            f" {self.count(Action.DELETE)} to delete."
        )
