"""``reconciler apply`` of 1,000 updates under the service's rate limit: the pace it learns.

The sandbox answers 429 above ``--rps-limit`` requests per second (a token bucket, as a
service's limiter is), which the client is not told: it starts unpaced, meets the limit, and
learns a pace from the 429s (``reconciler/http/ratelimit.py``). Every sample starts a
fresh sandbox seeded with ``--count`` institutes that all differ from the YAML in one field;
``reconciler plan DIR`` and then ``reconciler apply DIR --auto-approve`` run against it as
whole processes (the plan saved with ``--out`` and applied as a pipeline does), and the
updates' time is compared with the limit's ideal:

    (apply - plan) / (updates / rps_limit)

Goal: at most 1.1. The 429s the apply provoked are counted from the sandbox's request log,
in all and after the first ten seconds of writes: once the pace is learnt there are to be
almost none (goal: at most 3 after ten seconds). Every apply must leave every institute
updated.

Run: ``python benchmarks/bench_ratelimit.py [--tls] [--count 1000] [--rps-limit 20]
[--latency 0.02] [--parallelism 16] [--runs 3] [--write-baseline]``; writes
``benchmarks/baseline/ratelimit.json`` (``ratelimit-tls.json`` with ``--tls``); exits 1 when a
goal is missed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import harness

from reconciler_proctorexam.sandbox import Faults, Sandbox

OVER_IDEAL = 1.1
LATE_429S = 3
LEARNING_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--count", type=int, default=1_000)
    parser.add_argument("--rps-limit", type=float, default=20.0)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--parallelism", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    report = harness.start("ratelimit", argv, tls=args.tls, speedups=not args.no_speedups)
    seed = [harness.live_institute(i) for i in range(args.count)]
    ideal = args.count / args.rps_limit
    ratios: list[float] = []
    provoked: list[int] = []
    late: list[int] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            config = harness.write_project(Path(tmp), args.count, args.count, args.parallelism)
            faults = Faults(latency=args.latency, rps_limit=args.rps_limit)
            with Sandbox(seed=seed, faults=faults, tls=args.tls) as sandbox:
                env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
                # The saved plan of a pipeline: one request per change. (An unattended
                # `apply DIR --auto-approve` re-reads each object before its write, two.)
                plan_file = str(Path(tmp) / "plan.json")
                plan = harness.run_process(
                    harness.reconciler("plan", str(config), "--out", plan_file), env=env, cwd=config
                )
                time.sleep(1.0)  # the allowance the plan used refills, as between CI jobs
                sandbox.clear_requests()
                apply = harness.run_process(
                    harness.reconciler("apply", plan_file), env=env, cwd=config
                )
                requests = sandbox.requests
                left = sum(i["exam_link_emails_enabled"] for i in sandbox.institutes())
        if plan.returncode != 0 or apply.returncode != 0 or left:
            report.missed.append(
                f"plan exited {plan.returncode}, apply {apply.returncode}, {left} institutes"
                f" left\n{apply.stderr[-1500:]}"
            )
            continue
        writes = [r.received_at for r in requests if r.is_write]
        first_write = min(writes)
        refused = [r.received_at - first_write for r in requests if r.status == 429]
        ratios.append((apply.seconds - plan.seconds) / ideal)
        provoked.append(len(refused))
        late.append(sum(1 for t in refused if t > LEARNING_SECONDS))
    if not ratios:
        return report.finish(args.write_baseline)
    ratio = statistics.median(ratios)
    late_median = statistics.median(late)
    report.figures.update(
        {
            "count": args.count,
            "rps_limit": args.rps_limit,
            "latency": args.latency,
            "parallelism": args.parallelism,
            "runs": args.runs,
            "ideal_seconds": ideal,
            "over_ideal": harness.spread(ratios),
            "429s_provoked": provoked,
            "429s_after_10s": late,
        }
    )
    report.check("apply under the rate limit / ideal", ratio, at_most=OVER_IDEAL)
    report.check("429s after the first ten seconds", late_median, at_most=LATE_429S)
    return report.finish(args.write_baseline)


if __name__ == "__main__":
    sys.exit(main())
