"""The ``[safety]`` settings: deletes, bulk-change limits per kind, and protected objects.

::

    [safety]
    allow_delete = false              # tombstones are refused unless this or --allow-delete
    max_change_share = 0.3            # the default of every kind (built in: 0.3)
    min_objects = 10                  # the share is checked from this many live objects on
    # max_changes = 500               # at most this many changes of one kind (built in: none)
    protect = ["institute.pe", "institute.uni-*"]   # never deleted without --allow-delete=ADDRESS
    protect_fields = ["name"]         # never updated on a protected object

    [safety.institute]                # one kind's own limits, over the defaults above
    max_change_share = 0.3
    min_objects = 10
    max_changes = 50

The bulk-change guard is on by default. Its built-in limits (:data:`DEFAULT_LIMITS`) are
chosen so that a small tenant (the quick start: three institutes) and an ordinary pull request
(a few objects of a tenant of hundreds) pass, while a plan that rewrites a third of a kind's
live objects, or more, is refused. ``reconciler.settings.guards`` applies them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from reconciler.loading.validation import did_you_mean
from reconciler.model import Location
from reconciler.records import Problem, ResourceKind

__all__ = [
    "DEFAULT_LIMITS",
    "LIMIT_KEYS",
    "SAFETY_KEYS",
    "KindLimits",
    "SafetySettings",
    "kind_table_problems",
    "read_safety",
]


@dataclass(frozen=True, slots=True)
class KindLimits:
    """How many changes of one kind a plan may make before the guard refuses it.

    ``max_change_share`` is the share of the kind's live objects that the plan may create,
    update or delete (creates count too, so a plan may reach more than 100%); it is checked
    only once the kind has ``min_objects`` live objects, so that a new or small tenant is not
    refused for filling itself, and a share of 1 turns it off. ``max_changes`` (None: no
    limit) caps the number of changes, whatever the kind's size.
    """

    max_change_share: float = 0.3
    min_objects: int = 10
    max_changes: int | None = None


#: The limits of every kind when ``reconciler.toml`` says nothing: on, and documented in the
#: README's safety section.
DEFAULT_LIMITS: Final = KindLimits()

#: The keys of a limits table, at ``[safety]`` (defaults) and ``[safety.<kind>]``.
LIMIT_KEYS: Final = frozenset({"max_change_share", "min_objects", "max_changes"})
#: Every key ``[safety]`` itself takes (besides one table per kind).
SAFETY_KEYS: Final = LIMIT_KEYS | {"allow_delete", "protect", "protect_fields"}


@dataclass(frozen=True, slots=True)
class SafetySettings:
    """The ``[safety]`` table read: the default limits, each kind's own, and protection.

    ``kinds`` maps a kind named by a ``[safety.<kind>]`` table to its limits (the defaults
    with that table's keys over them). ``protect`` holds address globs; ``protect_fields``
    the fields never updated on a protected object.
    """

    defaults: KindLimits = DEFAULT_LIMITS
    kinds: Mapping[str, KindLimits] = field(default_factory=dict)
    protect: tuple[str, ...] = ()
    protect_fields: frozenset[str] = frozenset()
    #: The limit keys the file writes: ``"max_changes"`` under [safety], ``"user.max_changes"``
    #: under [safety.user]; a limit written nowhere is the built-in default.
    written: frozenset[str] = frozenset()

    def limits(self, kind: str) -> KindLimits:
        return self.kinds.get(kind, self.defaults)

    def setting(self, kind: str, key: str, shown: str) -> str:
        """The limit ``key`` of ``kind`` as a refusal names it: where it is set, and its value.

        ``[safety.user] max_changes = 50``, ``[safety] max_change_share = 30% (the default)``.
        """
        if f"{kind}.{key}" in self.written:
            return f"[safety.{kind}] {key} = {shown}"
        if key in self.written:
            return f"[safety] {key} = {shown}"
        return f"[safety] {key} = {shown} (the default)"


#: Reports one problem at a key path, e.g. ``("safety", "institute", "min_objects")``.
Report = Callable[[tuple[str, ...], str], None]


def read_safety(table: Mapping[str, Any], report: Report) -> SafetySettings:
    """The ``[safety]`` table (already checked for unknown keys) read; problems go to ``report``.

    A wrong value is reported and replaced by its default.
    """
    defaults = _limits(table, ("safety",), DEFAULT_LIMITS, report)
    kinds = {
        name: _limits(sub, ("safety", name), defaults, report)
        for name, sub in sorted(table.items())
        if isinstance(sub, dict)
    }
    protect = _strings(table, ("safety", "protect"), report)
    protect_fields = _strings(table, ("safety", "protect_fields"), report)
    written = {key for key in LIMIT_KEYS if key in table} | {
        f"{name}.{key}"
        for name, sub in table.items()
        if isinstance(sub, dict)
        for key in LIMIT_KEYS
        if key in sub
    }
    return SafetySettings(
        defaults, kinds, tuple(protect), frozenset(protect_fields), frozenset(written)
    )


def _limits(
    table: Mapping[str, Any], at: tuple[str, ...], base: KindLimits, report: Report
) -> KindLimits:
    share = table.get("max_change_share", base.max_change_share)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        report((*at, "max_change_share"), f"must be in (0, 1] (a share: 0.3 is 30%), not {share!r}")
        share = base.max_change_share
    minimum = _count(table, (*at, "min_objects"), base.min_objects, report, lowest=0)
    most = _count(table, (*at, "max_changes"), base.max_changes, report, lowest=1)
    return KindLimits(float(share), minimum if minimum is not None else 0, most)


def _count(
    table: Mapping[str, Any], key: tuple[str, ...], default: int | None, report: Report, lowest: int
) -> int | None:
    if key[-1] not in table:
        return default
    value = table[key[-1]]
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        report(key, f"must be a whole number of at least {lowest}, not {value!r}")
        return default
    return int(value)


def _strings(table: Mapping[str, Any], key: tuple[str, ...], report: Report) -> list[str]:
    value = table.get(key[-1], [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        report(key, f"must be a list of strings, not {value!r}")
        return []
    return value


def kind_table_problems(
    safety: SafetySettings,
    kinds: Mapping[str, ResourceKind],
    locate: Callable[..., Location],
) -> list[Problem]:
    """A ``[safety.<kind>]`` table of a kind no plugin provides, or of a kind only read."""
    problems = []
    declarable = sorted(name for name, kind in kinds.items() if kind.declarable)
    for name in sorted(safety.kinds):
        if name not in kinds:
            problems.append(
                Problem(
                    f"[safety.{name}]: no loaded plugin provides the kind {name!r}"
                    f"{did_you_mean(name, declarable)} (kinds: {', '.join(declarable)})",
                    locate("safety", name),
                )
            )
        elif not kinds[name].declarable:
            problems.append(
                Problem(
                    f"[safety.{name}]: {name} objects are only read, never changed, so they are"
                    " never counted by the bulk-change guard; remove this table",
                    locate("safety", name),
                )
            )
    return problems
