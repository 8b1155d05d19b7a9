"""Tests of the rooms kind, through the shipped fixtures: a reference to another plugin's kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

PLUGIN = Path(__file__).with_name("rooms.py")

SETTINGS = f"""
[plugins]
local = [{json.dumps(str(PLUGIN))}]

[providers.rooms]
path = "live-rooms.json"
"""

CONFIG = """
institutes:
  new-inst:
    name: New Institute
rooms:
  lab-1:
    institute: new-inst
    seats: 40
"""


@pytest.fixture
def sandbox(
    proctorexam_sandbox_factory: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> Sandbox:
    sandbox = proctorexam_sandbox_factory(seed=[{"name": "Utrecht", "short_name": "uu"}])
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    return sandbox


def test_the_institute_is_created_before_its_room_and_the_plan_converges(
    sandbox: Sandbox, run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    config = write_config({"reconciler.toml": SETTINGS, "config.yaml": CONFIG})
    planned = run_reconciler("plan", str(config))
    assert planned.stdout.index("+ institute.new-inst") < planned.stdout.index("+ room.lab-1")

    applied = run_reconciler("apply", str(config), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert applied.stderr.index("institute.new-inst: created") < applied.stderr.index(
        "room.lab-1: created"
    )
    assert json.loads((config / "live-rooms.json").read_text()) == {
        "lab-1": {"institute": "new-inst", "seats": 40}
    }
    again = run_reconciler("plan", str(config), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr


def test_a_room_in_an_unknown_institute_is_an_error_at_its_line(
    sandbox: Sandbox, run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    rooms = "rooms:\n  lab-2:\n    institute: atlantis\n"
    config = write_config({"reconciler.toml": SETTINGS, "rooms.yaml": rooms})
    result = run_reconciler("plan", str(config))
    assert result.exit_code == 1
    assert f"{config / 'rooms.yaml'}:3:5: rooms.lab-2.institute: refers to" in result.stderr
    assert "institute.atlantis, which is neither declared" in result.stderr
    assert "(known: uu)" in result.stderr
    assert not (config / "live-rooms.json").exists()
