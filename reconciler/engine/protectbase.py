"""What ``[safety] protect`` said before this change: the git merge base's ``reconciler.toml``.

Removing an object from ``protect`` in the same change as its tombstone must not delete it
(Terraform's ``prevent_destroy`` is lost with its block, hashicorp/terraform#17599). So the
guard compares the tombstones of a plan with the ``protect`` list of the commit the change
started from: the **git merge base** of ``HEAD`` and the branch the change goes into. The
branch is, in order:

1. ``RECONCILER_BASE_REF`` (any git revision), when set;
2. GitHub Actions' ``GITHUB_BASE_REF`` on a pull request, as ``origin/<branch>``;
3. GitLab CI's ``CI_MERGE_REQUEST_DIFF_BASE_SHA`` on a merge request;
4. ``origin/HEAD`` (the remote's default branch).

The working tree's ``reconciler.toml`` (committed or not) is compared with the file at that
base. Outside a git checkout nothing is compared; in one where no base is found (a shallow CI
clone), nothing is compared either, with a warning saying how to fetch the history. ``plan --out``
saves the base's list in the saved plan, and ``apply FILE`` compares with that.
"""

from __future__ import annotations

import logging
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path

from reconciler.settings.guards import ProtectBase

__all__ = ["base_candidates", "protect_at_base"]

log = logging.getLogger(__name__)


def base_candidates(environ: Mapping[str, str]) -> list[str]:
    """The revisions to take the merge base with, in the order above."""
    out = []
    if environ.get("RECONCILER_BASE_REF"):
        out.append(environ["RECONCILER_BASE_REF"])
    if environ.get("GITHUB_BASE_REF"):
        out.append(f"origin/{environ['GITHUB_BASE_REF']}")
    if environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        out.append(environ["CI_MERGE_REQUEST_DIFF_BASE_SHA"])
    out.append("origin/HEAD")
    return out


def protect_at_base(settings_file: Path, environ: Mapping[str, str]) -> ProtectBase | None:
    """The ``protect`` list of ``settings_file`` at the merge base, or None when unknown."""
    folder = settings_file.resolve().parent
    if not folder.is_dir():
        return None
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        return None
    for revision in base_candidates(environ):
        base = _git(folder, "merge-base", "HEAD", revision)
        if base is None:
            continue
        relative = settings_file.resolve().relative_to(Path(top).resolve()).as_posix()
        where = f"the git merge base {base[:12]} of HEAD and {revision}"
        text = _git(folder, "show", f"{base}:{relative}")
        if text is None:
            return ProtectBase(where, ())  # no settings file then: nothing was protected
        try:
            safety = tomllib.loads(text).get("safety", {})
        except tomllib.TOMLDecodeError:
            log.warning("reconciler.toml at %s is not valid TOML; not compared", where)
            return None
        protect = safety.get("protect", []) if isinstance(safety, dict) else []
        if not isinstance(protect, list):
            return None
        return ProtectBase(where, tuple(str(p) for p in protect))
    log.warning(
        "no git merge base found (tried %s): a tombstone whose [safety] protect entry this"
        " change removes cannot be detected; fetch the history (actions/checkout with"
        " fetch-depth: 0, GIT_DEPTH: 0 on GitLab) or set RECONCILER_BASE_REF",
        ", ".join(base_candidates(environ)),
    )
    return None


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() if args[0] != "show" else done.stdout
