"""End-to-end fixtures: the quick start copied to a scratch directory, a sandbox to aim at."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"


@pytest.fixture(autouse=True)
def _in_the_test_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command runs from the test's own directory, as from a checkout's root: a saved
    plan names its configuration relative to where it is applied, inside that directory."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """A private copy of examples/quickstart, so sandbox state never touches the repository."""
    target = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, target, ignore=shutil.ignore_patterns(".sandbox-state.json"))
    return target


@pytest.fixture
def aimed_at(
    monkeypatch: pytest.MonkeyPatch, proctorexam_sandbox_factory: Callable[..., Sandbox]
) -> Callable[..., Sandbox]:
    """Start a sandbox and point the provider's environment variables at it."""

    def start(**kwargs: Any) -> Sandbox:
        sandbox = proctorexam_sandbox_factory(**kwargs)
        monkeypatch.setenv("PROCTOREXAM_BASE_URL", sandbox.base_url)
        monkeypatch.setenv("PROCTOREXAM_API_TOKEN", DEFAULT_TOKEN)
        monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", DEFAULT_SECRET)
        return sandbox

    return start


DRIFT_EXAMPLE = QUICKSTART.parent / "drift"


@pytest.fixture
def example(tmp_path: Path, aimed_at: Callable[..., Sandbox]) -> tuple[Path, Sandbox]:
    """A private copy of examples/drift and a sandbox seeded from its seed file."""
    target = tmp_path / "drift"
    shutil.copytree(DRIFT_EXAMPLE, target, ignore=shutil.ignore_patterns(".sandbox-state.json"))
    return target, aimed_at(seed=target / "sandbox-seed.json")


@pytest.fixture
def drifted() -> dict[str, list[str]]:
    """Every drifted object of examples/drift, by category, in report order."""
    return {
        "changed": ["institute.pe", "institute.uu"],
        "missing": ["institute.new-campus"],
        "present": ["institute.old-campus"],
        "unmanaged": ["institute.summer-school"],
    }
