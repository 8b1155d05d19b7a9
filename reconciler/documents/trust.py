"""A saved plan is data to check, never to trust: what ``apply FILE`` verifies before a write.

A saved plan travels as a CI artifact, and whoever can shape the artifact could otherwise
shape what ``apply`` does with the credentials of its environment. So ``apply FILE`` takes
from the file only what it can check, and everything else from the checkout it runs in:

- the project path must be relative, inside the working directory, with no ``..``: the
  settings and local plugins that load are the ones the checkout holds
  (:func:`checked_project_path`);
- every change must be what the checkout's configuration yields (:func:`plan_differences`):
  each value it writes, only fields and objects the configuration manages, deletes only of
  tombstones, each object once. Values read through ``${env:…}`` come from the
  configuration, never from the file (:func:`trusted_plan`);
- guards (deletes, the share of objects changed, policies) are checked against today's
  settings and live objects, never the file's (see :mod:`reconciler.cli.apply`);
- the tenant recorded must be the one this run points at (:mod:`reconciler.pipeline.tenants`);
- with ``RECONCILER_PLAN_KEY`` set, the file must be signed with it
  (:mod:`reconciler.documents.signing`).

What the file may still decide is which of the configuration's changes to make, and against
which live objects (their refs and fingerprints, each checked against the service before the
first write). Messages name each difference, never a value from the file: a hand-edited file
may hold a secret or text meant to steer a CI log.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Final

from reconciler.documents.plan import json_value
from reconciler.errors import ReconcilerError, SettingsError
from reconciler.model import Action, Change, DesiredObject, DesiredState, FieldChange, Plan
from reconciler.records import ResourceKind
from reconciler.settings.ignoring import NO_RULES, IgnoreRules
from reconciler.workflowguard import one_line

__all__ = [
    "PlanNotTrusted",
    "checked_project_path",
    "plan_differences",
    "recordable_project_path",
    "trusted_plan",
]

_REMEDY: Final = (
    "A saved plan must be exactly what the configuration in this checkout yields: make it"
    " again with `reconciler plan PATH --out FILE` from this checkout, review it, and apply"
    " that."
)
_VERB: Final = {Action.CREATE: "creates", Action.UPDATE: "updates", Action.DELETE: "deletes"}


class PlanNotTrusted(ReconcilerError):
    """A saved plan is not what this checkout's configuration yields, or names a project
    outside the working directory, or another tenant: refused, nothing written."""

    exit_code = 3

    def __init__(self, source: str, headline: str, differences: Iterable[str]) -> None:
        # Each difference quotes the file (an address, a tenant): one line each, whatever
        # the file holds.
        self.differences = tuple(one_line(line) for line in differences)
        super().__init__(
            "\n".join(
                [
                    f"{source}: {headline}; nothing was written:",
                    *(f"  {line}" for line in self.differences),
                    _REMEDY,
                ]
            )
        )


# --------------------------------------------------------------------------------------------
# The project path
# --------------------------------------------------------------------------------------------


def recordable_project_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` as a saved plan records it: relative to ``cwd``, POSIX-style, no ``..``.

    Raises :class:`SettingsError` for a configuration outside ``cwd``: ``apply FILE`` would
    refuse the plan, so it is not made.
    """
    here = (cwd or Path.cwd()).resolve()
    try:
        relative = path.resolve().relative_to(here)
    except ValueError:
        raise SettingsError(
            f"--out: {path} is outside the working directory {here}; a saved plan names its"
            " configuration relative to the checkout it is applied from. Run plan from the"
            " repository's root with a relative PATH."
        ) from None
    return relative.as_posix() or "."


def checked_project_path(recorded: str, *, source: str, cwd: Path | None = None) -> Path:
    """The project a saved plan names, once sure it lies inside ``cwd``.

    A path that is absolute, climbs with ``..``, or leads out of ``cwd`` through a symbolic
    link is refused: the settings and local plugins of another directory would load, and run,
    with this run's credentials.
    """
    here = (cwd or Path.cwd()).resolve()
    reason = None
    if not recorded or "\x00" in recorded:
        reason = "it is empty or not a path"
    elif (
        PureWindowsPath(recorded).is_absolute()
        or PureWindowsPath(recorded).drive
        or recorded.startswith(("/", "\\", "~"))
    ):
        reason = "it is absolute; a saved plan names its project relative to the checkout"
    elif ".." in PureWindowsPath(recorded).parts or ".." in PurePosixPath(recorded).parts:
        reason = "it climbs out with '..'"
    else:
        target = Path(os.path.realpath(here / recorded))
        if target != here and here not in target.parents:
            reason = "it leads outside the working directory (through a symbolic link)"
    if reason is not None:
        raise PlanNotTrusted(
            source,
            f"its project path is refused ({reason}); apply runs only the configuration,"
            f" settings and local plugins inside the working directory {here}",
            [],
        )
    return Path(recorded)


# --------------------------------------------------------------------------------------------
# The changes
# --------------------------------------------------------------------------------------------


