"""What a plan was made against: its sentence, the tenant check and the age limit."""

from __future__ import annotations

import datetime
from pathlib import Path

import click
import pytest

from reconciler.cli.durations import Duration
from reconciler.documents.snapshot import LiveSnapshot
from reconciler.errors import ReconcilerError
from reconciler.model import Basis
from reconciler.pipeline.basis import snapshot_basis
from reconciler.pipeline.project import Project

NOW = datetime.datetime(2026, 12, 6, 15, 0, tzinfo=datetime.UTC)
TAKEN = datetime.datetime(2026, 12, 6, 2, 0, tzinfo=datetime.UTC)
URL = "https://acme.proctorexam.com/api/v3"


def test_the_sentence_of_a_snapshot_and_of_the_live_service() -> None:
    snap = Basis("snapshot", (URL,), "2026-12-06 02:00 UTC", "13 hours ago", ("policy.py",))
    assert snap.lines() == (
        f"Planned against a snapshot of {URL} taken 2026-12-06 02:00 UTC (13 hours ago).",
        "Local plugins not loaded (--no-local-plugins), so their policies and checks did not"
        " run: policy.py.",
    )
    assert Basis("live", (URL,)).lines("Checked", quote=lambda t: f"`{t}`") == (
        f"Checked against the live service at `{URL}`.",
    )


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "i.yaml").write_text("institutes: {}\n")
    (tmp_path / "reconciler.toml").write_text(f'[providers.proctorexam]\nbase_url = "{URL}/"\n')
    return Project.open(tmp_path, environ={}, entry_points_group="reconciler.plugins")


def test_a_snapshot_of_the_configured_tenant_is_taken_with_its_age(project: Project) -> None:
    snap = LiveSnapshot(TAKEN, "ci", {"institute": ()}, {"proctorexam": URL})
    basis = snapshot_basis(project, snap, ["institute"], source="live.json", now=NOW)
    assert basis == Basis("snapshot", (URL,), "2026-12-06 02:00 UTC", "13 hours ago")
    with pytest.raises(ReconcilerError) as refused:
        snapshot_basis(project, snap, ["institute"], source="live.json", max_age=12 * 3600, now=NOW)
    assert str(refused.value).startswith(
        "live.json was taken 2026-12-06 02:00:00 UTC, 13 h ago: older than --max-age 12h."
    )


def test_a_snapshot_of_another_tenant_is_refused_naming_both(project: Project) -> None:
    other = "https://other.proctorexam.com/api/v3"
    snap = LiveSnapshot(TAKEN, "ci", {"institute": ()}, {"proctorexam": other})
    with pytest.raises(ReconcilerError) as refused:
        snapshot_basis(project, snap, ["institute"], source="live.json", now=NOW)
    assert (
        f"live.json is a snapshot of {other}, but this configuration's proctorexam tenant is {URL}"
        in (str(refused.value))
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("36h", 129600), ("2d", 172800), ("1h30m", 5400), ("90s", 90), ("1w", 604800)],
)
def test_durations(text: str, seconds: float) -> None:
    assert Duration().convert(text, None, None) == seconds


@pytest.mark.parametrize("text", ["", "12", "h", "1x", "1h 30m", "-1h"])
def test_not_durations(text: str) -> None:
    with pytest.raises(click.BadParameter):
        Duration().convert(text, None, None)
