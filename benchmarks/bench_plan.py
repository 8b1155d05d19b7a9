"""The whole pipeline at scale: plan 10,000 institutes, apply 1,000 updates, peak memory.

The sandbox runs in this process (a thread) with 20 ms of latency per request; the measured
work runs in a child process, so that its peak memory is its own. Targets (DESIGN.md):

- ``plan``: load and validate the YAML, list every live institute, diff and render, within
  ``1.5x`` of the floor measured in the same child: parsing the same YAML with libyaml plus
  fetching every page concurrently with the same client.
- ``apply``: 1,000 updates close to ``1000 x latency / parallelism``.
- peak memory (maxrss of the child) under 300 MB at 10,000 institutes.

Run: ``python benchmarks/bench_plan.py [--count N] [--updates N] [--latency S]``. Prints the
numbers; ``--write-baseline`` stores them in ``benchmarks/baseline/plan.json``; exits 1 when
a target is missed.
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

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Faults, Sandbox

BASELINE = Path(__file__).parent / "baseline" / "plan.json"
PLAN_RATIO, APPLY_RATIO, MEMORY_MB = 1.5, 1.5, 300


def write_fixture(directory: Path, count: int, updates: int) -> list[dict[str, Any]]:
    """A seed of ``count`` institutes and YAML declaring them all, ``updates`` of them changed."""
    seed = []
    lines = ["defaults:", "  reminder_emails_enabled: true", "institutes:"]
    for i in range(count):
        short = f"inst-{i:05d}"
        seed.append(
            {
                "short_name": short,
                "name": f"Institute {i}",
                "reminder_emails_enabled": True,
                "exam_link_emails_enabled": True,
                "custom_languages": ["no-NO", "fr-FR"],
                "session_retention_period": "6",
                "callback_url": f"https://callbacks.example.org/{i}",
            }
        )
        lines += [
            f"  {short}:",
            f"    name: Institute {i}",
            f"    exam_link_emails_enabled: {'false' if i < updates else 'true'}",
            "    custom_languages: [fr-FR, no-NO]",
            "    session_retention_period: 6",
            f"    callback_url: https://callbacks.example.org/{i}",
        ]
    (directory / "institutes.yaml").write_text("\n".join(lines) + "\n")
    return seed


CHILD = r"""
import asyncio, json, resource, sys, time
from pathlib import Path
import yaml
from reconciler.project import Project
from reconciler.records import RenderOptions
from reconciler_proctorexam.client import ProctorExamClient
from reconciler_proctorexam.config import resolve_settings
from reconciler.records import ProviderContext
import os

config = Path(sys.argv[1])
mode = sys.argv[2]
out = {}

async def floor():
    started = time.perf_counter()
    yaml.load((config / "institutes.yaml").read_text(), Loader=yaml.CSafeLoader)
    parsed = time.perf_counter()
    settings = resolve_settings(ProviderContext(options={}, environ=os.environ, parallelism=4))
    async with ProctorExamClient(settings) as client:
        await client.list_institutes()
    return time.perf_counter() - started, parsed - started

async def plan(project):
    started = time.perf_counter()
    desired = project.load()
    async with project.sessions(desired.kinds) as sessions:
        live = await project.refresh(sessions)
    the_plan = project.plan(desired, live)
    project.hooks.reporters["text"].render_plan(the_plan, RenderOptions())
    return time.perf_counter() - started, the_plan

project = Project.open(config)
if mode == "plan":
    out["floor"], out["floor_parse"] = asyncio.run(floor())
    out["plan"], the_plan = asyncio.run(plan(project))
    out["changes"] = len(the_plan.changes)
else:
    _, the_plan = asyncio.run(plan(project))
    async def apply():
        async with project.sessions({c.kind for c in the_plan.changes}) as sessions:
            started = time.perf_counter()
            result = await project.apply(the_plan, sessions)
            return time.perf_counter() - started, result
    out["apply"], result = asyncio.run(apply())
    from reconciler.records import Outcome
    out["failed"] = result.count(Outcome.FAILED)
    out["changes"] = len(the_plan.changes)
out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run_child(config: Path, mode: str, sandbox: Sandbox) -> dict[str, Any]:
    env = {
        **os.environ,
        "PROCTOREXAM_BASE_URL": sandbox.base_url,
        "PROCTOREXAM_API_TOKEN": DEFAULT_TOKEN,
        "PROCTOREXAM_SECRET_KEY": DEFAULT_SECRET,
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(config), mode],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--write-baseline", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp)
        (config / "reconciler.toml").write_text(f"[apply]\nparallelism = {args.parallelism}\n")
        seed = write_fixture(config, args.count, args.updates)
        with Sandbox(seed=seed, faults=Faults(latency=args.latency)) as sandbox:
            plan = run_child(config, "plan", sandbox)
            apply = run_child(config, "apply", sandbox)
            after = run_child(config, "plan", sandbox)

    ideal = args.updates * args.latency / args.parallelism
    numbers = {
        "count": args.count,
        "updates": args.updates,
        "latency": args.latency,
        "parallelism": args.parallelism,
        "floor_seconds": round(plan["floor"], 3),
        "floor_parse_seconds": round(plan["floor_parse"], 3),
        "plan_seconds": round(plan["plan"], 3),
        "plan_ratio": round(plan["plan"] / plan["floor"], 2),
        "apply_seconds": round(apply["apply"], 3),
        "apply_ideal_seconds": round(ideal, 3),
        "apply_ratio": round(apply["apply"] / ideal, 2),
        "peak_memory_mb": round(max(plan["maxrss_mb"], apply["maxrss_mb"]), 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(numbers, indent=2))
    if args.write_baseline:
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(numbers, indent=2) + "\n")
    problems = []
    if plan["changes"] != args.updates or apply["changes"] != args.updates or apply["failed"]:
        problems.append(f"expected {args.updates} clean updates: {plan} {apply}")
    if after["changes"]:
        problems.append(f"the plan after apply still has {after['changes']} changes")
    if numbers["plan_ratio"] > PLAN_RATIO:
        problems.append(f"plan took {numbers['plan_ratio']}x the floor (target {PLAN_RATIO}x)")
    if numbers["apply_ratio"] > APPLY_RATIO:
        problems.append(f"apply took {numbers['apply_ratio']}x the ideal (target {APPLY_RATIO}x)")
    if numbers["peak_memory_mb"] > MEMORY_MB:
        problems.append(f"peak memory {numbers['peak_memory_mb']} MB (target {MEMORY_MB} MB)")
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.1f} s in all)", file=sys.stderr)
    sys.exit(code)