def plan_differences(
    plan: Plan,
    desired: DesiredState,
    kinds: Mapping[str, ResourceKind],
    *,
    ignore: IgnoreRules = NO_RULES,
    env_values: Iterable[tuple[str, str, Any]] = (),
) -> list[str]:
    """Every way ``plan`` is not what ``desired`` (the checkout's configuration) asks for.

    ``env_values`` are the file's ``(address, field, written)`` records of values read
    through ``${env:…}``: each must be what the configuration writes. An empty list means that
    every change, field and value of ``plan`` is one the configuration yields.
    """
    by_address = {obj.address: obj for obj in desired.objects}
    lines: list[str] = []
    counts = Counter(change.address for change in plan.changes)
    for address, count in sorted(counts.items()):
        if count > 1:
            lines.append(f"{address}: the plan changes it {count} times; a plan changes it once")
    for change in plan.changes:
        obj = by_address.get(change.address)
        kind = kinds.get(change.kind)
        verb = _VERB[change.action]
        if obj is None or kind is None:
            lines.append(
                f"{change.address}: the plan {verb} it, but the configuration does not declare it"
            )
            continue
        if ignore.ignores_object(change.address):
            lines.append(
                f"{change.address} ({obj.location}): the plan {verb} it, but the [ignore]"
                " settings leave it to something else"
            )
            continue
        if change.action is Action.DELETE:
            if not obj.absent:
                lines.append(
                    f"{change.address} ({obj.location}): the plan deletes it, but the"
                    " configuration does not mark it `absent: true`"
                )
            continue
        if obj.absent:
            lines.append(
                f"{change.address} ({obj.location}): the plan {verb} it, but the configuration"
                " marks it `absent: true`"
            )
            continue
        lines += _field_differences(change, obj, kind, ignore)
    for address, name, written in env_values:
        obj = by_address.get(address)
        if obj is None or name not in obj.templates or _text(obj.templates[name]) != _text(written):
            lines.append(
                f"{address}.{name}: the plan reads it from the environment otherwise than the"
                " configuration does (/env_values)"
            )
    return lines


def _field_differences(
    change: Change, obj: DesiredObject, kind: ResourceKind, ignore: IgnoreRules
) -> list[str]:
    lines: list[str] = []
    address = change.address
    names = Counter(f.name for f in change.fields)
    skipped = ignore.ignored_fields(address) if change.action is Action.UPDATE else frozenset()
    for name, count in sorted(names.items()):
        if count > 1:
            lines.append(f"{address}.{name}: the plan writes it {count} times")
    for f in change.fields:
        where = obj.locations.get(f.name, obj.location)
        if f.name not in obj.fields:
            lines.append(
                f"{address}.{f.name}: the plan writes it, but the configuration does not manage"
                " this field"
            )
            continue
        if change.action is Action.UPDATE and f.name in kind.create_only:
            lines.append(
                f"{address}.{f.name} ({where}): the plan updates it, but it can only be set when"
                f" the {kind.name} is made"
            )
            continue
        if f.name in skipped:
            lines.append(
                f"{address}.{f.name} ({where}): the plan updates it, but the [ignore.fields]"
                " settings leave it to something else"
            )
            continue
        sensitive = f.name in obj.sensitive or f.name in kind.write_only
        if f.sensitive != sensitive:
            said = (
                "the plan marks it sensitive, and the configuration does not"
                if f.sensitive
                else "the plan does not mark it sensitive, and the configuration does"
            )
            lines.append(f"{address}.{f.name} ({where}): {said}")
            continue
        if not sensitive and _text(f.after) not in _written(obj, f.name):
            lines.append(
                f"{address}.{f.name} ({where}): the plan writes another value than the"
                " configuration asks for"
            )
    if change.action is Action.CREATE:
        for name in sorted(set(obj.fields) - set(names)):
            where = obj.locations.get(name, obj.location)
            lines.append(
                f"{address}.{name} ({where}): the configuration sets it, but the plan's create"
                " leaves it out"
            )
    return lines


def _written(obj: DesiredObject, name: str) -> tuple[str, ...]:
    """What a plan may write for ``name``: the configuration's value, or, for a value read
    through ``${env:…}``, its template as written (apply writes the value either way)."""
    if name in obj.templates:
        return (_text(obj.fields[name]), _text(obj.templates[name]))
    return (_text(obj.fields[name]),)


def _text(value: Any) -> str:
    """A value as canonical JSON text: ``true`` and ``1``, ``6`` and ``6.0`` stay apart."""
    try:
        return json.dumps(json_value(value), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def trusted_plan(plan: Plan, desired: DesiredState) -> Plan:
    """``plan`` with its values and locations taken from ``desired``, its sensitive values too.

    Call it once :func:`plan_differences` found nothing: every value the file holds is then the
    configuration's already, and the ones it cannot hold (sensitive ones) come from the
    configuration, read from the environment as the configuration says.
    """
    by_address = {obj.address: obj for obj in desired.objects}

    def rebuilt(change: Change) -> Change:
        obj = by_address[change.address]
        fields = tuple(_from_config(f, obj) for f in change.fields)
        return replace(change, fields=fields, location=obj.location)

    return replace(plan, changes=tuple(rebuilt(change) for change in plan.changes))


def _from_config(field: FieldChange, obj: DesiredObject) -> FieldChange:
    return replace(field, after=obj.fields[field.name], location=obj.locations.get(field.name))
