"""reconciler.toml: defaults when absent, every key checked when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler import SettingsError
from reconciler.settings import load_settings


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert (settings.parallelism, settings.allow_delete, settings.source) == (4, False, None)


def test_a_full_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "reconciler.toml").write_text(
        '[providers.proctorexam]\nbase_url = "https://x.example/api/v3"\n'
        "[apply]\nparallelism = 8\n[safety]\nallow_delete = true\nmax_change_share = 0.25\n"
        '[plugins]\nlocal = ["p/policy.py"]\ndisable = ["reports"]\n'
    )
    settings = load_settings(tmp_path / "institutes.yaml")
    assert settings.providers == {"proctorexam": {"base_url": "https://x.example/api/v3"}}
    assert (settings.parallelism, settings.allow_delete, settings.max_change_share) == (
        8,
        True,
        0.25,
    )
    assert settings.local_plugins == (tmp_path / "p/policy.py",)
    assert settings.disabled_plugins == ("reports",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[aply]\nparallelism = 2\n", r"unknown table \[aply\]"),
        ("[apply]\nparalelism = 2\n", "unknown key.*paralelism"),
        ("[apply]\nparallelism = true\n", "apply.parallelism must be int"),
        ("[apply]\nparallelism = 0\n", "at least 1"),
        ("[safety]\nmax_change_share = 2\n", r"must be in \(0, 1\]"),
        ("[apply\n", "not valid TOML"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "reconciler.toml").write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path)
