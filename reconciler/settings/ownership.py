"""What a config directory owns and how it treats what it does not: ``[scope]`` and ``[drift]``.

::

    [scope]
    objects = ["institute.uni-*", "user.*@uni-*"]   # address globs: what this directory owns

    [drift]
    unmanaged = "report"     # "report" (default) | "ignore" | "fail"

A live object outside the scope is not this directory's: it is neither unmanaged nor deleted,
and this directory never reports it (another team's directory owns it). An object the directory
declares outside its own scope is an error at ``validate``. Without ``[scope]`` a directory
owns the whole tenant.

``[drift] unmanaged`` says what a live object in scope that nothing declares does to ``drift``:
``"report"`` lists it without making the exit code 2, ``"ignore"`` leaves it out of the report
(``--only-managed`` does the same for one run), ``"fail"`` lists it and makes the exit code 2.
The default is ``"report"``, for gradual adoption: a team that declares its first institutes out
of hundreds gets a drift check that is green when what it manages has not drifted, and still
sees what it has yet to adopt; with ``"fail"`` its nightly job would fail from the first day
until everything is declared or ignored.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from reconciler.model import DesiredState, DriftCategory, DriftReport, LiveObject, Location
from reconciler.records import Problem
from reconciler.settings.tomllines import text_location

__all__ = [
    "UNMANAGED_CHOICES",
    "Ownership",
    "drift_pending",
    "parse_ownership",
    "without_unmanaged",
]

UNMANAGED_CHOICES: Final = ("report", "ignore", "fail")


@dataclass(frozen=True, slots=True)
class Ownership:
    """The ``[scope]`` globs (empty: the whole tenant) and the ``[drift]`` unmanaged setting."""

    scope: tuple[str, ...] = ()
    scope_location: Location | None = None
    unmanaged: str = "report"

    def owns(self, address: str) -> bool:
        return not self.scope or any(fnmatch.fnmatchcase(address, p) for p in self.scope)

    def in_scope(
        self, live: Mapping[str, Sequence[LiveObject]], kinds: frozenset[str]
    ) -> dict[str, Sequence[LiveObject]]:
        """``live`` without the objects of ``kinds`` outside the scope (others are kept: they
        are read to resolve references, and never reported)."""
        if not self.scope:
            return dict(live)
        return {
            kind: [o for o in objects if self.owns(o.address)] if kind in kinds else objects
            for kind, objects in live.items()
        }

    def problems(self, state: DesiredState) -> list[Problem]:
        """A declared object outside the scope: the directory would manage what it disowns."""
        if not self.scope:
            return []
        return [
            Problem(
                f"{o.address} is declared here but is outside this directory's [scope] objects"
                f" ({', '.join(self.scope)}) at {self.scope_location}; widen the scope or move"
                " the object to the directory that owns it",
                o.location,
            )
            for o in state.objects
            if not self.owns(o.address)
        ]


def without_unmanaged(report: DriftReport) -> DriftReport:
    """``report`` with its unmanaged objects left out (``--only-managed``)."""
    kept = tuple(o for o in report.objects if o.category is not DriftCategory.UNMANAGED)
    return replace(report, objects=kept)


def drift_pending(report: DriftReport, unmanaged: str) -> bool:
    """Whether ``drift`` exits 2: something declared drifted, or, with ``"fail"``, something
    in scope is not declared."""
    return any(
        o.category is not DriftCategory.UNMANAGED or unmanaged == "fail" for o in report.objects
    )


def parse_ownership(
    data: Mapping[str, Any], source: Path, text: str
) -> tuple[Ownership, list[Problem]]:
    """``[scope]`` and ``[drift]`` of the settings file ``source`` (``text``), located."""
    problems: list[Problem] = []

    def problem(needle: str, message: str) -> None:
        problems.append(Problem(message, _locate(source, text, needle)))

    scope: list[str] = []
    scope_table = data.get("scope", {})
    if not isinstance(scope_table, dict):
        problem("scope", "scope must be a table ([scope])")
        scope_table = {}
    for key in scope_table:
        if key != "objects":
            problem(key, f"unknown key {key!r} in [scope]; expected objects")
    objects = scope_table.get("objects", [])
    if not isinstance(objects, list) or not all(isinstance(p, str) and p for p in objects):
        problem(
            "objects", 'scope.objects must be a list of address globs, e.g. ["institute.uni-*"]'
        )
    else:
        scope = objects
        for pattern in objects:
            if "." not in pattern:
                problem(
                    pattern,
                    f"scope.objects: {pattern!r} is not an address glob; write KIND.NAME globs"
                    ' such as "institute.uni-*"',
                )
    unmanaged = "report"
    drift_table = data.get("drift", {})
    if not isinstance(drift_table, dict):
        problem("drift", "drift must be a table ([drift])")
        drift_table = {}
    for key in drift_table:
        if key != "unmanaged":
            problem(key, f"unknown key {key!r} in [drift]; expected unmanaged")
    chosen = drift_table.get("unmanaged", "report")
    if chosen not in UNMANAGED_CHOICES:
        problem(
            "unmanaged",
            f"drift.unmanaged must be one of {', '.join(repr(c) for c in UNMANAGED_CHOICES)},"
            f" not {chosen!r}",
        )
    else:
        unmanaged = chosen
    where = _locate(source, text, "objects") if scope else None
    return Ownership(tuple(scope), where, unmanaged), problems


def _locate(source: Path, text: str, needle: str) -> Location:
    """Where ``needle`` is first written in the settings file; line 1 when it is not."""
    return text_location(source, text, needle) or Location(str(source), 1, 1)
