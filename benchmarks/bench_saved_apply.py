"""``reconciler apply FILE`` (a saved plan) against ``apply PATH``: 1,000 updates at 20 ms.

Before its first write, ``apply FILE`` reads again every object the plan touches: with 1,000
of them that is one listing. It must add at most one listing's time to the same apply from
the configuration. Every sample starts a fresh sandbox in this process (a thread) seeded with
``--count`` institutes, ``--updates`` of which differ from the YAML, with 20 ms of latency per
request; the sides take turns:

- ``apply PATH``: the whole process ``reconciler apply DIR --auto-approve`` (load the YAML, list,
  plan, apply);
- ``apply FILE``: ``reconciler plan DIR --out plan.json`` (not timed), then the whole process
  ``reconciler apply plan.json`` (read the saved plan, the staleness check, apply);
- ``listing``: a process that lists every institute with the project's client, timing the
  listing alone: the allowance.

Goal: ``(apply FILE - apply PATH) / listing`` at most 1 (the median of each side). Every
apply must leave every institute updated.

Run: ``python benchmarks/bench_saved_apply.py [--count 10000] [--updates 1000] [--runs 3]
[--write-baseline]``; writes ``benchmarks/baseline/saved_apply.json``; exits 1 when the goal
is missed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import harness

from reconciler_proctorexam.sandbox import Faults, Sandbox

GOAL_LISTINGS = 1.0

#: One listing of every institute, timed inside the process (imports and start-up left out).
LISTING = r"""
import asyncio, os, time
from reconciler.records import ProviderContext
from reconciler_proctorexam.client import ProctorExamClient
from reconciler_proctorexam.config import resolve_settings

async def main():
    context = ProviderContext(options={}, environ=os.environ, parallelism=4)
    async with ProctorExamClient(resolve_settings(context)) as client:
        started = time.perf_counter()
        institutes = await client.list_institutes()
        print(time.perf_counter() - started, len(institutes))

asyncio.run(main())
"""


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    report = harness.start("saved_apply", argv, tls=args.tls, speedups=not args.no_speedups)
    seed = [harness.live_institute(i) for i in range(args.count)]
    faults = Faults(latency=args.latency)
    problems: list[str] = []

    def run(saved: bool) -> Callable[[], harness.Sample]:
        def sample() -> harness.Sample:
            with tempfile.TemporaryDirectory() as tmp:
                config = harness.write_project(Path(tmp) / "config", args.count, args.updates)
                with Sandbox(seed=seed, faults=faults, tls=args.tls) as sandbox:
                    env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
                    if saved:
                        plan_file = str(Path(tmp) / "plan.json")
                        # From the checkout's root: a saved plan names its config from there.
                        harness.run_process(
                            harness.reconciler("plan", str(config), "--out", plan_file),
                            env=env,
                            cwd=Path(tmp),
                        )
                        argv = harness.reconciler("apply", plan_file)
                    else:
                        argv = harness.reconciler("apply", str(config), "--auto-approve")
                    applied = harness.run_process(argv, env=env, cwd=Path(tmp))
                    updated = sum(not i["exam_link_emails_enabled"] for i in sandbox.institutes())
            if applied.returncode != 0 or updated != args.updates:
                problems.append(
                    f"{argv[3:]}: exited {applied.returncode}, {updated} of {args.updates} updated"
                    f"\n{applied.stderr[-1500:]}"
                )
            return applied

        return sample

    listings: list[float] = []

    def listing() -> harness.Sample:
        with Sandbox(seed=seed, faults=faults, tls=args.tls) as sandbox:
            env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
            done = harness.run_process([sys.executable, "-c", LISTING], env=env)
        seconds, count = done.stdout.split()
        assert int(count) == args.count, done.stdout
        listings.append(float(seconds))
        return done

    samples = harness.interleave(
        {"apply PATH": run(saved=False), "apply FILE": run(saved=True), "listing": listing},
        args.runs,
    )
    path = harness.median_seconds(samples["apply PATH"])
    file = harness.median_seconds(samples["apply FILE"])
    one_listing = statistics.median(listings)
    added = (file - path) / one_listing
    report.figures = {
        "count": args.count,
        "updates": args.updates,
        "latency": args.latency,
        "runs": args.runs,
        "apply_path_seconds": harness.seconds(samples["apply PATH"]),
        "apply_file_seconds": harness.seconds(samples["apply FILE"]),
        "listing_seconds": harness.spread(listings),
        "file_minus_path_in_listings": round(added, 2),
    }
    report.check("(apply FILE - apply PATH) / listing", added, at_most=GOAL_LISTINGS)
    report.missed.extend(problems)
    return report.finish(args.write_baseline)


if __name__ == "__main__":
    sys.exit(main())
