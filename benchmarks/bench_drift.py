"""``reconciler drift`` of 10,000 institutes at 20 ms against ``plan``; rendering 10,000 changes.

The sandbox runs in this process (a thread) with 20 ms of latency per request, seeded with
``--count`` institutes of which ``--drifted`` differ from the YAML. Two whole processes take
turns, ``--runs`` rounds: ``reconciler plan DIR`` and ``reconciler drift DIR``, each as a user
runs it (start-up, loading and validation, the listing, the diff, the printed text).

Then a fresh process per round renders a plan of ``--changes`` updates (three fields each) and
the drift report it implies, as Markdown and as HTML, timing each render alone. Markdown is
cut to 65,000 characters, and only the sections that fit are rendered.

Goals: drift / plan at most 1.1 (a drift report costs no more than a plan); each render at most
half the median ``plan`` process of the same run.

Run: ``python benchmarks/bench_drift.py [--count 10000] [--drifted 1000] [--latency 0.02]
[--changes 10000] [--runs 5] [--write-baseline]``; writes ``benchmarks/baseline/drift.json``;
exits 1 when a goal is missed.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import harness

from reconciler_proctorexam.sandbox import Faults, Sandbox

DRIFT_OVER_PLAN, RENDER_OVER_PLAN = 1.1, 0.5

RENDER = r"""
import json, sys, time
from reconciler.engine.drift import drift_from_plan
from reconciler.model import Action, Change, FieldChange, Location, Plan
from reconciler.records import RenderOptions
from reconciler_reports.html import render_html, render_html_drift
from reconciler_reports.markdown import render_markdown, render_markdown_drift

count = int(sys.argv[1])
at = lambda i, n: Location("config/institutes.yaml", 6 * i + n, 5)
plan = Plan(
    tuple(
        Change(
            Action.UPDATE,
            "institute",
            f"inst-{i:05d}",
            (
                FieldChange("custom_languages", ["no-NO"], ["fr-FR", "no-NO"], at(i, 4)),
                FieldChange("exam_link_emails_enabled", True, False, at(i, 3)),
                FieldChange("name", f"Institute {i}", f"Institute <{i}> & Co", at(i, 2)),
            ),
            at(i, 1),
            ref=str(i + 1),
            fingerprint="2026-11-28T10:00:00Z",
        )
        for i in range(count)
    ),
    live_count=count,
)
report = drift_from_plan(plan, declared=count)
options = RenderOptions()
out = {}
for name, render in (
    ("markdown_plan", lambda: render_markdown(plan, (), options)),
    ("html_plan", lambda: render_html(plan, (), options)),
    ("markdown_drift", lambda: render_markdown_drift(report, options)),
    ("html_drift", lambda: render_html_drift(report, options)),
):
    started = time.perf_counter()
    text = render()
    out[name] = [time.perf_counter() - started, len(text)]
print(json.dumps(out))
"""


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--drifted", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    report = harness.start("drift", argv, tls=args.tls, speedups=not args.no_speedups)

    with tempfile.TemporaryDirectory() as tmp:
        config = harness.write_project(Path(tmp) / "config", args.count, args.drifted)
        seed = [harness.live_institute(i) for i in range(args.count)]
        with Sandbox(seed=seed, faults=Faults(latency=args.latency), tls=args.tls) as sandbox:
            env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
            cases = {
                "plan": lambda: harness.run_process(
                    harness.reconciler("plan", str(config)), env=env
                ),
                "drift": lambda: harness.run_process(
                    harness.reconciler("drift", str(config)), env=env
                ),
            }
            samples = harness.interleave(cases, args.runs)
    renders = [
        json.loads(harness.run_process([sys.executable, "-c", RENDER, str(args.changes)]).stdout)
        for _ in range(args.runs)
    ]

    planned = {_count(r"(\d+) to update", s.stdout) for s in samples["plan"]}
    drifted = {_count(r"Drift: (\d+) changed", s.stdout) for s in samples["drift"]}
    if planned != {args.drifted} or drifted != {args.drifted}:
        report.missed.append(f"expected {args.drifted}; plan saw {planned}, drift {drifted}")

    plan = harness.median_seconds(samples["plan"])
    drift = harness.median_seconds(samples["drift"])
    render_seconds = {name: harness.spread([r[name][0] for r in renders]) for name in renders[0]}
    report.figures = {
        "count": args.count,
        "drifted": args.drifted,
        "latency": args.latency,
        "changes": args.changes,
        "runs": args.runs,
        "seconds": {name: harness.seconds(s) for name, s in samples.items()},
        "drift_over_plan": round(drift / plan, 2),
        "render_seconds": render_seconds,
        "render_chars": {name: renders[0][name][1] for name in renders[0]},
    }
    report.check("drift / plan", drift / plan, at_most=DRIFT_OVER_PLAN)
    for name, spread in render_seconds.items():
        report.check(f"{name} / plan", spread["median"] / plan, at_most=RENDER_OVER_PLAN)
    return report.finish(args.write_baseline)


def _count(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else -1


if __name__ == "__main__":
    sys.exit(main())
