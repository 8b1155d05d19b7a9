"""The protect list at the git merge base: found from a config directory anywhere in a repo."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reconciler.engine.protectbase import base_candidates, protect_at_base


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def test_the_candidates_come_in_the_documented_order() -> None:
    environ = {
        "RECONCILER_BASE_REF": "release",
        "GITHUB_BASE_REF": "main",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": "abc123",
    }
    assert base_candidates(environ) == ["release", "origin/main", "abc123", "origin/HEAD"]
    assert base_candidates({}) == ["origin/HEAD"]


def test_a_nested_config_directory_is_read_at_the_base(tmp_path: Path) -> None:
    config = tmp_path / "infra" / "config"
    config.mkdir(parents=True)
    settings = config / "reconciler.toml"
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "README").write_text("x\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "no settings yet")
    git(tmp_path, "checkout", "-qb", "topic")
    settings.write_text('[safety]\nprotect = ["institute.pe"]\n')
    base = protect_at_base(settings, {"RECONCILER_BASE_REF": "main"})
    assert base is not None
    assert base.protect == ()  # no settings file at the base: nothing was protected
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "protect pe")
    git(tmp_path, "checkout", "-q", "main")
    git(tmp_path, "merge", "-q", "topic")
    git(tmp_path, "checkout", "-qb", "later")
    settings.write_text("[safety]\nprotect = []\n")  # uncommitted: the working tree counts
    base = protect_at_base(settings, {"RECONCILER_BASE_REF": "main"})
    assert base is not None
    assert base.protect == ("institute.pe",)
    assert base.where.startswith("the git merge base ")
    assert base.where.endswith(" of HEAD and main")


def test_outside_git_nothing_is_compared(tmp_path: Path) -> None:
    settings = tmp_path / "reconciler.toml"
    settings.write_text("[safety]\n")
    assert protect_at_base(settings, {}) is None
