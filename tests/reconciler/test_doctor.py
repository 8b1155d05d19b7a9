"""The core of ``reconciler doctor``: providers asked through the hook, steps reported, the
worst status deciding the exit code. The ProctorExam steps are tested against the sandbox in
``tests/reconciler_proctorexam/doctor/``."""

from __future__ import annotations

import contextlib
import json
import textwrap
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from reconciler import (
    DoctorRequest,
    DoctorStep,
    Provider,
    ProviderContext,
    SettingsError,
    StepStatus,
    hookimpl,
)
from reconciler.cli.doctor import DoctorReport, run_doctor
from reconciler.errors import PluginError
from reconciler.plugin.hooks import Hooks
from reconciler.settings.config import Settings
from reconciler.testing import CliResult


@contextlib.asynccontextmanager
async def _connect(context: ProviderContext) -> AsyncIterator[Any]:
    yield None


class Toy:
    """A provider whose doctor reports the steps it is given, and records its requests."""

    def __init__(self, *steps: DoctorStep) -> None:
        self.steps = steps
        self.requests: list[DoctorRequest] = []

    @hookimpl
    def reconciler_providers(self) -> Sequence[Provider]:
        return [Provider(name="toy", kinds=(), connect=_connect)]

    @hookimpl
    def reconciler_doctor(self, request: DoctorRequest) -> Sequence[DoctorStep] | None:
        if request.provider != "toy":
            return None
        self.requests.append(request)
        return self.steps


def step(status: StepStatus, name: str = "reachable") -> DoctorStep:
    return DoctorStep(name, status, f"it {status.value}")


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        ((StepStatus.PASSED, StepStatus.PASSED), 0),
        ((StepStatus.PASSED, StepStatus.INCONCLUSIVE), 2),
        ((StepStatus.INCONCLUSIVE, StepStatus.FAILED, StepStatus.PASSED), 1),
    ],
)
def test_the_worst_step_decides_the_exit_code(
    reconciler_hooks: Callable[..., Hooks], statuses: tuple[StepStatus, ...], code: int
) -> None:
    toy = Toy(*(step(s, f"step {i}") for i, s in enumerate(statuses)))
    report = run_doctor(reconciler_hooks(("toy", toy)), Settings(), {"X": "1"})
    assert report.exit_code == code
    assert [(s.provider, s.name) for s in report.steps] == [
        ("toy", f"step {i}") for i in range(len(statuses))
    ]


def test_the_provider_is_asked_with_its_settings_and_the_write_probe(
    reconciler_hooks: Callable[..., Hooks],
) -> None:
    toy = Toy(step(StepStatus.PASSED))
    settings = Settings(providers={"toy": {"colour": "blue"}}, parallelism=7)
    run_doctor(reconciler_hooks(("toy", toy)), settings, {"X": "1"}, write_probe="pe")
    [request] = toy.requests
    assert request.provider == "toy"
    assert dict(request.context.options) == {"colour": "blue"}
    assert request.context.parallelism == 7
    assert request.write_probe == "pe"
    assert request.desired is None


def test_a_provider_without_a_doctor_is_an_error(reconciler_hooks: Callable[..., Hooks]) -> None:
    toy = Toy()
    with pytest.raises(SettingsError, match=r"no installed plugin can probe a provider \(.*toy"):
        run_doctor(reconciler_hooks(("toy", toy)), Settings(), {})


def test_a_doctor_returning_something_else_names_the_provider(
    reconciler_hooks: Callable[..., Hooks],
) -> None:
    toy = Toy("all good")  # type: ignore[arg-type]
    with pytest.raises(
        PluginError, match=r"plugin 'toy' \(given directly\): reconciler_doctor returned 'all good'"
    ):
        run_doctor(reconciler_hooks(("toy", toy)), Settings(), {})


def test_the_json_report_is_versioned_and_complete() -> None:
    report = DoctorReport(
        (
            DoctorStep("a", StepStatus.PASSED, "fine", provider="toy"),
            DoctorStep("b", StepStatus.INCONCLUSIVE, "cannot tell", fix="try x", provider="toy"),
        )
    )
    assert json.loads(report.to_json()) == {
        "format_version": "1.0",
        "status": "inconclusive",
        "exit_code": 2,
        "counts": {"passed": 1, "failed": 0, "inconclusive": 1},
        "steps": [
            {"provider": "toy", "name": "a", "status": "passed", "detail": "fine", "fix": None},
            {
                "provider": "toy",
                "name": "b",
                "status": "inconclusive",
                "detail": "cannot tell",
                "fix": "try x",
            },
        ],
    }
    assert report.to_text() == textwrap.dedent(
        """\
        toy:
          passed        a: fine
          inconclusive  b: cannot tell
                        fix: try x

        Doctor: 1 passed, 0 failed, 1 inconclusive.
        """
    )


TOY_PLUGIN = """
import contextlib
from reconciler import DoctorStep, Provider, StepStatus, hookimpl

@contextlib.asynccontextmanager
async def connect(context):
    yield None

@hookimpl
def reconciler_providers():
    return [Provider(name="toy", kinds=(), connect=connect)]

@hookimpl
def reconciler_doctor(request):
    if request.provider == "toy":
        return [DoctorStep("echo", StepStatus.INCONCLUSIVE, "cannot tell")]
"""


def test_the_command_exits_2_when_a_step_is_inconclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_reconciler: Callable[..., CliResult]
) -> None:
    (tmp_path / "toy.py").write_text(TOY_PLUGIN)
    (tmp_path / "reconciler.toml").write_text(
        '[plugins]\nlocal = ["toy.py"]\ndisable = ["proctorexam"]\n'
    )
    monkeypatch.chdir(tmp_path)
    result = run_reconciler("doctor", "--format", "json")
    assert result.exit_code == 2, result.stderr
    assert json.loads(result.stdout)["steps"] == [
        {
            "provider": "toy",
            "name": "echo",
            "status": "inconclusive",
            "detail": "cannot tell",
            "fix": None,
        }
    ]
