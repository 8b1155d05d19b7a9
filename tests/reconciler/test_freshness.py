"""The staleness check over the sandbox: what moved, said field by field, and what it costs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.engine.freshness import Moved, find_moved, planned_objects
from reconciler.pipeline.project import Project
from reconciler_proctorexam.sandbox import Sandbox

SEED = [
    {"id": i, "short_name": f"s{i}", "name": f"S{i}", "reminder_emails_enabled": False}
    for i in range(1, 7)
]


def _config(write_config: Callable[..., Path], count: int, *, new: bool = False) -> Path:
    lines = ["institutes:"]
    lines += [f"  s{i}: {{reminder_emails_enabled: true}}" for i in range(1, count + 1)]
    if new:
        lines.append("  new: {name: New}")
    return write_config({"i.yaml": "\n".join(lines) + "\n"})


def _moved(
    sandbox: Sandbox, config: Path, between: Callable[[], Any], *, parallelism: int = 4
) -> tuple[Moved, ...]:
    """Plan in one session, run ``between``, then check in a fresh one (as apply FILE does)."""
    project = Project.open(config, environ=sandbox.env())

    async def run() -> tuple[Moved, ...]:
        desired = project.load()
        async with project.sessions(desired.kinds) as sessions:
            live = await project.refresh(sessions)
        plan = project.plan(desired, live)
        between()
        sandbox.clear_requests()
        async with project.sessions(desired.kinds) as sessions:
            return await find_moved(
                plan.changes,
                planned_objects(plan, live),
                sessions,
                project.kinds,
                parallelism=parallelism,
            )

    return asyncio.run(run())


def test_nothing_moved_when_nothing_changed(
    proctorexam_sandbox_factory: Callable[..., Sandbox], write_config: Callable[..., Path]
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    assert _moved(sandbox, _config(write_config, 2, new=True), lambda: None) == ()


def test_an_edited_object_says_which_field_moved_from_what_to_what(
    proctorexam_sandbox_factory: Callable[..., Sandbox], write_config: Callable[..., Path]
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    moved = _moved(
        sandbox,
        _config(write_config, 2),
        lambda: sandbox.update_institute(2, {"name": "Renamed", "custom_languages": ["fr-FR"]}),
    )
    assert [str(m) for m in moved] == [
        'institute.s2: changed since the plan:\n    custom_languages: [] -> ["fr-FR"]\n'
        '    name: "S2" -> "Renamed"'
    ]


def test_an_object_that_appeared_or_disappeared_has_moved(
    proctorexam_sandbox_factory: Callable[..., Sandbox], write_config: Callable[..., Path]
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)

    def elsewhere() -> None:
        sandbox.add_institute({"short_name": "new", "name": "Made Elsewhere"})
        sandbox.delete_institute(1)

    moved = _moved(sandbox, _config(write_config, 2, new=True), elsewhere)
    assert [str(m) for m in moved] == [
        "institute.new: created by another change since the plan",
        "institute.s1: deleted by another change since the plan",
    ]


@pytest.mark.parametrize(("count", "parallelism"), [(2, 4), (6, 2)])
def test_the_check_costs_at_most_one_listing(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    count: int,
    parallelism: int,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    assert (
        _moved(sandbox, _config(write_config, count), lambda: None, parallelism=parallelism) == ()
    )
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", "/api/v3/institutes")]


def test_a_change_only_to_a_write_only_field_is_caught_without_showing_it(
    proctorexam_sandbox_factory: Callable[..., Sandbox], write_config: Callable[..., Path]
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    moved = _moved(
        sandbox,
        _config(write_config, 1),
        lambda: sandbox.update_institute(1, {"tawk_api_key": "tawk-S3CRET"}),
    )
    assert [str(m) for m in moved] == [
        "institute.s1: changed since the plan (its fingerprint moved on; the change is in a"
        " field that is never shown)"
    ]


def test_an_object_deleted_and_created_again_is_replaced(
    proctorexam_sandbox_factory: Callable[..., Sandbox], write_config: Callable[..., Path]
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)

    def recreate() -> None:
        sandbox.delete_institute(1)
        sandbox.add_institute({"short_name": "s1", "name": "S1"})

    [moved] = _moved(sandbox, _config(write_config, 1), recreate)
    assert str(moved).startswith("institute.s1: replaced since the plan (it was 1, it is now ")
