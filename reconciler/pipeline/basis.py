"""What a plan or drift report is made against: the live service, or a snapshot of it.

Every format says it in its first lines (:class:`~reconciler.model.Basis`), so that a pull
request's reviewer knows whether the plan came from the service itself or from a snapshot a
trusted job took, of which tenant, and how long ago; and whether the team's local plugins
(its policies) ran. A snapshot of another tenant than the configuration's is refused, naming
both, and so is one older than ``--max-age``.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Final

from reconciler.documents.snapshot import LiveSnapshot, describe_age
from reconciler.errors import ReconcilerError
from reconciler.model import Basis
from reconciler.pipeline.tenants import Tenanted

__all__ = ["UNITS", "live_basis", "shown_duration", "snapshot_basis"]

#: The units of a duration (``--max-age 36h``), in seconds.
UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def live_basis(project: Tenanted, kinds: Collection[str]) -> Basis:
    """The live service of ``kinds``' providers, as the settings and environment name it."""
    return Basis(
        "live",
        tuple(project.tenants(kinds).values()),
        skipped_plugins=project.skipped_plugins,
    )


def snapshot_basis(
    project: Tenanted,
    snap: LiveSnapshot,
    kinds: Collection[str],
    *,
    source: str,
    max_age: float | None = None,
    now: datetime.datetime | None = None,
) -> Basis:
    """The snapshot, once sure it is of this configuration's tenant and young enough.

    Raises a :class:`ReconcilerError` (exit 1) naming both tenants, or the age and the limit.
    """
    when = now or datetime.datetime.now(datetime.UTC)
    expected = project.tenants(kinds)
    for provider, tenant in sorted(expected.items()):
        taken = snap.tenants.get(provider)
        if taken is not None and taken != tenant:
            raise ReconcilerError(
                f"{source} is a snapshot of {taken}, but this configuration's {provider} tenant"
                f" is {tenant}: a plan against it would compare with another tenant's objects."
                " Plan against a snapshot of this tenant (`reconciler snapshot PATH --output"
                " FILE` with this configuration), or fix the base URL."
            )
    age = (when - snap.taken_at).total_seconds()
    if max_age is not None and age > max_age:
        raise ReconcilerError(
            f"{source} was taken {snap.taken_at:%Y-%m-%d %H:%M:%S} UTC, {_span(age)} ago: older"
            f" than --max-age {shown_duration(max_age)}. Take a new snapshot (`reconciler"
            " snapshot PATH --output FILE`), or allow an older one."
        )
    tenants = tuple(snap.tenants.get(p, "") for p in sorted(expected)) or tuple(
        snap.tenants.values()
    )
    return Basis(
        "snapshot",
        tuple(t for t in tenants if t),
        taken_at=f"{snap.taken_at:%Y-%m-%d %H:%M} UTC",
        age=describe_age(snap.taken_at, when),
        skipped_plugins=project.skipped_plugins,
    )


def _span(seconds: float) -> str:
    """``45 s``, ``13 min``, ``13 h``, ``3 d``: an age, rounded down."""
    for unit, size, limit in (("s", 1, 120), ("min", 60, 7200), ("h", 3600, 172800)):
        if seconds < limit:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds // 86400)} d"


def shown_duration(seconds: float) -> str:
    """``36h``, ``2d``: a duration in its largest whole unit."""
    for unit in ("w", "d", "h", "m"):
        size = UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"
