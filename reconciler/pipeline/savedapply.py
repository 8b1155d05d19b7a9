"""``apply FILE``: a saved plan checked against the checkout, today's guards and the tenant.

The order is the point: the signature before anything in the file is used; the project path
before any setting or local plugin of it loads; the configuration's own plan before a
connection (:func:`open_saved_plan`); the tenant before the first request; today's guards and
the freshness of each object before the first write (:meth:`TrustedPlan.rechecked`). Each
check refuses with exit 3 and writes nothing (see :mod:`reconciler.documents.trust`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler.documents.savedplan import SavedPlan, read_saved_plan
from reconciler.documents.signing import plan_key
from reconciler.documents.trust import (
    PlanNotTrusted,
    checked_project_path,
    plan_differences,
    trusted_plan,
)
from reconciler.engine.freshness import moved_since
from reconciler.errors import SettingsError, StalePlan
from reconciler.model import DesiredState, LiveObject, Plan
from reconciler.pipeline.live import LiveSource
from reconciler.pipeline.project import Project
from reconciler.pipeline.tenants import current_tenants, tenant_mismatches
from reconciler.settings.guards import Overrides
from reconciler.workflowguard import one_line

__all__ = ["TrustedPlan", "open_saved_plan"]


@dataclass(frozen=True, slots=True)
class TrustedPlan:
    """A saved plan that is what the configuration of this checkout yields: its project (loaded
    as the plan says), the file read, the desired state and the plan to apply."""

    project: Project
    saved: SavedPlan
    desired: DesiredState
    plan: Plan

    def describe(self) -> str:
        """``Applying the saved plan FILE, made at …``: what the file says of itself, quoted."""
        saved = self.saved
        against = f" against the live snapshot {one_line(saved.snapshot)}" if saved.snapshot else ""
        signed = f", signed with key {saved.signed_with}" if saved.signed_with else ""
        return (
            f"Applying the saved plan {saved.source}, made at {one_line(saved.created_at)}"
            f"{against}{signed}."
        )

    @contextlib.contextmanager
    def rechecked(self, source: LiveSource, overrides: Overrides) -> Iterator[Plan]:
        """The plan to apply, once the tenant, each object's freshness and today's guards
        allow it; the providers stay connected to ``source``'s sandbox while it is applied.

        The guards are today's: the settings of this checkout, today's live counts, and this
        command's one-shot ``overrides``, never the options the plan was made with. What
        ``[safety] protect`` said before the change (to refuse removing protection in the
        same change as a tombstone) is taken from the file only when its signature was
        checked, and from this checkout's git history otherwise.
        """
        project, saved, desired = self.project, self.saved, self.desired
        kinds = {c.kind for c in self.plan.changes}
        with project.sandboxed(desired.kinds, source):
            mismatches = tenant_mismatches(
                saved.tenants, current_tenants(project, kinds, sandbox=source.sandbox)
            )
            if mismatches:
                raise PlanNotTrusted(saved.source, "it was made against another tenant", mismatches)
            live = project.live_objects(desired)
            # Read once, today's objects serve both checks: whether what the plan touches moved
            # since it was made, and the guards (which count today's objects, not the file's).
            current = {obj.address: obj for objects in live.values() for obj in objects}
            moved = moved_since(
                self.plan.changes,
                saved.planned,
                {c.address: current.get(c.address) for c in self.plan.changes},
                project.kinds,
            )
            if moved:
                raise StalePlan(moved)
            guarded = _with_todays_counts(project, self.plan, desired, live)
            base = saved.base if saved.signed_with else project.protect_base(guarded)
            refusals = project.refusals(guarded, overrides=overrides, base=base)
            project.ready_to_apply(guarded, refusals)
            yield guarded


def open_saved_plan(path: Path) -> TrustedPlan:
    """Read the saved plan at ``path``, load the project it names, and refuse it unless it is
    what that configuration yields; no connection yet."""
    source = str(path)
    saved = read_saved_plan(path, key=plan_key(os.environ))
    # What the file says of itself, quoted on one line each: it is the file's to choose.
    project_text = one_line(saved.project_text)
    project_path = checked_project_path(saved.project_text, source=source)
    if not project_path.exists():
        raise SettingsError(
            f"{path} was made from the project {project_text}, which is not here;"
            " apply it from the directory that plan ran in."
        )
    project = Project.open(project_path)
    project.check_local_plugins()  # a policy that would silently not run: refuse first
    unknown = sorted({c.kind for c in saved.plan.changes} - set(project.kinds))
    if unknown:
        raise SettingsError(
            f"{path} changes objects of kinds no loaded plugin provides:"
            f" {one_line(', '.join(unknown))};"
            " is the plugin that provides them installed and enabled?"
        )
    desired = project.load()
    differences = plan_differences(
        saved.plan,
        desired,
        project.kinds,
        ignore=project.settings.ignore,
        env_values=[(e.address, e.field, e.written) for e in saved.env_values],
    )
    if differences:
        raise PlanNotTrusted(
            source,
            f"it is not what the configuration in {project_text} yields"
            f" ({len(differences)} difference(s))",
            differences,
        )
    return TrustedPlan(project, saved, desired, trusted_plan(saved.plan, desired))


def _with_todays_counts(
    project: Project,
    the_plan: Plan,
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveObject]],
) -> Plan:
    """``the_plan``'s changes with everything else (live counts…) from today's live objects.

    The guards read the plan they are given: a plan made afresh from today's objects carries
    what they count, whatever they come to count, and only the changes come from the file.
    """
    today = project.plan(desired, live, targets=[c.address for c in the_plan.changes])
    return replace(today, changes=the_plan.changes)
