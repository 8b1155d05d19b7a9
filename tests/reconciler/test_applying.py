"""The apply engine over the sandbox: moment hooks, failures that stay alone, lost races."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler import ApplyResult, Change, ChangeOutcome, Outcome, ReconcilerError, hookimpl
from reconciler.pipeline.project import Project
from reconciler_proctorexam.sandbox import Sandbox

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
]
CONFIG = "institutes:\n  a: {reminder_emails_enabled: true}\n  b: {reminder_emails_enabled: true}\n"


class Recorder:
    """A plugin that remembers every moment hook and refuses to touch institute.b."""

    def __init__(self) -> None:
        self.before: list[str] = []
        self.after: list[tuple[str, Outcome]] = []
        self.results: list[ApplyResult] = []

    @hookimpl
    def reconciler_before_change(self, change: Change) -> None:
        self.before.append(change.address)
        if change.identity == "b":
            raise ReconcilerError("b is frozen by policy")

    @hookimpl
    def reconciler_after_change(self, outcome: ChangeOutcome) -> None:
        self.after.append((outcome.change.address, outcome.outcome))

    @hookimpl
    def reconciler_after_apply(self, result: ApplyResult) -> None:
        self.results.append(result)


def project_for(sandbox: Sandbox, config: Path, *plugins: tuple[str, object]) -> Project:
    return Project.open(config, environ=sandbox.env(), plugins=plugins)


def plan_and_apply(
    project: Project,
    *,
    between: Any = None,
    reread: bool = False,
    parallelism: int = 4,
    journal: Any = None,
) -> Any:
    async def run() -> ApplyResult:
        desired = project.load()
        async with project.sessions(desired.kinds) as sessions:
            plan = project.plan(desired, await project.refresh(sessions))
            if between is not None:
                between()
            from reconciler.engine.applying import apply_plan

            return await apply_plan(
                plan,
                sessions,
                project.kinds,
                project.hooks,
                reread=reread,
                parallelism=parallelism,
                journal=journal,
            )

    return asyncio.run(run())


def test_moment_hooks_see_every_change_and_a_refusal_fails_only_its_own(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    recorder = Recorder()
    project = project_for(sandbox, write_config({"i.yaml": CONFIG}), ("recorder", recorder))
    result = plan_and_apply(project)
    assert sorted(recorder.before) == ["institute.a", "institute.b"]
    assert sorted(recorder.after) == [
        ("institute.a", Outcome.APPLIED),
        ("institute.b", Outcome.FAILED),
    ]
    assert recorder.results == [result]
    failed = [o for o in result.outcomes if o.outcome is Outcome.FAILED]
    assert [o.error for o in failed] == ["b is frozen by policy"]
    state = {i["short_name"]: i["reminder_emails_enabled"] for i in sandbox.institutes()}
    assert state == {"a": True, "b": False}


def _outcomes(result: ApplyResult) -> dict[str, ChangeOutcome]:
    return {o.change.identity: o for o in result.outcomes}


def test_a_create_that_another_run_made_first_differently_is_stale_not_failed(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    project = project_for(sandbox, write_config({"i.yaml": "institutes:\n  new: {name: New}\n"}))
    result = plan_and_apply(
        project, between=lambda: sandbox.add_institute({"short_name": "new", "name": "Other"})
    )
    outcome = _outcomes(result)["new"]
    assert outcome.outcome is Outcome.STALE
    assert outcome.error == "created by another run since the plan; plan again."
    assert outcome.live is not None  # it exists: its children may go ahead against it
    assert [i["short_name"] for i in sandbox.institutes()].count("new") == 1


def test_a_create_that_another_run_made_first_as_planned_counts_as_done(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    project = project_for(sandbox, write_config({"i.yaml": "institutes:\n  new: {name: New}\n"}))
    result = plan_and_apply(
        project, between=lambda: sandbox.add_institute({"short_name": "new", "name": "New"})
    )
    outcome = _outcomes(result)["new"]
    assert outcome.outcome is Outcome.APPLIED
    assert outcome.note is not None
    assert "by another run" in outcome.note
    assert [i["short_name"] for i in sandbox.institutes()].count("new") == 1


def test_a_create_refused_for_its_values_stays_a_failure(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    # "Zeta" is free when the plan is made and taken before the apply: the service refuses it.
    project = project_for(sandbox, write_config({"i.yaml": "institutes:\n  new: {name: Zeta}\n"}))
    taken = lambda: sandbox.add_institute({"short_name": "z", "name": "Zeta"})  # noqa: E731
    outcome = _outcomes(plan_and_apply(project, between=taken))["new"]
    assert outcome.outcome is Outcome.FAILED
    assert "has already been taken" in (outcome.error or "")


def test_deleting_an_object_already_gone_counts_as_done(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    config = write_config({"i.yaml": "institutes:\n  b: {absent: true}\n"})
    result = plan_and_apply(
        project_for(sandbox, config), between=lambda: sandbox.delete_institute(2)
    )
    assert _outcomes(result)["b"].outcome is Outcome.APPLIED
    assert [i["short_name"] for i in sandbox.institutes()] == ["a"]


def test_updating_an_object_deleted_since_the_plan_is_stale(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    project = project_for(sandbox, write_config({"i.yaml": CONFIG}))
    result = plan_and_apply(project, between=lambda: sandbox.delete_institute(1))
    outcomes = _outcomes(result)
    assert outcomes["a"].outcome is Outcome.STALE
    assert outcomes["a"].error == "deleted by another run since the plan; plan again."
    assert outcomes["b"].outcome is Outcome.APPLIED


def test_an_identical_update_another_run_made_is_counted_done_and_not_sent_again(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    project = project_for(sandbox, write_config({"i.yaml": CONFIG}))

    def other_run() -> None:
        sandbox.update_institute(1, {"reminder_emails_enabled": True})
        sandbox.clear_requests()

    result = plan_and_apply(project, between=other_run, reread=True)
    outcomes = _outcomes(result)
    assert outcomes["a"].outcome is Outcome.APPLIED
    assert outcomes["a"].note is not None
    assert "by another run" in outcomes["a"].note
    assert outcomes["b"].outcome is Outcome.APPLIED
    assert outcomes["b"].note is None
    patched = [r.path for r in sandbox.requests if r.method == "PATCH"]
    assert patched == ["/api/v3/institutes/2"]


def test_a_conflicting_update_another_run_made_stops_the_apply_as_stale(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    project = project_for(sandbox, write_config({"i.yaml": CONFIG}))

    def other_run() -> None:
        sandbox.update_institute(1, {"name": "Alpha Renamed"})
        sandbox.clear_requests()

    result = plan_and_apply(project, between=other_run, reread=True, parallelism=1)
    outcomes = _outcomes(result)
    assert outcomes["a"].outcome is Outcome.STALE
    assert outcomes["a"].error == "changed by another run since the plan; plan again."
    assert outcomes["b"].outcome is Outcome.STALE
    assert outcomes["b"].error == (
        "not attempted: another run changed institute.a since the plan; plan again."
    )
    assert [r for r in sandbox.requests if r.method != "GET"] == []
    names = {i["short_name"]: i["name"] for i in sandbox.institutes()}
    assert names["a"] == "Alpha Renamed"


def test_a_create_the_journal_knows_is_looked_for_first_and_found_late(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    tmp_path: Path,
) -> None:
    from reconciler.engine.journal import ApplyJournal

    sandbox = proctorexam_sandbox_factory(seed=SEED)
    project = project_for(sandbox, write_config({"i.yaml": "institutes:\n  new: {name: New}\n"}))
    journal = ApplyJournal(tmp_path / "journal", {"institute": "proctorexam here"})
    journal.record("institute", "institute.new")
    # The earlier apply's create is committed after this plan was made, before its create.
    result = plan_and_apply(
        project,
        between=lambda: sandbox.add_institute({"short_name": "new", "name": "New"}),
        journal=journal,
    )
    outcome = _outcomes(result)["new"]
    assert outcome.outcome is Outcome.APPLIED
    assert outcome.note is not None
    assert "an earlier apply whose outcome was unknown" in outcome.note
    assert not any(r.method == "POST" for r in sandbox.requests)
    assert journal.pending("institute", "institute.new") is None
    assert list((tmp_path / "journal").glob("*.json")) == []
