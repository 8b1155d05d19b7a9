"""The values that flow through the pipeline: desired objects, live objects, plans.

Every value here is a frozen, slotted dataclass: the engine passes them between pure steps and
plugins may keep them without fear that someone else mutates them. Secrets travel inside
``fields`` mappings, so no ``repr`` of a desired object, a live object or a sensitive field
change ever shows a value: a traceback in a CI log must not leak a key.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from reconciler.workflowguard import one_line

__all__ = [
    "SENSITIVE",
    "Action",
    "Basis",
    "Change",
    "DesiredObject",
    "DesiredState",
    "DriftCategory",
    "DriftReport",
    "DriftedObject",
    "FieldChange",
    "Ignored",
    "LiveObject",
    "LiveRef",
    "Location",
    "NotCompared",
    "Plan",
    "Targeting",
    "Unset",
    "make_location",
    "not_compared_summary",
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
        # A file name may hold a line break: it stays on the line it is quoted on.
        return f"{one_line(self.file)}:{self.line}:{self.column}"


_new_object = object.__new__
_set_file = cast(Any, Location).file.__set__
_set_line = cast(Any, Location).line.__set__
_set_column = cast(Any, Location).column.__set__


def make_location(file: str, line: int, column: int) -> Location:
    """``Location(file, line, column)``, made in less than half the time.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; this sets
    the three slots directly, which is all that ``__init__`` does. The loader makes one per
    field written (60,000 for a file of 10,000 institutes).
    """
    made = _new_object(Location)
    _set_file(made, file)
    _set_line(made, line)
    _set_column(made, column)
    return made


@dataclass(frozen=True, slots=True)
class Unset:
    """A value read through ``${env:…}`` whose variables are not set in this run.

    It stands in the desired fields in place of the value: such a field is never compared
    (the plan says so), and a change that must send it fails before any write. It holds the
    names of the variables only, never a value.
    """

    variables: tuple[str, ...]

    def __str__(self) -> str:
        names = ", ".join(self.variables)
        return f"{names} {'is' if len(self.variables) == 1 else 'are'} not set"


@dataclass(frozen=True, slots=True)
class DesiredObject:
    """One object as the YAML declares it, after ``defaults:`` and ``${env:…}`` are applied.

    ``fields`` holds only what the YAML mentions: everything else is unmanaged. ``locations``
    says, per field, where its value was written (the object itself or a defaults layer).
    ``sensitive`` names the fields whose values must never be shown (write-only fields, and
    values read from the environment). ``templates`` holds, for each field read through
    ``${env:…}``, the value as written (``"${env:PE_TAWK_KEY}"``): what a saved plan keeps in
    place of the value, to resolve again at apply time, and what a plan shows in its place.
    A field whose variables are not set holds an :class:`Unset` in ``fields``. ``layers``
    names, for each field whose value a shared layer set (``defaults``, an address glob's or a
    group's defaults), that layer; a field the object sets itself is not in it.
    """

    kind: str
    identity: str
    fields: Mapping[str, Any] = field(repr=False)
    location: Location
    locations: Mapping[str, Location] = field(default_factory=dict, repr=False)
    sensitive: frozenset[str] = frozenset()
    absent: bool = False
    templates: Mapping[str, Any] = field(default_factory=dict, repr=False)
    layers: Mapping[str, str] = field(default_factory=dict, repr=False)

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
    ``source`` names what was read to make it (``GET /institutes/:institute_id/users/:id``),
    so that a field the service did not return can be reported with the route that lacks it;
    it takes no part in comparing two live objects.

    A field absent from ``fields`` was not returned by the service: it is never the same as a
    field returned as ``null`` (:mod:`reconciler.engine.unreturned`).
    """

    kind: str
    identity: str
    ref: str
    fields: Mapping[str, Any] = field(repr=False)
    fingerprint: str = ""
    # Where it was read says nothing of the object itself: two reads of it are equal.
    source: str = field(default="", compare=False)

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
    is the YAML that asked for the value, ``layer`` the shared layer it was written in (``None``
    when the object itself sets it). A sensitive change still shows as a change, but its
    values never leave the process.
    """

    name: str
    before: Any
    after: Any
    location: Location | None = None
    sensitive: bool = False
    #: For a value read through ``${env:…}``: the value as written, which may be shown.
    template: str | None = None
    layer: str | None = None

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
class Ignored:
    """What the ignore rules (``[ignore]`` in the project settings) kept out of a plan or report.

    ``objects`` counts live objects matched by ``[ignore] objects`` (never reported as
    unmanaged); ``fields`` counts fields whose live value differs from the configuration but
    that ``[ignore.fields]`` says are managed elsewhere (neither reported nor reverted).
    """

    objects: int = 0
    fields: int = 0

    def __bool__(self) -> bool:
        return bool(self.objects or self.fields)

    def summary(self) -> str:
        """``Ignored by [ignore]: 2 live objects, 1 field difference.``"""
        objects = f"{self.objects:,} live object{'s' if self.objects != 1 else ''}"
        fields = f"{self.fields:,} field difference{'s' if self.fields != 1 else ''}"
        return f"Ignored by the [ignore] settings: {objects}, {fields}."


@dataclass(frozen=True, slots=True, order=True)
class NotCompared:
    """A declared field left out of the comparison, and why: what a plan counts and says.

    ``needed`` is true when a change must send the value (a create), so that apply fails before
    any write unless the variables are set by then.
    """

    address: str
    field: str
    reason: str
    location: Location | None = None
    needed: bool = False
    #: The variables that are not set, when that is the reason.
    variables: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.needed:
            return f"{self.address}.{self.field}: {self.reason}; apply needs it to create"
        return f"{self.address}.{self.field}: not compared: {self.reason}"


@dataclass(frozen=True, slots=True)
class Basis:
    """What a plan or a drift report was made against, as its first lines say.

    ``source`` is ``"live"`` (the service itself) or ``"snapshot"``; ``tenants`` the address of
    each provider's tenant (a base URL, never a credential); ``taken_at`` and ``age`` when the
    snapshot was taken; ``skipped_plugins`` the local plugins that were not loaded.
    """

    source: str
    tenants: tuple[str, ...] = ()
    taken_at: str = ""
    age: str = ""
    skipped_plugins: tuple[str, ...] = ()

    def lines(self, verb: str = "Planned", quote: Callable[[str], str] = str) -> tuple[str, ...]:
        """``Planned against a snapshot of https://…/api/v3 taken … (13 h ago).``, and more.

        ``quote`` writes what came from outside (an address, a plugin's name) for the format.
        """
        where = " and ".join(map(quote, self.tenants))
        if self.source == "snapshot":
            of = f"of {where}" if where else "(which names no tenant)"
            first = f"{verb} against a snapshot {of} taken {self.taken_at} ({self.age})."
        else:
            first = f"{verb} against the live service{f' at {where}' if where else ''}."
        out = [first]
        if self.skipped_plugins:
            out.append(
                "Local plugins not loaded (--no-local-plugins), so their policies and checks"
                f" did not run: {', '.join(map(quote, self.skipped_plugins))}."
            )
        return tuple(out)


def not_compared_summary(items: tuple[NotCompared, ...]) -> str:
    """``2 fields not compared, 1 value needed by apply`` for a summary line."""
    needed = sum(1 for i in items if i.needed)
    compared = len(items) - needed
    parts = []
    if compared:
        parts.append(f"{compared} field{'s' if compared != 1 else ''} not compared")
    if needed:
        parts.append(f"{needed} value{'s' if needed != 1 else ''} to read at apply")
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Targeting:
    """What a partial plan (``--target``, ``--exclude``) was narrowed to.

    ``targets`` and ``excludes`` are the patterns as given (addresses, globs or kinds);
    ``pulled_in`` the addresses no pattern selected that a selected change needs created first
    (a targeted user's new institute).
    """

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    pulled_in: tuple[str, ...] = ()

    def summary(self) -> str:
        """``Partial plan: only --target user.a (and institute.new, needed first) ...``"""
        parts = []
        if self.targets:
            parts.append("only " + ", ".join(f"--target {t}" for t in self.targets))
        if self.excludes:
            parts.append("without " + ", ".join(f"--exclude {e}" for e in self.excludes))
        text = "Partial plan: " + "; ".join(parts) + "."
        if self.pulled_in:
            text += (
                f" Also planned, because a targeted change needs it created first:"
                f" {', '.join(self.pulled_in)}."
            )
        return text + " Other objects may differ too; plan without them to see everything."


@dataclass(frozen=True, slots=True)
class Plan:
    """The result of diffing desired against live state: pure data, deterministic order.

    ``unmanaged`` lists live objects that no YAML declares: reported, never touched.
    ``live_count`` is how many live objects the plan was made against, ``live_counts`` the
    same per kind (for the safety guards). ``ignored`` counts what the project's ignore rules
    kept out of the plan. ``not_compared`` names the declared fields that could not be
    compared (a variable not set, or no live value to compare with); ``basis`` says what the
    plan was made against. ``targeting`` says what a partial plan was narrowed to (None: the
    whole configuration).
    """

    changes: tuple[Change, ...]
    unmanaged: tuple[LiveRef, ...] = ()
    live_count: int = 0
    ignored: Ignored = Ignored()
    not_compared: tuple[NotCompared, ...] = ()
    basis: Basis | None = None
    live_counts: Mapping[str, int] = field(default_factory=dict)
    targeting: Targeting | None = None

    @property
    def partial(self) -> bool:
        return self.targeting is not None

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary(self) -> str:
        """Terraform's closing line: ``Plan: 1 to create, 4 to update, 0 to delete.``"""
        counts = (
            f"Plan: {self.count(Action.CREATE)} to create, {self.count(Action.UPDATE)} to update,"
            f" {self.count(Action.DELETE)} to delete"
        )
        if self.not_compared:
            return f"{counts}; {not_compared_summary(self.not_compared)}."
        return counts + "."


# --------------------------------------------------------------------------------------------
# Drift
# --------------------------------------------------------------------------------------------


class DriftCategory(enum.Enum):
    """How one object differs from the configuration, in the order reports list them."""

    #: Declared and live, and a declared field differs.
    CHANGED = "changed"
    #: Declared, not live.
    MISSING = "missing"
    #: Tombstoned (``absent: true``), but still live.
    PRESENT = "present"
    #: Live, not declared and not ignored.
    UNMANAGED = "unmanaged"


@dataclass(frozen=True, slots=True)
class DriftedObject:
    """One object that drifted, in one category.

    ``fields`` holds, for a changed object, every declared field that differs (``before`` is
    the live value, ``after`` the desired one, ``location`` where the YAML asks for it); for a
    missing object, every declared field with its desired value; otherwise nothing. ``ref`` is
    the provider's handle of the live object (``None`` for a missing one), ``location`` the
    YAML that declares the object (``None`` for an unmanaged one).
    """

    category: DriftCategory
    kind: str
    identity: str
    fields: tuple[FieldChange, ...] = ()
    location: Location | None = None
    ref: str | None = None

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.identity}"


@dataclass(frozen=True, slots=True)
class DriftReport:
    """What differs between the configuration and the live objects: pure data, by address.

    ``declared`` is how many objects the configuration declares (tombstones included),
    ``live_count`` how many live objects were read, ``generated_at`` when (ISO 8601, UTC).
    """

    objects: tuple[DriftedObject, ...]
    declared: int = 0
    live_count: int = 0
    ignored: Ignored = Ignored()
    generated_at: str = ""
    not_compared: tuple[NotCompared, ...] = ()
    basis: Basis | None = None

    def count(self, category: DriftCategory) -> int:
        return sum(1 for o in self.objects if o.category is category)

    def of(self, category: DriftCategory) -> tuple[DriftedObject, ...]:
        return tuple(o for o in self.objects if o.category is category)

    @property
    def empty(self) -> bool:
        return not self.objects

    def summary(self) -> str:
        """``Drift: 1 changed, 1 missing, 0 present, 2 unmanaged.``"""
        counts = ", ".join(f"{self.count(c)} {c.value}" for c in DriftCategory)
        if self.not_compared:
            return f"Drift: {counts}; {not_compared_summary(self.not_compared)}."
        return f"Drift: {counts}."
