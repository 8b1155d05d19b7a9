"""Ignore rules: live objects and fields that something else manages (``[ignore]`` settings).

::

    [ignore]
    objects = ["institute.legacy-*", "institute.test-??"]   # shell-style globs on addresses
    [ignore.fields]
    "institute.*" = ["callback_url"]                         # per address glob: fields

An ignored object is never reported as unmanaged, and never changed or deleted: a glob that
matches a declared object is an error at ``validate`` (:func:`check_ignore_rules`). An ignored
field is still written when its object is created, but outside changes to it are neither
reported as drift nor reverted. Plans and drift reports count what was ignored
(:class:`~reconciler.model.Ignored`), so that nothing disappears silently.

Globs are :func:`fnmatch.fnmatchcase` patterns (``*``, ``?``, ``[seq]``), matched against the
whole address, case-sensitively, as addresses are.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from reconciler.loading.validation import is_closed
from reconciler.model import DesiredState, Location
from reconciler.records import Problem, ResourceKind
from reconciler.settings.tomllines import text_location

__all__ = [
    "NO_RULES",
    "FieldRule",
    "IgnoreRules",
    "ObjectRule",
    "check_ignore_rules",
    "parse_ignore",
]

_KEYS: Final = ("fields", "objects")


@dataclass(frozen=True, slots=True)
class ObjectRule:
    """``pattern`` from ``[ignore] objects``; ``location`` is where the settings file says it."""

    pattern: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One entry of ``[ignore.fields]``: objects matching ``pattern`` ignore ``fields``."""

    pattern: str
    fields: frozenset[str]
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    """Every ignore rule of a project (none by default)."""

    objects: tuple[ObjectRule, ...] = ()
    fields: tuple[FieldRule, ...] = ()

    def ignores_object(self, address: str) -> bool:
        return any(fnmatch.fnmatchcase(address, rule.pattern) for rule in self.objects)

    def ignored_fields(self, address: str) -> frozenset[str]:
        """The fields of the object at ``address`` that something else manages."""
        found: frozenset[str] = frozenset()
        for rule in self.fields:
            if fnmatch.fnmatchcase(address, rule.pattern):
                found |= rule.fields
        return found


#: A project without ``[ignore]``: nothing is ignored.
NO_RULES: Final = IgnoreRules()


def parse_ignore(table: Any, source: Path, text: str) -> tuple[IgnoreRules, list[Problem]]:
    """Read the ``[ignore]`` table of the settings file ``source`` (whose content is ``text``).

    Returns the rules and every problem found (unknown keys, wrong types), each located in the
    file; a rule with a problem is left out of the rules.
    """
    problems: list[Problem] = []

    def problem(needle: str, message: str) -> None:
        problems.append(Problem(message, _where(source, text, needle)))

    if not isinstance(table, dict):
        problem("ignore", "ignore must be a table ([ignore]).")
        return NO_RULES, problems
    for key in table:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problem(key, f"unknown key {key!r} in [ignore]; expected {' or '.join(_KEYS)}.{hint}")
    objects = table.get("objects", [])
    if not isinstance(objects, list) or not all(isinstance(p, str) and p for p in objects):
        problem("objects", 'ignore.objects must be a list of globs, e.g. ["kind.x-*"].')
        objects = []
    fields = table.get("fields", {})
    if not isinstance(fields, dict):
        problem("fields", "ignore.fields must be a table ([ignore.fields]).")
        fields = {}
    field_rules = []
    for pattern, names in fields.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            problem(
                pattern,
                f'ignore.fields."{pattern}" must be a list of field names, e.g. ["callback_url"].',
            )
            continue
        field_rules.append(
            FieldRule(pattern, frozenset(names), text_location(source, text, pattern))
        )
    rules = IgnoreRules(
        objects=tuple(ObjectRule(p, text_location(source, text, p)) for p in objects),
        fields=tuple(field_rules),
    )
    return rules, problems


def check_ignore_rules(
    rules: IgnoreRules, state: DesiredState, kinds: Mapping[str, ResourceKind]
) -> list[Problem]:
    """Problems with ``rules`` given what the configuration declares, located in the settings.

    An object glob must not match a declared object (the configuration would both manage and
    ignore it), and an ignored field must be a field of some kind its glob can match.
    """
    problems: list[Problem] = []
    addresses = [o.address for o in state.objects] if rules.objects else []
    for rule in rules.objects:
        matched = fnmatch.filter(addresses, rule.pattern)
        if matched:
            more = f" and {len(matched) - 5} more" if matched[5:] else ""
            shown = ", ".join(matched[:5]) + more
            problems.append(
                Problem(
                    f"[ignore] objects: {rule.pattern!r} matches {len(matched)} declared"
                    f" object(s) ({shown}); an object is either managed or ignored: narrow the"
                    " glob, or remove the object from the configuration",
                    rule.location,
                )
            )
    for field_rule in rules.fields:
        kind_glob = field_rule.pattern.split(".", 1)[0]
        matching = [k for name, k in kinds.items() if fnmatch.fnmatchcase(name, kind_glob)]
        if not matching or not all(is_closed(k.schema) for k in matching):
            continue  # an open schema takes any field name: nothing to check against
        known = {f for k in matching for f in k.schema.get("properties") or {}}
        for name in sorted(field_rule.fields - known):
            problems.append(
                Problem(
                    f"[ignore.fields] {field_rule.pattern!r}: {name!r} is not a field of"
                    f" {', '.join(sorted(k.name for k in matching))}",
                    field_rule.location,
                )
            )
    return problems


def _where(source: Path, text: str, needle: str) -> Location:
    """Where ``needle`` is written; the ``[ignore]`` header, or line 1, when it cannot be found."""
    return (
        text_location(source, text, needle)
        or text_location(source, text, "[ignore")
        or Location(str(source), 1, 1)
    )
