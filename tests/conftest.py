"""Fixtures shared across the suite: a small resource kind that knows nothing of ProctorExam."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler import ResourceKind


@pytest.fixture(autouse=True)
def _sandbox_state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> None:
    """``--sandbox`` keeps its state under XDG_STATE_HOME: never the user's, in tests."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state-home")))


def _as_set(value: Any) -> Any:
    return frozenset(value) if isinstance(value, list | tuple) else value


def _as_int(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


WIDGET_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "enabled": {"type": "boolean"},
        "size": {"type": ["integer", "string"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "secret": {"type": "string"},
    },
}


@pytest.fixture
def widget_kind() -> ResourceKind:
    """A kind with a set-like list, a loosely typed number and a write-only field."""
    return ResourceKind(
        name="widget",
        section="widgets",
        provider="widgets",
        schema=WIDGET_SCHEMA,
        identity="slug",
        write_only=frozenset({"secret"}),
        normalizers={"tags": _as_set, "size": _as_int},
    )


@pytest.fixture(autouse=True)
def _only_our_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Third-party plugins installed beside the project change nothing in its tests."""
    from reconciler.plugin.manager import AUTOLOAD_VAR

    monkeypatch.setenv(AUTOLOAD_VAR, "1")
