"""Reporting glue for the command line: pick a format, render, write, tell the plugins.

``plan`` and ``drift`` end the same way: the chosen reporter renders the plan or the drift
report (with the refusals, for a plan), the text goes to standard output or a file, and then
every plugin's :func:`~reconciler.plugin.hookspecs.reconciler_after_report` is called, even when
nothing differs, so that a notifier can send a heartbeat.
"""

from __future__ import annotations

import datetime
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reconciler.console import Output, write_atomic
from reconciler.errors import SettingsError
from reconciler.model import DriftReport, Plan
from reconciler.plugin.hooks import Hooks
from reconciler.records import PART_BREAK, Refusal, RenderOptions, Reporter

__all__ = [
    "ReportOutputs",
    "full_report_hint",
    "publish",
    "publish_report",
    "render",
    "reporter_for",
    "utc_now",
    "write_parts",
    "write_reports",
]

What = Literal["plan", "drift"]


def reporter_for(hooks: Hooks, fmt: str, what: What) -> Reporter:
    """The reporter of format ``fmt``; an unknown format, or one that cannot render ``what``,
    is a SettingsError listing the formats that can."""
    reporters = hooks.reporters
    able = sorted(name for name, r in reporters.items() if what in r.renders)
    if fmt not in reporters:
        raise SettingsError(f"unknown format {fmt!r}; installed formats: {', '.join(able)}.")
    if what not in reporters[fmt].renders:
        raise SettingsError(
            f"the format {fmt!r} does not render {what} reports; formats for {what}:"
            f" {', '.join(able)}."
        )
    return reporters[fmt]


def render(
    reporter: Reporter,
    report: Plan | DriftReport,
    refusals: Sequence[Refusal],
    options: RenderOptions,
) -> str:
    """Render a plan (with its refusals) or a drift report with ``reporter``."""
    if isinstance(report, Plan):
        assert reporter.render_plan is not None  # reporter_for checked it
        return reporter.render_plan(report, refusals, options)
    assert reporter.render_drift is not None
    return reporter.render_drift(report, options)


def publish(
    hooks: Hooks,
    text: str,
    output: Path | None,
    report: Plan | DriftReport,
    refusals: Sequence[Refusal],
    out: Output,
    *,
    write: Callable[[str], None],
) -> None:
    """Write ``text`` to ``output`` (or with ``write``, to standard output), then call the
    after-report hook."""
    if output is None:
        write(text)
    else:
        written = write_parts(output, text)
        noun = "Plan" if isinstance(report, Plan) else "Drift report"
        if len(written) == 1:
            out.say(f"{noun} written to {output}.")
        else:
            out.say(f"{noun} written in {len(written)} parts: {', '.join(map(str, written))}.")
        if not isinstance(report, Plan):
            # The counts as well, on their own line: a CI log (and a job summary taking the
            # line) shows them without opening the file.
            out.say(report.summary())
    hooks.after_report(report, refusals)


@dataclass(frozen=True, slots=True)
class ReportOutputs:
    """Where a plan or a drift report goes: rendered by ``reporter`` to ``output`` (standard
    output when None, in colour with ``color``), and by each of ``extra`` (``--report
    FORMAT=FILE``) to its file; ``max_chars`` splits Markdown into parts."""

    reporter: Reporter
    output: Path | None = None
    extra: Sequence[tuple[Reporter, Path]] = ()
    max_chars: int | None = None
    color: bool = False


def publish_report(
    hooks: Hooks,
    report: Plan | DriftReport,
    refusals: Sequence[Refusal],
    outputs: ReportOutputs,
    out: Output,
    *,
    full_report: str,
    write: Callable[[str], None],
) -> None:
    """Render ``report`` into every output of ``outputs``, and tell the plugins (see
    :func:`publish`); ``full_report`` says where a cut report can be had whole."""
    color = outputs.output is None and outputs.color
    options = RenderOptions(color=color, full_report=full_report, max_chars=outputs.max_chars)
    text = render(outputs.reporter, report, refusals, options)
    publish(hooks, text, outputs.output, report, refusals, out, write=write)
    files = RenderOptions(full_report=full_report, max_chars=outputs.max_chars)
    write_reports(outputs.extra, report, refusals, files, out)


def write_reports(
    reports: Sequence[tuple[Reporter, Path]],
    report: Plan | DriftReport,
    refusals: Sequence[Refusal],
    options: RenderOptions,
    out: Output,
) -> None:
    """Render ``report`` once per format and write each file; say where each went."""
    for reporter, path in reports:
        written = write_parts(path, render(reporter, report, refusals, options))
        out.say(f"The {reporter.name} report written to {', '.join(map(str, written))}.")


def write_parts(path: Path, text: str) -> list[Path]:
    """Write ``text`` to ``path``; a report split into parts (``--max-chars``) goes to
    ``path`` (part 1), then ``plan.2.md``, ``plan.3.md``… beside it. Returns the files."""
    parts = text.split(PART_BREAK)
    files = [path] + [
        path.with_name(f"{path.stem}.{n}{path.suffix}") for n in range(2, len(parts) + 1)
    ]
    for file, part in zip(files, parts, strict=True):
        write_atomic(file, part if part.endswith("\n") else part + "\n")
    return files


def full_report_hint(command: What, path: Path) -> str:
    """Where a cut report (Markdown) can be had whole: the command that writes it."""
    return (
        f"`reconciler {command} {shlex.quote(str(path))} --format html --output"
        f" {command}.html` (or `--format json`)"
    )


def utc_now() -> str:
    """Now, as a drift report stamps it: ISO 8601 in UTC, to the second."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
