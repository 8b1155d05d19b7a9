"""``--report FORMAT=FILE``: more outputs from one run, beside the one on standard output.

A CI job that wants the plan as Markdown for the pull request and as JSON for a dashboard
plans once: ``plan config/ --report markdown=plan.md --report json=plan.json``. Every format
is checked before any network call; each file is written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from reconciler.errors import SettingsError
from reconciler.pipeline.reporting import What, reporter_for
from reconciler.plugin.hooks import Hooks
from reconciler.records import Reporter

__all__ = [
    "check_max_chars",
    "max_chars_option",
    "report_option",
    "reports_for",
]

max_chars_option = click.option(
    "--max-chars",
    type=click.IntRange(min=1000),
    metavar="N",
    help="Split a Markdown report into numbered parts of at most N characters (a host's"
    " comment limit): FILE, then FILE's name with .2, .3… before its suffix.",
)

report_option = click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT=FILE",
    help="Also write the report in FORMAT to FILE (repeatable), e.g. --report"
    " markdown=plan.md --report json=plan.json.",
)


def reports_for(hooks: Hooks, given: Sequence[str], what: What) -> list[tuple[Reporter, Path]]:
    """The reporter and file of each ``--report FORMAT=FILE``; a bad one is a SettingsError."""
    out: list[tuple[Reporter, Path]] = []
    seen: set[Path] = set()
    for value in given:
        fmt, sep, file = value.partition("=")
        if not sep or not fmt or not file:
            raise SettingsError(
                f"--report {value}: expected FORMAT=FILE, e.g. --report markdown=plan.md."
            )
        path = Path(file)
        if path in seen:
            raise SettingsError(f"--report {value}: {file} is named twice; one format per file.")
        seen.add(path)
        out.append((reporter_for(hooks, fmt, what), path))
    return out


def check_max_chars(
    max_chars: int | None, fmt: str, reports: Sequence[tuple[Reporter, Path]]
) -> None:
    """``--max-chars`` splits Markdown: without a Markdown output it would do nothing."""
    if (
        max_chars is not None
        and fmt != "markdown"
        and all(r.name != "markdown" for r, _ in reports)
    ):
        raise SettingsError(
            "--max-chars splits a Markdown report: give --format markdown or --report"
            " markdown=FILE with it."
        )
