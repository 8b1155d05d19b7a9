"""A project: one config directory with its settings and plugins, and the pipeline over it.

The command line does not call the steps (:mod:`reconciler.pipeline.steps`) in order itself:
it calls the runs of :class:`Project` that do, the same for every command that needs them.
``plan`` and ``drift`` read the live objects one way (:meth:`Project.read_live`), then make
the plan and its refusals (:meth:`Project.checked_plan`) or the drift report
(:meth:`Project.drift_report`), and publish it (:meth:`Project.publish`); ``apply`` applies
through :meth:`Project.execute`. This is the one place that knows their order.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.console import Output
from reconciler.documents.savedplan import saved_plan_document
from reconciler.documents.signing import plan_key, sign
from reconciler.documents.snapshot import read_snapshot, snapshot_to_document
from reconciler.documents.trust import recordable_project_path
from reconciler.engine.accepting import Acceptance, accept_drift
from reconciler.engine.applying import OnOutcome
from reconciler.engine.freshness import find_moved
from reconciler.engine.ignorewriting import ignore_edit, ignored_fields_of
from reconciler.engine.targets import TargetMatcher
from reconciler.engine.withheld import env_fields
from reconciler.errors import StalePlan
from reconciler.model import DesiredState, DriftCategory, DriftReport, LiveObject, Plan
from reconciler.pipeline.basis import live_basis, snapshot_basis
from reconciler.pipeline.live import Live, LiveSource
from reconciler.pipeline.reporting import (
    ReportOutputs,
    What,
    full_report_hint,
    publish_report,
    utc_now,
)
from reconciler.pipeline.steps import NO_LOCAL_PLUGINS_VAR, Steps
from reconciler.pipeline.tenants import current_tenants
from reconciler.records import ApplyResult, Refusal
from reconciler.settings.config import SETTINGS_FILE
from reconciler.settings.guards import Overrides

__all__ = ["NO_LOCAL_PLUGINS_VAR", "CheckedPlan", "Project"]


@dataclass(frozen=True, slots=True)
class CheckedPlan:
    """A plan with what it was made against, every refusal of it, and, when asked for, the
    saved plan document to write (signed when ``RECONCILER_PLAN_KEY`` is set)."""

    plan: Plan
    refusals: Sequence[Refusal]
    saved: Mapping[str, Any] | None = None


@dataclass
class Project(Steps):
    """A config directory's steps (:class:`~reconciler.pipeline.steps.Steps`), and the runs
    that call them in order."""

    def recorded_path(self) -> Path:
        """The project's path as a saved plan records it; refused (before any network call)
        when apply could not find it again (:func:`recordable_project_path`)."""
        return Path(recordable_project_path(self.path))

    def read_live(self, desired: DesiredState, source: LiveSource, what: What, out: Output) -> Live:
        """The live objects ``desired`` needs, from ``source``: ``plan`` and ``drift`` alike.

        The kinds are :meth:`needed_kinds` (those declared or tombstoned, and those they refer
        to), whatever the source: they are what the service is asked for, so a snapshot must
        hold them too, and the basis names their tenants.
        """
        source.check(what)
        kinds = self.needed_kinds(desired)
        if source.snapshot is not None:
            where = str(source.snapshot)
            snap = read_snapshot(source.snapshot)
            objects = snap.live_for(kinds, source=where)
            basis = snapshot_basis(self, snap, kinds, source=where, max_age=source.max_age)
            out.say(f"{source.verb(what)} against the live snapshot {where}, {snap.describe()}.")
            return Live(objects, basis, snap)
        with self.sandboxed(desired.kinds, source):
            objects = self.live_objects(desired)
            basis = live_basis(self, kinds)
        return Live(objects, basis, sandbox=source.sandbox)

    @contextlib.contextmanager
    def sandboxed(self, kinds: Collection[str], source: LiveSource) -> Iterator[None]:
        """The providers of ``kinds`` pointed at their emulators, when ``source`` asks for it;
        its sandbox options checked first (:meth:`LiveSource.check_sandbox`)."""
        source.check_sandbox()
        if not source.sandbox:
            yield
            return
        with self.sandbox(kinds, reset=source.reset, tls=source.tls):
            yield

    def live_objects(self, desired: DesiredState) -> dict[str, Sequence[LiveObject]]:
        """The live objects of the kinds ``desired`` needs (:meth:`needed_kinds`), read now."""
        import asyncio  # here: only the commands that reach a provider load it

        async def read() -> dict[str, Sequence[LiveObject]]:
            async with self.sessions(self.needed_kinds(desired)) as sessions:
                return await self.refresh(sessions, desired)

        return asyncio.run(read())

    def checked_plan(
        self,
        desired: DesiredState,
        live: Live,
        *,
        targets: Sequence[str] = (),
        excludes: Sequence[str] = (),
        overrides: Overrides | None = None,
        recorded: Path | None = None,
    ) -> CheckedPlan:
        """The plan of ``live`` to ``desired`` and every refusal of it; with ``recorded`` (see
        :meth:`recorded_path`), also the saved plan document that applies exactly it."""
        given = overrides if overrides is not None else Overrides()
        the_plan = self.plan(desired, live.objects, targets=targets, excludes=excludes)
        the_plan = dataclasses.replace(the_plan, basis=live.basis)
        base = self.protect_base(the_plan)
        saved = None
        if recorded is not None:
            saved = saved_plan_document(
                the_plan,
                desired,
                live.objects,
                self.kinds,
                project=recorded,
                allow_delete=given.allow_delete,
                snapshot=live.snapshot,
                overrides=given,
                base=base,
                tenants=self._tenants_of(desired, live),
            )
            key = plan_key(self.environ)
            if key is not None:
                saved = sign(saved, key)
        refusals = self.refusals(the_plan, overrides=given, base=base)
        return CheckedPlan(the_plan, refusals, saved)

    def _tenants_of(self, desired: DesiredState, live: Live) -> dict[str, str]:
        """The tenants ``live`` was read from, as a saved plan records them."""
        if live.snapshot is not None:
            return dict(live.snapshot.tenants)
        return current_tenants(self, desired.kinds, sandbox=live.sandbox)

    def drift_report(
        self, desired: DesiredState, live: Live, *, only_managed: bool = False
    ) -> DriftReport:
        """The drift of ``live`` from ``desired``, stamped now and with what it was read from."""
        report = self.drift(
            desired, live.objects, generated_at=utc_now(), only_managed=only_managed
        )
        return dataclasses.replace(report, basis=live.basis)

    def unmanaged_note(self, report: DriftReport) -> str:
        """What ``drift`` says of the unmanaged objects it lists that do not count as drift
        (``[drift] unmanaged = "report"``); empty when there is nothing to say."""
        unmanaged = report.count(DriftCategory.UNMANAGED)
        if not unmanaged or self.settings.ownership.unmanaged != "report":
            return ""
        return (
            f"{unmanaged} unmanaged object(s) listed; they do not count as drift"
            ' ([drift] unmanaged = "report"; "fail" makes them exit 2, --only-managed hides them).'
        )

    def accept_drift(
        self,
        desired: DesiredState,
        report: DriftReport,
        *,
        targets: Sequence[str] = (),
        into_ignore: bool = False,
    ) -> Acceptance:
        """The edits that take ``report``'s drift back into the files (of the objects
        ``targets`` match): the YAML made to declare the live values, or with
        ``into_ignore`` the drifted fields added to ``[ignore.fields]``; nothing written."""
        matcher = TargetMatcher(targets)
        matcher.check([o.address for o in desired.objects])
        if not into_ignore:
            return accept_drift(report, desired, self.kinds, matcher, own=self.settings.base_dir)
        entries = ignored_fields_of(report, matcher)
        settings_file = self.settings.base_dir / SETTINGS_FILE
        edit = ignore_edit(settings_file, entries) if entries else None
        return Acceptance([edit] if edit is not None else [])

    def snapshot(self, desired: DesiredState, source: LiveSource) -> dict[str, Any]:
        """The live objects ``desired`` needs as a snapshot document (:mod:`~reconciler.
        documents.snapshot`), read from the service or ``source``'s sandbox.

        A field the configuration reads through ``${env:…}`` holds a secret live: left out.
        """
        with self.sandboxed(desired.kinds, source):
            live = self.live_objects(desired)
            tenants = self.tenants(self.needed_kinds(desired))
        return snapshot_to_document(live, self.kinds, tenants=tenants, withheld=env_fields(desired))

    def publish(
        self,
        report: Plan | DriftReport,
        refusals: Sequence[Refusal],
        outputs: ReportOutputs,
        out: Output,
        *,
        write: Callable[[str], None],
    ) -> None:
        """Render ``report`` into each of ``outputs`` (standard output through ``write``), then
        call the after-report hook (:func:`~reconciler.pipeline.reporting.publish_report`)."""
        what: What = "plan" if isinstance(report, Plan) else "drift"
        hint = full_report_hint(what, self.path)
        publish_report(self.hooks, report, refusals, outputs, out, full_report=hint, write=write)

    def execute(
        self,
        plan: Plan,
        *,
        on_outcome: OnOutcome,
        should_stop: Callable[[], str | None],
        planned: Mapping[str, LiveObject | None] | None = None,
        reread: Mapping[str, LiveObject | None] | None = None,
    ) -> ApplyResult:
        """Connect to the providers of ``plan``'s changes and apply it now.

        ``planned``: the objects as the plan saw them, to refuse the whole plan
        (:class:`StalePlan`) if any moved since, before the first write. ``reread``: the same,
        to read each object again just before its own write instead (an unattended apply).
        """
        import asyncio

        async def connected() -> ApplyResult:
            async with self.sessions({change.kind for change in plan.changes}) as sessions:
                if planned is not None:
                    moved = await find_moved(
                        plan.changes,
                        planned,
                        sessions,
                        self.kinds,
                        parallelism=self.settings.parallelism,
                    )
                    if moved:
                        raise StalePlan(moved)
                return await self.apply(
                    plan,
                    sessions,
                    on_outcome=on_outcome,
                    should_stop=should_stop,
                    reread=reread is not None,
                    planned=reread,
                )

        return asyncio.run(connected())
