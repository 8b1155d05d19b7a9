"""``apply FILE``: a saved plan checked against the checkout, today's guards and the tenant.

The order is the point: the signature before anything in the file is used; the project path
before any setting or local plugin of it loads; the configuration's own plan before a
connection; the tenant before the first request; today's guards and the freshness of each
object before the first write. Each check refuses with exit 3 and writes nothing (see
:mod:`reconciler.documents.trust`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import click

from reconciler.cli.common import maybe_sandbox, messages, plan_reporter, stdout_color
from reconciler.documents.savedplan import read_saved_plan
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
from reconciler.pipeline.project import Project
from reconciler.pipeline.reporting import render
from reconciler.pipeline.tenants import current_tenants, tenant_mismatches
from reconciler.records import RenderOptions
from reconciler.settings.guards import Overrides
from reconciler.workflowguard import one_line

__all__ = ["apply_saved_plan"]

RunApply = Callable[[Project, Plan, Mapping[str, LiveObject | None] | None], None]


def apply_saved_plan(
    path: Path, *, sandbox: bool, reset_sandbox: bool, overrides: Overrides, run_apply: RunApply
) -> bool:
    """Check the saved plan at ``path`` every way there is, then apply it with ``run_apply``;
    whether there was anything to apply.

    The guards are today's: the settings of this checkout, today's live counts, and this
    command's one-shot ``overrides``, never the options the plan was made with. What
    ``[safety] protect`` said before the change (to refuse removing protection in the same
    change as a tombstone) is taken from the file only when its signature was checked, and
    from this checkout's git history otherwise.
    """
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
    the_plan = trusted_plan(saved.plan, desired)
    against = f" against the live snapshot {one_line(saved.snapshot)}" if saved.snapshot else ""
    signed = f", signed with key {saved.signed_with}" if saved.signed_with else ""
    messages().say(
        f"Applying the saved plan {path}, made at {one_line(saved.created_at)}{against}{signed}."
    )
    reporter = plan_reporter(project.hooks, "text")
    click.echo(render(reporter, the_plan, (), RenderOptions(color=stdout_color())), nl=False)
    if not project.ready_to_apply(the_plan, ()):
        return False
    kinds = {c.kind for c in the_plan.changes}
    with maybe_sandbox(project, desired.kinds, sandbox, reset_sandbox):
        mismatches = tenant_mismatches(
            saved.tenants, current_tenants(project, kinds, sandbox=sandbox)
        )
        if mismatches:
            raise PlanNotTrusted(source, "it was made against another tenant", mismatches)
        live = project.live_objects(desired)
        # Read once, today's objects serve both checks: whether what the plan touches moved
        # since it was made, and the guards (which count today's objects, not the file's).
        current = {obj.address: obj for objects in live.values() for obj in objects}
        moved = moved_since(
            the_plan.changes,
            saved.planned,
            {c.address: current.get(c.address) for c in the_plan.changes},
            project.kinds,
        )
        if moved:
            raise StalePlan(moved)
        guarded = _with_todays_counts(project, the_plan, desired, live)
        base = saved.base if saved.signed_with else project.protect_base(guarded)
        project.ready_to_apply(guarded, project.refusals(guarded, overrides=overrides, base=base))
        run_apply(project, guarded, None)
    return True


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
