"""Drift: what differs between the configuration and the live objects, one pure function.

A drift report answers "what changed behind the repository's back?" without proposing to
change anything. It is the plan seen from the other side, so it is made by the planner itself
(:func:`~reconciler.engine.planning.make_plan`): the same normalisers, the same ignore rules, the
same
notion of "differs", and no more cost than a plan. Each object falls in one category:

==============  =========================================  ==============================
category        meaning                                    the plan would
==============  =========================================  ==============================
``changed``     declared and live, a declared field        update it
                differs
``missing``     declared, not live                         create it
``present``     tombstoned (``absent: true``), still live  delete it (with --allow-delete)
``unmanaged``   live, not declared, not ignored            leave it alone
==============  =========================================  ==============================

Whether unmanaged objects count as drift is the directory's ``[drift] unmanaged`` setting
(:mod:`reconciler.settings.ownership`); live objects outside its ``[scope]`` are left out before the
diff. Like a plan, the report holds sensitive values only inside
field records marked ``sensitive``, which every renderer shows as ``(sensitive)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from reconciler.engine.planning import make_plan
from reconciler.model import (
    Action,
    DesiredState,
    DriftCategory,
    DriftedObject,
    DriftReport,
    LiveObject,
    Plan,
)
from reconciler.records import ResourceKind
from reconciler.settings.ignoring import NO_RULES, IgnoreRules

__all__ = ["drift_from_plan", "make_drift"]

_CATEGORY: Final = {
    Action.UPDATE: DriftCategory.CHANGED,
    Action.CREATE: DriftCategory.MISSING,
    Action.DELETE: DriftCategory.PRESENT,
}
_ORDER: Final = {category: i for i, category in enumerate(DriftCategory)}


def make_drift(
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    *,
    ignore: IgnoreRules = NO_RULES,
    generated_at: str = "",
) -> DriftReport:
    """Return how ``live`` differs from ``desired``; ``generated_at`` is stamped as given."""
    # Not strict: a create-only field changed behind the repository's back is drift to report,
    # not a plan to refuse.
    plan = make_plan(desired, live, kinds, ignore=ignore, strict=False)
    return drift_from_plan(plan, declared=len(desired.objects), generated_at=generated_at)


def drift_from_plan(plan: Plan, *, declared: int, generated_at: str = "") -> DriftReport:
    """The drift report that ``plan`` (an untargeted plan) implies.

    Objects are ordered by category (changed, missing, present, unmanaged), then by address.
    """
    objects = [
        DriftedObject(
            category=_CATEGORY[change.action],
            kind=change.kind,
            identity=change.identity,
            fields=change.fields,
            location=change.location,
            ref=change.ref,
        )
        for change in plan.changes
    ]
    objects += [
        DriftedObject(DriftCategory.UNMANAGED, ref.kind, ref.identity, ref=ref.ref)
        for ref in plan.unmanaged
    ]
    objects.sort(key=lambda o: (_ORDER[o.category], o.kind, o.identity))
    return DriftReport(
        objects=tuple(objects),
        declared=declared,
        live_count=plan.live_count,
        ignored=plan.ignored,
        generated_at=generated_at,
        not_compared=plan.not_compared,
    )
