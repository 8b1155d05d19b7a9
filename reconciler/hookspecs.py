"""Every hook a plugin can implement, grouped by the phase of the pipeline that calls it.

A plugin is a module (or object) with functions decorated by :data:`reconciler.hookimpl` and
named after these specifications. It is found through the ``reconciler.plugins`` entry point
or named as a local file in the project settings. Built-in plugins use the very same hooks.

Registration hooks return frozen records from :mod:`reconciler.records`; the core collects
them and refuses two records of the same name. Moment hooks are called as the pipeline
reaches them. The core never calls ``pm.hook`` itself: :class:`reconciler.plugins.Hooks` is
the typed facade over these specifications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from reconciler.model import Change, DesiredState, DriftReport, Plan
    from reconciler.records import (
        ApplyResult,
        ChangeOutcome,
        DoctorRequest,
        DoctorStep,
        Problem,
        Provider,
        Refusal,
        Reporter,
        ResourceKind,
    )

PROJECT = "reconciler"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --------------------------------------------------------------------------------------------
# Registration: called once, when the plugin manager is built.
# --------------------------------------------------------------------------------------------


@hookspec
def reconciler_resource_kinds() -> Sequence[ResourceKind]:
    """Contribute resource kinds: what YAML section they own, their schema and normalisers.

    Called once at start-up; every plugin's list is collected, and two kinds with the same
    ``name`` or ``section`` are an error naming both plugins. Returns a sequence of
    :class:`~reconciler.records.ResourceKind` (empty if the plugin adds none).

    Example::

        @hookimpl
        def reconciler_resource_kinds():
            return [ResourceKind(name="exam", section="exams", provider="proctorexam", ...)]
    """
    raise NotImplementedError


@hookspec
def reconciler_providers() -> Sequence[Provider]:
    """Contribute providers: the code that reads and writes the live objects of some kinds.

    Called once at start-up; a kind served by two providers is an error naming both plugins.
    Returns a sequence of :class:`~reconciler.records.Provider`.

    Example::

        @hookimpl
        def reconciler_providers():
            return [Provider(name="proctorexam", kinds=("institute",), connect=connect)]
    """
    raise NotImplementedError


@hookspec
def reconciler_reporters() -> Sequence[Reporter]:
    """Contribute output formats for plans and drift reports (what ``--format`` accepts).

    Called once at start-up; two reporters with the same ``name`` are an error naming both
    plugins. Returns a sequence of :class:`~reconciler.records.Reporter`, each setting
    ``render_plan(plan, refusals, options)``, ``render_drift(report, options)`` or both.

    Example::

        @hookimpl
        def reconciler_reporters():
            return [Reporter(name="csv", render_plan=plan_csv, render_drift=drift_csv)]
    """
    raise NotImplementedError


@hookspec
def reconciler_add_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``reconciler`` command line.

    Called once, before the command line is parsed, with the top-level :class:`click.Group`.
    Returns nothing. A command name that is already taken is an error.

    Example::

        @hookimpl
        def reconciler_add_commands(cli):
            cli.add_command(my_command, name="sandbox")
    """


# --------------------------------------------------------------------------------------------
# Loading: called after the YAML is read and schema-checked, before any network call.
# --------------------------------------------------------------------------------------------


@hookspec
def reconciler_validate(
    state: DesiredState, kinds: Mapping[str, ResourceKind]
) -> Iterable[Problem]:
    """Check the desired state for problems that a JSON Schema cannot express.

    Called once per run after every object passed its kind's schema, with the whole desired
    state and the kinds by name. Every plugin's problems are collected and reported together,
    located in the YAML; any problem stops the run before the network. Returns problems (an
    empty iterable when all is well).

    Example::

        @hookimpl
        def reconciler_validate(state, kinds):
            return [Problem("no 'x' allowed", o.location) for o in state.objects if "x" in o.fields]
    """
    raise NotImplementedError


