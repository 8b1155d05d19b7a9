"""The plans the renderer tests share, and golden-file comparison.

Run ``UPDATE_GOLDEN=1 pytest tests/reconciler_reports`` to rewrite the golden files after an
intended change of format, then review the diff as part of the change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler import (
    Action,
    Change,
    DriftCategory,
    DriftedObject,
    DriftReport,
    FieldChange,
    Ignored,
    LiveRef,
    Location,
    Plan,
)

GOLDEN = Path(__file__).parent / "golden"

#: A value that must never be printed: if it shows up anywhere, a secret leaked.
SECRET = "tawk-S3CRET-7f9d2a1c"


def _at(line: int, column: int = 5, file: str = "config/institutes.yaml") -> Location:
    return Location(file, line, column)


def sample_plan() -> Plan:
    """Every shape a plan can take: creates, updates of each value type, a delete, unmanaged."""
    return Plan(
        changes=(
            Change(
                Action.CREATE,
                "institute",
                "new-campus",
                (
                    FieldChange("custom_languages", None, ("no-NO", "fr-FR"), _at(14)),
                    FieldChange("name", None, "New Campus", _at(13)),
                    FieldChange("reminder_emails_enabled", None, True, _at(2, 3, "config/_.yaml")),
                ),
                location=_at(12, 3),
            ),
            Change(
                Action.DELETE,
                "institute",
                "old-campus",
                location=_at(20, 3),
                ref="41",
                fingerprint="2024-05-01T10:00:00.000+02:00",
            ),
            Change(
                Action.UPDATE,
                "institute",
                "pe",
                (
                    FieldChange("callback_url", "https://hooks.example.org/pe", None, _at(4)),
                    FieldChange(
                        "custom_languages", ["no-NO"], frozenset({"no-NO", "fr-FR"}), _at(5)
                    ),
                    FieldChange("exam_link_emails_enabled", True, False, _at(6)),
                    FieldChange("session_retention_period", "6", 12, _at(7)),
                    FieldChange("tawk_api_key", None, SECRET, _at(8), sensitive=True),
                    FieldChange("token_fallback_ratio", 0.5, 0.75, _at(9)),
                ),
                location=_at(3, 3),
                ref="7",
                fingerprint="2019-01-22T10:30:59.794+01:00",
            ),
        ),
        unmanaged=(
            LiveRef("institute", "archive", "3"),
            LiveRef("institute", "demo", "5"),
        ),
        live_count=4,
    )


def sample_drift() -> DriftReport:
    """Every category, a sensitive field, a hostile name, and ignored objects and fields."""
    return DriftReport(
        objects=(
            DriftedObject(
                DriftCategory.CHANGED,
                "institute",
                "pe",
                (
                    FieldChange(
                        "custom_languages", ["no-NO"], frozenset({"no-NO", "fr-FR"}), _at(5)
                    ),
                    FieldChange("name", "<script>alert(1)</script>", "ProctorExam", _at(4)),
                    FieldChange("tawk_api_key", "live-secret", SECRET, _at(8), sensitive=True),
                ),
                location=_at(3, 3),
                ref="7",
            ),
            DriftedObject(
                DriftCategory.MISSING,
                "institute",
                "new-campus",
                (FieldChange("name", None, "New | Campus `x`", _at(13)),),
                location=_at(12, 3),
            ),
            DriftedObject(
                DriftCategory.PRESENT, "institute", "old-campus", location=_at(20, 3), ref="41"
            ),
            DriftedObject(DriftCategory.UNMANAGED, "institute", "archive", ref="3"),
            DriftedObject(DriftCategory.UNMANAGED, "institute", "demo", ref="5"),
        ),
        declared=3,
        live_count=5,
        ignored=Ignored(objects=2, fields=1),
        generated_at="2026-05-01T02:00:00Z",
    )


@pytest.fixture
def plan() -> Plan:
    return sample_plan()


@pytest.fixture
def drift() -> DriftReport:
    return sample_drift()


@pytest.fixture
def secret() -> str:
    return SECRET


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with ``golden/<name>``; with ``UPDATE_GOLDEN=1``, write it instead."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.write_text(text, encoding="utf-8", newline="")
            return
        assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to create it"
        assert text == path.read_bytes().decode("utf-8")

    return check
