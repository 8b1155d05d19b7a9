"""Every hook a plugin can implement, grouped by the phase of the pipeline that calls it.

A plugin is a module (or object) with functions decorated by :data:`reconciler.hookimpl` and
named after these specifications. It is found through the ``reconciler.plugins`` entry point
or named as a local file in the project settings. Built-in plugins use the very same hooks.

Registration hooks return frozen records from :mod:`reconciler.records`; the core collects
them and refuses two records of the same name. Moment hooks are called as the pipeline
reaches them. The core never calls ``pm.hook`` itself: :class:`reconciler.plugin.hooks.Hooks` is
the typed facade over these specifications.

How plugins fail: every hook is called plugin by plugin. An exception raised inside a hook
(other than a :class:`~reconciler.errors.ReconcilerError`, whose message is shown as it is)
stops the command with exit 1 and one message naming the plugin, where it came from, the hook
and the exception; ``-v`` shows the traceback. An after-change or after-apply hook that fails
once changes were made stops the apply (no further change starts) with exit 4 instead, the
message saying how many changes were made. A value that breaks a hook's contract (a string
where a :class:`~reconciler.records.Refusal` is due) is an error naming the plugin too. A hookimpl
whose arguments are not the hook's, or a misspelt hook name, stops the plugin from loading.
Wrapper hookimpls (``hookwrapper=True``) are not supported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

    ``examples/plugins/notes/notes.py`` is a whole kind with its provider, ready to copy. The
    example below is complete; the example of :func:`reconciler_providers` serves its kind.

    Example::

        from reconciler import ResourceKind, hookimpl

        @hookimpl
        def reconciler_resource_kinds():
            schema = {"type": "object", "properties": {"text": {"type": "string"}},
                      "additionalProperties": False}
            return [ResourceKind(name="note", section="notes", provider="notes",
                                 schema=schema, identity="slug")]
    """
    raise NotImplementedError


@hookspec
def reconciler_providers() -> Sequence[Provider]:
    """Contribute providers: the code that reads and writes the live objects of some kinds.

    Called once at start-up; a kind served by two providers is an error naming both plugins.
    Returns a sequence of :class:`~reconciler.records.Provider`.

    ``connect(context)`` returns an async context manager yielding a
    :class:`~reconciler.records.ProviderSession` (``list``, ``read``, ``create``, ``update``,
    ``delete``); ``context.options`` is the provider's ``[providers.<name>]`` table, checked
    against ``options_schema`` when the provider gives one. Only the providers of the kinds a
    configuration uses are connected.

    The example below is complete: its session keeps the notes of the
    :func:`reconciler_resource_kinds` example in memory, for as long as the process runs.
    ``examples/plugins/notes/notes.py`` keeps them in a file named by ``context.options``.

    Example::

        import contextlib

        from reconciler import LiveObject, Provider, hookimpl

        NOTES = {}  # the live notes by slug; a real provider calls its service instead

        class NoteSession:
            async def list(self, kind, scope=None):
                return [LiveObject("note", slug, slug, dict(f)) for slug, f in NOTES.items()]

            async def read(self, kind, identity):
                found = NOTES.get(identity)
                return None if found is None else LiveObject("note", identity, identity, found)

            async def create(self, kind, identity, values):
                NOTES[identity] = dict(values)
                return LiveObject("note", identity, identity, dict(values))

            async def update(self, kind, live, values):
                NOTES[live.identity] = {**NOTES[live.identity], **values}
                return LiveObject("note", live.identity, live.ref, NOTES[live.identity])

            async def delete(self, kind, live):
                del NOTES[live.identity]

        @contextlib.asynccontextmanager
        async def connect(context):  # context.options: the [providers.notes] table
            yield NoteSession()

        @hookimpl
        def reconciler_providers():
            return [Provider(name="notes", kinds=("note",), connect=connect)]
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
    Returns nothing. A command name that is already taken is an error. Installed plugins may
    always add commands; a project's local plugin files only when the command line runs inside
    that project (its ``reconciler.toml`` is in the current directory, or named with
    ``--config PATH`` before the command name). Elsewhere a local plugin cannot add commands.

    Example::

        @hookimpl
        def reconciler_add_commands(cli):
            cli.add_command(click.Command("audit", callback=lambda: print("ok")))
    """


@hookspec
def reconciler_settings_schema() -> Mapping[str, Any] | None:
    """Give the JSON Schema (Draft 2020-12) of this plugin's own settings table.

    The table is ``[plugins.<name>]`` in ``reconciler.toml``, where ``<name>`` is the plugin's
    name (its entry point's name, or a local file's name without ``.py``). Called once at
    start-up; ``validate`` checks the table against it, so a typo there is a located error.
    Returns the schema, or ``None`` when the plugin has no settings.

    Example::

        @hookimpl
        def reconciler_settings_schema():
            return {"type": "object", "properties": {"url": {"type": "string"}},
                    "additionalProperties": False}
    """


# --------------------------------------------------------------------------------------------
# Loading: called after the YAML is read and schema-checked, before any network call.
# --------------------------------------------------------------------------------------------


@hookspec
def reconciler_configure(settings: Mapping[str, Any], base_dir: Path) -> None:
    """Receive this plugin's own settings, the ``[plugins.<name>]`` table of ``reconciler.toml``.

    Called once per run by every command that reads a configuration, after the settings passed
    their checks (including the plugin's :func:`reconciler_settings_schema`) and before the YAML
    is read. ``settings`` is the plugin's table alone (empty when there is none); ``base_dir``
    is the directory of ``reconciler.toml``, for paths relative to it. Returns nothing.

    Example::

        @hookimpl
        def reconciler_configure(settings, base_dir):
            CONFIG.update(settings)
    """


@hookspec
def reconciler_validate(
    state: DesiredState, kinds: Mapping[str, ResourceKind]
) -> Iterable[Problem]:
    """Check the desired state for problems that a JSON Schema cannot express.

    Called once per run after every object passed its kind's schema, with the whole desired
    state and the kinds by name. Every plugin's problems are collected and reported together,
    located in the YAML; any problem stops the run before the network. Returns
    :class:`~reconciler.records.Problem` records (an empty iterable when all is well); a
    problem without ``plugin=`` is labelled with the plugin's name. Objects that broke their
    kind's schema are left out of ``state``: their problems are reported already. A field
    read through ``${env:NAME}`` whose variable is not set holds an
    :class:`~reconciler.model.Unset` (its value is needed only when a change sends it).

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
    Returns :class:`~reconciler.records.Refusal` records (an empty iterable to let the plan
    through); anything else is an error naming the plugin. A refusal without ``plugin=`` is
    labelled with the plugin's name.

    Example::

        @hookimpl
        def reconciler_check_plan(plan, kinds):
            return [Refusal("more than 50 changes")] if len(plan.changes) > 50 else []
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
    the user. Called as each change finishes, in completion order, not plan order. If it
    raises, no further change starts: the command exits 4 once a change was made, else 1.

    Example::

        @hookimpl
        def reconciler_after_change(outcome):
            metrics.increment(f"reconciler.{outcome.outcome.value}")
    """


@hookspec
def reconciler_after_apply(result: ApplyResult) -> None:
    """Called once when an apply ends, whatever the outcome; use it to notify. Returns nothing.

    ``result.status`` says which end it was: nothing to do, refused by a guard or policy
    (``result.refusals`` says why), every change applied, some failed, or all failed.

    Example::

        @hookimpl
        def reconciler_after_apply(result):
            slack.post(f"apply {result.status.value}: {result.count(Outcome.APPLIED)} applied")
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
