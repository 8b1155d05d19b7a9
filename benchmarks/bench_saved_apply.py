"""A saved plan's apply against the same apply from the configuration: what the check costs.

``apply FILE`` re-reads every object the plan touches before its first write; with 1,000
updates that is one listing, so it may add at most one listing's time. Both applies write the
same 1,000 updates to a sandbox of ``--count`` institutes with 20 ms of latency per request,
each in a child process (timed from the first step to the last, without interpreter start-up)
against a fresh sandbox:

- ``apply PATH``: load the YAML, list the live institutes, plan, apply (``--auto-approve``);
- ``apply FILE``: read the saved plan, the staleness check, apply;
- a listing of every institute, measured in the same child: the allowance.

Targets: the check alone at most one listing, and ``apply FILE`` at most ``apply PATH`` plus one
listing (both x1.5, for noise on a shared machine).

Run: ``python benchmarks/bench_saved_apply.py [--count N] [--updates N] [--latency S]``.
Prints the numbers; ``--write-baseline`` stores them in ``benchmarks/baseline/saved_apply.json``;
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

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Faults, Sandbox

BASELINE = Path(__file__).parent / "baseline" / "saved_apply.json"
ALLOWANCE = 1.5

CHILD = r"""
import asyncio, json, sys, time
from pathlib import Path
from reconciler.freshness import find_moved
from reconciler.project import Project
from reconciler.records import Outcome
from reconciler.savedplan import read_saved_plan

target, mode = Path(sys.argv[1]), sys.argv[2]
out = {}

async def from_path():
    started = time.perf_counter()
    project = Project.open(target)
    desired = project.load()
    async with project.sessions(desired.kinds) as sessions:
        live = await project.refresh(sessions)
    the_plan = project.plan(desired, live)
    out["plan"] = time.perf_counter() - started
    async with project.sessions({c.kind for c in the_plan.changes}) as sessions:
        result = await project.apply(the_plan, sessions)
    out["apply"] = time.perf_counter() - started
    return result

async def from_file():
    started = time.perf_counter()
    saved = read_saved_plan(target)
    project = Project.open(saved.project)
    the_plan = saved.resolved(project.environ)
    out["read"] = time.perf_counter() - started
    async with project.sessions({c.kind for c in the_plan.changes}) as sessions:
        checking = time.perf_counter()
        moved = await find_moved(
            the_plan.changes, saved.planned, sessions, project.kinds,
            parallelism=project.settings.parallelism,
        )
        assert not moved, moved
        out["check"] = time.perf_counter() - checking
        result = await project.apply(the_plan, sessions)
    out["apply"] = time.perf_counter() - started
    # The allowance, in the same process: one listing of every institute.
    async with project.sessions({"institute"}) as sessions:
        listing = time.perf_counter()
        await sessions["institute"].list(project.kinds["institute"])
        out["listing"] = time.perf_counter() - listing
    return result

result = asyncio.run(from_path() if mode == "path" else from_file())
out["changes"] = len(result.outcomes)
out["applied"] = result.count(Outcome.APPLIED)
print(json.dumps(out))
"""


def _env(sandbox: Sandbox) -> dict[str, str]:
    return {
        **os.environ,
        "PROCTOREXAM_BASE_URL": sandbox.base_url,
        "PROCTOREXAM_API_TOKEN": DEFAULT_TOKEN,
        "PROCTOREXAM_SECRET_KEY": DEFAULT_SECRET,
    }


def run_child(target: Path, mode: str, sandbox: Sandbox) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(target), mode],
        env=_env(sandbox),
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
        config = Path(tmp) / "config"
        config.mkdir()
        (config / "reconciler.toml").write_text(f"[apply]\nparallelism = {args.parallelism}\n")
        seed = write_fixture(config, args.count, args.updates)
        faults = Faults(latency=args.latency)
        with Sandbox(seed=seed, faults=faults) as sandbox:
            path = run_child(config, "path", sandbox)
        with Sandbox(seed=seed, faults=faults) as sandbox:
            plan_file = Path(tmp) / "plan.json"
            subprocess.run(
                [sys.executable, "-m", "reconciler", "plan", str(config), "--out", str(plan_file)],
                env=_env(sandbox),
                check=True,
                capture_output=True,
            )
            file = run_child(plan_file, "file", sandbox)

    numbers = {
        "count": args.count,
        "updates": args.updates,
        "latency": args.latency,
        "parallelism": args.parallelism,
        "apply_path_seconds": round(path["apply"], 3),
        "of_which_plan_seconds": round(path["plan"], 3),
        "apply_file_seconds": round(file["apply"], 3),
        "of_which_read_seconds": round(file["read"], 3),
        "of_which_check_seconds": round(file["check"], 3),
        "listing_seconds": round(file["listing"], 3),
        "added_seconds": round(file["apply"] - path["apply"], 3),
        "added_in_listings": round((file["apply"] - path["apply"]) / file["listing"], 2),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(numbers, indent=2))
    if args.write_baseline:
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(numbers, indent=2) + "\n")
    problems = []
    for run in (path, file):
        if run["changes"] != args.updates or run["applied"] != args.updates:
            problems.append(f"expected {args.updates} clean updates: {run}")
    if numbers["added_in_listings"] > ALLOWANCE:
        problems.append(
            f"apply FILE added {numbers['added_seconds']} s to apply PATH:"
            f" {numbers['added_in_listings']} listings (target {ALLOWANCE})"
        )
    if file["check"] > ALLOWANCE * file["listing"]:
        problems.append(
            f"the check took {numbers['of_which_check_seconds']} s, more than {ALLOWANCE}"
            f" listings ({numbers['listing_seconds']} s)"
        )
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.1f} s in all)", file=sys.stderr)
    sys.exit(code)