# --------------------------------------------------------------------------------------------
# Planning: called on a complete plan, before it is shown as applicable.
# --------------------------------------------------------------------------------------------


@hookspec
def reconciler_check_plan(plan: Plan, kinds: Mapping[str, ResourceKind]) -> Iterable[Refusal]:
    """Refuse a plan as a policy: "reminder e-mails stay on everywhere".

    Called once per plan, after the built-in safety guards, by ``plan`` and ``apply``. Every
    plugin's refusals are collected; any refusal makes the command exit 3 without writing.
    Returns refusals (an empty iterable to let the plan through).

    Example::

        @hookimpl
        def reconciler_check_plan(plan, kinds):
            return [Refusal("too many", plugin="mine")] if len(plan.changes) > 50 else []
    """
    raise NotImplementedError


@hookspec
def reconciler_after_report(report: Plan | DriftReport, refusals: Sequence[Refusal]) -> None:
    """Called once at the end of every ``plan`` and ``drift`` run, even when nothing differs.

    ``report`` is the :class:`~reconciler.model.Plan` (``plan``) or the
    :class:`~reconciler.model.DriftReport` (``drift``), after it was rendered; ``refusals``
    holds every guard and policy refusal of a plan (always empty for a drift report: policies
    judge plans, not reports). Use it to notify, or to send a heartbeat. Returns nothing.

    Example::

        @hookimpl
        def reconciler_after_report(report, refusals):
            if isinstance(report, DriftReport) and report.empty:
                chat.post(f"checked {report.live_count} institutes: no drift")
    """


# --------------------------------------------------------------------------------------------
# Applying: called around each change and once at the end.
# --------------------------------------------------------------------------------------------


@hookspec
def reconciler_before_change(change: Change) -> None:
    """Called just before a change is sent to its provider; returns nothing.

    Raising :class:`~reconciler.errors.ReconcilerError` fails that change (and only it).
    Called concurrently for independent changes: keep it thread- and task-safe.

    Example::

        @hookimpl
        def reconciler_before_change(change):
            audit_log.info("about to %s %s", change.action.value, change.address)
    """


@hookspec
def reconciler_after_change(outcome: ChangeOutcome) -> None:
    """Called after each change has been applied or has failed; returns nothing.

    ``outcome`` holds the change, what became of it (applied, failed, or stale: not made
    because another run changed the object first) and, if not applied, the message shown to
    the user. Called as each change finishes, in completion order, not plan order.

    Example::

        @hookimpl
        def reconciler_after_change(outcome):
            metrics.increment(f"reconciler.{outcome.outcome.value}")
    """


@hookspec
def reconciler_after_apply(result: ApplyResult) -> None:
    """Called once when an apply ends, whatever the outcome; use it to notify. Returns nothing.

    Example::

        @hookimpl
        def reconciler_after_apply(result):
            slack.post(f"{result.count(Outcome.APPLIED)} changes applied")
    """


# --------------------------------------------------------------------------------------------
# Diagnosing: called by ``reconciler doctor``, before a first apply against a live service.
# --------------------------------------------------------------------------------------------


@hookspec
def reconciler_doctor(request: DoctorRequest) -> Iterable[DoctorStep] | None:
    """Probe a provider's live service, read-only, and say what passed, failed or is unclear.

    Called by ``reconciler doctor`` once per provider, with a
    :class:`~reconciler.records.DoctorRequest` naming the provider, its context and, with a
    config PATH, the desired state. A plugin answers only for the providers it owns and returns
    ``None`` for the others. Returns :class:`~reconciler.records.DoctorStep` records in the
    order they ran; any failed step makes the command exit 1, else any inconclusive one 2. No
    step may write, except the one no-op update to ``request.write_probe`` that the user opted
    into. Messages must never hold a credential.

    Example::

        @hookimpl
        def reconciler_doctor(request):
            if request.provider == "mine":
                return [DoctorStep("reachable", StepStatus.PASSED, "answered in 40 ms")]
    """
    raise NotImplementedError
