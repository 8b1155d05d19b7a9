"""Drift at scale: ``drift`` of 10,000 institutes against ``plan``, and rendering 10,000 changes.

The sandbox runs in this process (a thread) with 20 ms of latency per request; ``plan`` and
``drift`` run in one child process, alternately, each several times, and the best of each is
kept, so that both meet the same machine in the same state. Targets:

- ``drift`` costs no more than a ``plan`` of the same configuration (both load and validate
  the YAML, list every live institute, diff and render text): within ``1.1x``.
- rendering a plan of 10,000 changes (3 fields each) as Markdown, and as HTML, each in at most
  half the time of the whole plan above (a ratio within one run, as every target here, so that
  a slower or busier machine slows both sides); the same for a drift report of 10,000 changed
  institutes. Markdown is cut to 65,000
  characters, and only the sections that fit are rendered. Best of ``--repeat`` runs.

Run: ``python benchmarks/bench_drift.py [--count N] [--drifted N] [--latency S] [--repeat N]``.
Prints the numbers; ``--write-baseline`` stores them in ``benchmarks/baseline/drift.json``;
exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_plan import write_fixture

from reconciler import Action, Change, FieldChange, Location, Plan
from reconciler.drift import drift_from_plan
from reconciler.records import RenderOptions
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Faults, Sandbox
from reconciler_reports.html import render_html, render_html_drift
from reconciler_reports.markdown import render_markdown, render_markdown_drift

BASELINE = Path(__file__).parent / "baseline" / "drift.json"
DRIFT_RATIO, RENDER_SHARE = 1.1, 0.5

CHILD = r"""
import asyncio, json, sys, time
from pathlib import Path
from reconciler.project import Project
from reconciler.records import RenderOptions

config, repeat = Path(sys.argv[1]), int(sys.argv[2])
project = Project.open(config)
text = project.hooks.reporters["text"]

async def live(desired):
    async with project.sessions(desired.kinds) as sessions:
        return await project.refresh(sessions)

def plan():
    desired = project.load()
    the_plan = project.plan(desired, asyncio.run(live(desired)))
    text.render_plan(the_plan, (), RenderOptions())
    return len(the_plan.changes)

def drift():
    desired = project.load()
    report = project.drift(desired, asyncio.run(live(desired)))
    text.render_drift(report, RenderOptions())
    return len(report.objects)

times = {"plan": [], "drift": []}
counts = {}
for _ in range(repeat):
    for name, run in (("plan", plan), ("drift", drift)):
        started = time.perf_counter()
        counts[name] = run()
        times[name].append(time.perf_counter() - started)
print(json.dumps({"plan": min(times["plan"]), "drift": min(times["drift"]), **{
    f"{name}_objects": count for name, count in counts.items()}}))
"""


def run_child(config: Path, sandbox: Sandbox, repeat: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "PROCTOREXAM_BASE_URL": sandbox.base_url,
        "PROCTOREXAM_API_TOKEN": DEFAULT_TOKEN,
        "PROCTOREXAM_SECRET_KEY": DEFAULT_SECRET,
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(config), str(repeat)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def big_plan(count: int) -> Plan:
    """``count`` updates of three fields each, as the renderers meet them."""
    changes = tuple(
        Change(
            Action.UPDATE,
            "institute",
            f"inst-{i:05d}",
            (
                FieldChange("custom_languages", ["no-NO"], ["fr-FR", "no-NO"], _at(i, 6)),
                FieldChange("exam_link_emails_enabled", True, False, _at(i, 5)),
                FieldChange("name", f"Institute {i}", f"Institute <{i}> & Co", _at(i, 4)),
            ),
            _at(i, 3),
            ref=str(i),
            fingerprint="2024-05-14T11:20:00.000+02:00",
        )
        for i in range(count)
    )
    return Plan(changes, live_count=count)


def _at(i: int, offset: int) -> Location:
    return Location("config/institutes.yaml", i * 6 + offset, 5)


def time_renders(count: int, repeat: int) -> dict[str, float]:
    """The best of ``repeat`` runs of each renderer, and the length of what it wrote."""
    plan = big_plan(count)
    report = drift_from_plan(plan, declared=count)
    out = {}
    for name, render in (
        ("markdown_plan", lambda: render_markdown(plan, (), RenderOptions())),
        ("html_plan", lambda: render_html(plan, (), RenderOptions())),
        ("markdown_drift", lambda: render_markdown_drift(report, RenderOptions())),
        ("html_drift", lambda: render_html_drift(report, RenderOptions())),
    ):
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            text = render()
            best = min(best, time.perf_counter() - started)
        out[f"{name}_seconds"] = round(best, 3)
        out[f"{name}_chars"] = len(text)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--drifted", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-baseline", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp)
        seed = write_fixture(config, args.count, args.drifted)
        with Sandbox(seed=seed, faults=Faults(latency=args.latency)) as sandbox:
            child = run_child(config, sandbox, args.repeat)
    numbers: dict[str, Any] = {
        "count": args.count,
        "drifted": args.drifted,
        "latency": args.latency,
        "repeat": args.repeat,
        "plan_seconds": round(child["plan"], 3),
        "drift_seconds": round(child["drift"], 3),
        "drift_ratio": round(child["drift"] / child["plan"], 2),
        "render_changes": args.count,
        **time_renders(args.count, args.repeat),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(numbers, indent=2))
    if args.write_baseline:
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(numbers, indent=2) + "\n")
    problems = []
    if child["plan_objects"] != args.drifted or child["drift_objects"] != args.drifted:
        problems.append(f"expected {args.drifted} changes and drifted objects: {child}")
    if numbers["drift_ratio"] > DRIFT_RATIO:
        problems.append(f"drift took {numbers['drift_ratio']}x the plan (target {DRIFT_RATIO}x)")
    limit = RENDER_SHARE * numbers["plan_seconds"]
    renders = {k: v for k, v in numbers.items() if k.startswith(("markdown", "html"))}
    for key, value in renders.items():
        if key.endswith("_seconds") and value > limit:
            problems.append(f"{key} = {value} s (target {RENDER_SHARE}x the plan: {limit:.2f} s)")
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.1f} s in all)", file=sys.stderr)
    sys.exit(code)
