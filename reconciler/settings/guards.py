"""The built-in safety guards, checked before a plan may be applied.

Three guards, one entry point (:func:`check_safety`), so that ``plan``, ``apply PATH`` and
``apply FILE`` judge a plan alike from the settings, the plan and the live counts:

- **deletes** happen only when allowed (``allow_delete``, ``--allow-delete``);
- **bulk changes**: per kind, the creates, updates and deletes of a plan are counted against
  that kind's live objects (:class:`~reconciler.settings.safety.KindLimits`); kinds that are only
  read
  (identity providers) never change and are never counted. A configuration checked out
  half-way, or a wrong default, must not rewrite a tenant;
- **protection**: an object ``[safety] protect`` matches is never deleted unless
  ``--allow-delete=ADDRESS`` names it, never updated in a field of ``protect_fields``, and
  never deleted in the same change that removes its protection
  (:mod:`reconciler.engine.protectbase` finds what was protected before the change).

Every refusal names the kind or object, the counts, the setting and the override.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from reconciler.model import Action, Change, Plan
from reconciler.records import Refusal
from reconciler.settings.safety import SafetySettings

__all__ = ["Overrides", "ProtectBase", "check_safety", "is_protected"]

_PLUGIN = "safety"


@dataclass(frozen=True, slots=True)
class Overrides:
    """What the command line (or a saved plan made with it) allows for this one run.

    ``allow_delete`` is plain ``--allow-delete`` (or the setting); ``delete`` the addresses
    ``--allow-delete=ADDRESS`` names, protected or not. ``max_change_share`` replaces every
    kind's share (``--max-change-share``); ``force_changes`` lets a plan of at most that many
    counted changes pass the bulk guard (``--force-changes N``, the number a person reviewed).
    """

    allow_delete: bool = False
    delete: frozenset[str] = frozenset()
    max_change_share: float | None = None
    force_changes: int | None = None


@dataclass(frozen=True, slots=True)
class ProtectBase:
    """The ``protect`` globs before this change, and where they were read (for the message)."""

    where: str
    protect: tuple[str, ...]


def is_protected(address: str, globs: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(address, glob) for glob in globs)


def check_safety(
    plan: Plan,
    safety: SafetySettings,
    live_counts: Mapping[str, int],
    *,
    overrides: Overrides = Overrides(),
    read_only: Collection[str] = (),
    base: ProtectBase | None = None,
) -> list[Refusal]:
    """Return the reasons not to apply ``plan`` (an empty list when it is safe).

    ``live_counts`` maps a kind to how many live objects of it the plan was made against;
    ``read_only`` names kinds that are only read (never counted); ``base`` is what was
    protected before this change, when known.
    """
    return [
        *_deletes(plan, safety, overrides, base),
        *_protected_fields(plan, safety),
        *_bulk(plan, safety, live_counts, overrides, read_only),
    ]


def _deletes(
    plan: Plan, safety: SafetySettings, overrides: Overrides, base: ProtectBase | None
) -> list[Refusal]:
    refusals: list[Refusal] = []
    plain: list[str] = []
    for change in plan.changes:
        if change.action is not Action.DELETE:
            continue
        address = change.address
        if base is not None and _unprotected_here(address, safety, base):
            refusals.append(
                Refusal(
                    f"a tombstone deletes {address}, and the same change removes it from"
                    f" [safety] protect (it was protected at {base.where}); remove the"
                    " protection in one change, merge it, then delete in another",
                    plugin=_PLUGIN,
                    address=address,
                )
            )
        elif is_protected(address, safety.protect):
            if address not in overrides.delete:
                refusals.append(
                    Refusal(
                        f"a tombstone deletes {address}, which [safety] protect protects;"
                        f" --allow-delete alone never deletes it: pass"
                        f" --allow-delete={address} once to delete it",
                        plugin=_PLUGIN,
                        address=address,
                    )
                )
        elif not overrides.allow_delete and address not in overrides.delete:
            plain.append(address)
    if plain:
        shown = ", ".join(plain[:10]) + (f" and {len(plain) - 10} more" if len(plain) > 10 else "")
        refusals.insert(
            0,
            Refusal(
                f"the plan deletes {len(plain)} object(s) ({shown}); deletes are off by"
                " default: pass --allow-delete (or --allow-delete=ADDRESS for one), or set"
                " allow_delete = true in the [safety] table of reconciler.toml",
                plugin=_PLUGIN,
            ),
        )
    return refusals


def _unprotected_here(address: str, safety: SafetySettings, base: ProtectBase) -> bool:
    return is_protected(address, base.protect) and not is_protected(address, safety.protect)


def _protected_fields(plan: Plan, safety: SafetySettings) -> list[Refusal]:
    if not safety.protect or not safety.protect_fields:
        return []
    refusals = []
    for change in plan.changes:
        if change.action is not Action.UPDATE or not is_protected(change.address, safety.protect):
            continue
        touched = sorted(f.name for f in change.fields if f.name in safety.protect_fields)
        if touched:
            refusals.append(
                Refusal(
                    f"the plan updates {', '.join(touched)} of {change.address}, a protected"
                    " object, and [safety] protect_fields keeps those fields as they are;"
                    " change them by hand, or take them out of protect_fields in a change of"
                    " its own",
                    plugin=_PLUGIN,
                    address=change.address,
                )
            )
    return refusals


def _bulk(
    plan: Plan,
    safety: SafetySettings,
    live_counts: Mapping[str, int],
    overrides: Overrides,
    read_only: Collection[str],
) -> list[Refusal]:
    by_kind: dict[str, list[Change]] = {}
    for change in plan.changes:
        if change.kind not in read_only:
            by_kind.setdefault(change.kind, []).append(change)
    counted = sum(len(changes) for changes in by_kind.values())
    if overrides.force_changes is not None:
        if counted <= overrides.force_changes:
            return []
        return [
            Refusal(
                f"--force-changes {overrides.force_changes} lets through a plan of at most"
                f" {overrides.force_changes} change(s), and this one makes {counted}; review"
                f" the plan again and pass --force-changes {counted} if it is meant",
                plugin=_PLUGIN,
            )
        ]
    refusals = []
    for kind, changes in sorted(by_kind.items()):
        limits = safety.limits(kind)
        live = live_counts.get(kind, 0)
        made = len(changes)
        counts = ", ".join(
            f"{sum(1 for c in changes if c.action is a)} to {a.value}" for a in Action
        )
        override = (
            f"if this bulk change is reviewed and meant, pass --max-change-share 1.0 or"
            f" --force-changes {counted} once"
        )
        share = (
            overrides.max_change_share
            if overrides.max_change_share is not None
            else limits.max_change_share
        )
        setting = (
            f"--max-change-share = {share:.0%}"
            if overrides.max_change_share is not None
            else safety.setting(kind, "max_change_share", f"{share:.0%}")
        )
        # A share of 1 (100%) lets every object of the kind change: the share check is off,
        # creates beyond the live count included.
        if share < 1 and live and live >= limits.min_objects and made / live > share:
            minimum = safety.setting(kind, "min_objects", str(limits.min_objects))
            refusals.append(
                Refusal(
                    f"the plan changes {made} of {live} live {kind} objects"
                    f" ({made / live:.0%}: {counts}), more than {setting} (checked from"
                    f" {minimum} live objects on); check the configuration, or {override}",
                    plugin=_PLUGIN,
                )
            )
        if limits.max_changes is not None and made > limits.max_changes:
            most = safety.setting(kind, "max_changes", str(limits.max_changes))
            refusals.append(
                Refusal(
                    f"the plan makes {made} {kind} changes ({counts}), more than {most};"
                    f" check the configuration, or if this bulk change is reviewed and meant,"
                    f" pass --force-changes {counted} once",
                    plugin=_PLUGIN,
                )
            )
    return refusals
