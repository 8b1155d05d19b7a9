"""Every reference in the shipped CI files resolves, or the text says what to put there.

The workflows and the README's pre-commit snippet are copied into other repositories, so the
one reference that cannot resolve as written is to where the reader hosts this project. That
one is the placeholder ``OWNER`` (and ``REVISION`` for pre-commit, which needs a fixed
revision), each explained beside it; a version tag is named only if this checkout has it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / "examples" / "github-actions").glob("*.yml"))
README = (ROOT / "README.md").read_text("utf-8")
BIN = Path(sys.executable).parent
#: Actions published by GitHub, named by a major version tag they publish.
PUBLISHED = re.compile(r"actions/[a-z-]+@v\d+")
#: What each workflow's header says about its one placeholder, word for word.
REPLACE_OWNER = (
    "replace OWNER in `uses: OWNER/reconciler@main` with the GitHub account or organisation"
    " that hosts your copy of this repository (`git remote get-url origin` in that checkout"
    " names it). `@main` is that copy's main branch; to take its updates only when you choose,"
    " replace `main` with a commit of it (`git rev-parse HEAD` there). Nothing else needs"
    " replacing."
)


def tags() -> set[str]:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "tag", "--list"], capture_output=True, text=True, check=True
    )
    return set(listed.stdout.split())


def header(text: str) -> str:
    """A workflow's leading comment, as one line of prose."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# "))
    return " ".join(" ".join(lines).split())


def pre_commit_snippet() -> str:
    found = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", README, re.S)
    assert found, "the README's pre-commit snippet is gone"
    return found.group(1)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_a_workflow_uses_resolves_or_is_the_explained_placeholder(
    path: Path,
) -> None:
    text = path.read_text("utf-8")
    document = YAML(typ="safe").load(text)
    uses = [
        step["uses"] for job in document["jobs"].values() for step in job["steps"] if "uses" in step
    ]
    ours = [u for u in uses if not PUBLISHED.fullmatch(u)]
    assert ours == ["OWNER/reconciler@main"], f"{path.name}: {uses}"
    assert REPLACE_OWNER in header(text), f"{path.name}: the header must say what to replace"
    # The action it names is this repository's root: there when copied from a checkout.
    assert (ROOT / "action.yml").is_file()


def test_no_file_names_a_version_tag_this_repository_does_not_have() -> None:
    known = tags()
    files = [*WORKFLOWS, ROOT / "README.md", ROOT / ".pre-commit-hooks.yaml", ROOT / "action.yml"]
    for path in files:
        text = path.read_text("utf-8")
        named = re.findall(r"OWNER/reconciler@(\S+)", text) + re.findall(r"rev: (\S+)", text)
        for ref in named:
            ref = ref.strip("`'\",.")
            assert ref in {"main", "REVISION"} or ref in known, f"{path.name}: {ref} is no tag here"


def test_the_pre_commit_snippet_says_what_to_replace_and_with_what() -> None:
    snippet = YAML(typ="safe").load(pre_commit_snippet())
    [repo] = snippet["repos"]
    assert repo["repo"] == "https://github.com/OWNER/reconciler"
    assert repo["rev"] == "REVISION"
    after = " ".join(README[README.index(pre_commit_snippet()) :].split())
    assert (
        "Replace `OWNER` with the GitHub account or organisation that hosts your copy of this"
        " repository (`git remote get-url origin` in that checkout names it), and `REVISION`"
        " with a commit of it (`git rev-parse HEAD` there)"
    ) in after
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [h["id"] for h in repo["hooks"]] == [h["id"] for h in hooks]


@pytest.mark.slow
def test_the_pre_commit_snippet_runs_once_its_placeholders_are_replaced_as_said(
    tmp_path: Path,
) -> None:
    """OWNER's copy is this checkout, REVISION its ``git rev-parse HEAD``: as the text says."""
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    repo = tmp_path / "repo"
    (repo / "config").mkdir(parents=True)
    (repo / "config" / "institutes.yaml").write_text(
        'institutes:\n  pe:\n    reminder_emails_enabled: "yes"\n', encoding="utf-8"
    )
    config = pre_commit_snippet().replace("https://github.com/OWNER/reconciler", str(ROOT))
    (repo / ".pre-commit-config.yaml").write_text(config.replace("REVISION", head), "utf-8")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "NO_COLOR": "1",
    }
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    pre_commit = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
    assert pre_commit, "pre-commit is not installed; pip install -e '.[dev]' installs it"
    result = subprocess.run(
        [pre_commit, "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "config/institutes.yaml:3:30: institutes.pe.reminder_emails_enabled" in output
