"""``reconciler plan`` of 10,000 institutes at 20 ms, against the honest floor and a naive script.

The sandbox runs in this process (a thread) with 20 ms of latency per request, seeded with
``--count`` institutes of which ``--updates`` differ from the YAML. Three whole processes take
turns, ``--runs`` rounds:

- ``reconciler plan DIR``, as a user runs it: start-up, loading and validation, the listing,
  the diff, the printed plan;
- the floor, ``benchmarks/floor.py plan``: libyaml's events of the same YAML, overlapped with
  fetching every page at once (see that script);
- the naive script, ``benchmarks/naive_plan.py``: PyYAML ``CSafeLoader``, ``jsonschema`` per
  institute, the pages one at a time.

Goals: plan / floor at most 1.5; naive / plan at least 4.0; the peak memory of the plan process
(``os.wait4``'s ``ru_maxrss``) at most 100 MB. All three must see the same number of changes.

Run: ``python benchmarks/bench_plan.py [--tls] [--no-speedups] [--count 10000] [--updates 1000]
[--latency 0.02] [--runs 5] [--write-baseline]``; writes ``benchmarks/baseline/plan.json``
(``-tls``, ``-nospeedups``); exits 1 when a goal is missed.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import harness

from reconciler_proctorexam.client import PAGE_LIMIT
from reconciler_proctorexam.sandbox import Faults, Sandbox

PLAN_OVER_FLOOR, NAIVE_OVER_PLAN, MEMORY_MB = 1.5, 4.0, 100.0
HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--parallelism",
        type=int,
        default=4,
        help="[apply] parallelism of the config (the default, 4, bounds the listing's pages in"
        " flight too; the floor fetches them all at once); baseline plan-p<N> when not 4",
    )
    args = parser.parse_args(argv)
    name = "plan" if args.parallelism == 4 else f"plan-p{args.parallelism}"
    report = harness.start(name, argv, tls=args.tls, speedups=not args.no_speedups)

    pages = -(-args.count // PAGE_LIMIT)
    with tempfile.TemporaryDirectory() as tmp:
        config = harness.write_project(
            Path(tmp) / "config", args.count, args.updates, args.parallelism
        )
        seed = [harness.live_institute(i) for i in range(args.count)]
        with Sandbox(seed=seed, faults=Faults(latency=args.latency), tls=args.tls) as sandbox:
            env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
            py = sys.executable
            cases = {
                "plan": lambda: harness.run_process(
                    harness.reconciler("plan", str(config)), env=env
                ),
                "floor": lambda: harness.run_process(
                    [py, str(HERE / "floor.py"), "plan", str(config), "--pages", str(pages)],
                    env=env,
                ),
                "naive": lambda: harness.run_process(
                    [py, str(HERE / "naive_plan.py"), str(config)], env=env
                ),
            }
            samples = harness.interleave(cases, args.runs)

    planned = {_updates_in_plan(s.stdout) for s in samples["plan"]}
    naive = {_updates_in_naive(s.stdout) for s in samples["naive"]}
    floor_seen = {s.stdout.strip().rsplit(", ", 1)[-1] for s in samples["floor"]}
    if planned != {args.updates} or naive != {args.updates}:
        report.missed.append(f"expected {args.updates} updates; plan saw {planned}, naive {naive}")
    if floor_seen != {f"{args.count} institutes"}:
        report.missed.append(f"the floor listed {floor_seen}, not {args.count} institutes")

    plan = harness.median_seconds(samples["plan"])
    floor = harness.median_seconds(samples["floor"])
    naive_s = harness.median_seconds(samples["naive"])
    memory = harness.spread([s.maxrss_mb for s in samples["plan"]], 1)
    report.figures = {
        "count": args.count,
        "updates": args.updates,
        "latency": args.latency,
        "runs": args.runs,
        "parallelism": args.parallelism,
        "pages": pages,
        "seconds": {name: harness.seconds(s) for name, s in samples.items()},
        "cpu_seconds": {
            name: harness.spread([x.cpu_seconds for x in s]) for name, s in samples.items()
        },
        "plan_over_floor": round(plan / floor, 2),
        "naive_over_plan": round(naive_s / plan, 2),
        "plan_peak_rss_mb": memory,
    }
    report.check("plan / floor", plan / floor, at_most=PLAN_OVER_FLOOR)
    report.check("naive / plan", naive_s / plan, at_least=NAIVE_OVER_PLAN)
    report.check("plan peak RSS (MB)", memory["median"], at_most=MEMORY_MB)
    return report.finish(args.write_baseline)


def _updates_in_plan(text: str) -> int:
    found = re.search(r"(\d+) to update", text)
    return int(found.group(1)) if found else -1


def _updates_in_naive(text: str) -> int:
    found = re.search(r"(\d+) to change", text)
    return int(found.group(1)) if found else -1


if __name__ == "__main__":
    sys.exit(main())
