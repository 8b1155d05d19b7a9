"""``reconciler apply`` of 1,000 updates: parallelism 1, 4 and 16, and under 5% 429s.

Every sample starts a fresh sandbox in this process (a thread), seeded with ``--count``
institutes that all differ from the YAML in one field, with ``--latency`` per request (20 ms,
or 100 ms for the far service). Two paths are measured, each as two whole processes against
the sandbox, the first timed as the baseline of the second:

- **saved**: ``reconciler plan DIR --out plan.json`` (start-up, loading, listing, diff, the
  saved plan written), then ``reconciler apply plan.json``: the GitOps path, a plan reviewed
  and then applied as it stands (``--auto-approve``: CI has no terminal; it re-reads what it
  touches with one listing, then writes);
- **auto**: ``reconciler plan DIR``, then ``reconciler apply DIR --auto-approve``, which plans
  again and reads each object once more just before its write (so that a change made since
  the plan is never overwritten), then writes.

The second's time beyond the first is the time its writes took. It is compared with the ideal:
the requests the apply sent beyond the plan's, each taking ``latency``, with ``parallelism``
always in flight (for **saved**, the 1,000 updates; for **auto**, each update's read and its
write):

    (apply - plan) / ((apply requests - plan requests) x latency / parallelism)

Goals, on the **saved** and the **auto** path alike: at 20 ms, at most 1.3 at parallelism 16 and
1.15 at parallelism 4 (parallelism 1 is reported, with no goal); at 100 ms, at most 1.15 at
parallelism 16. Under injected 429s (5% of requests at random, ``Retry-After: 1``, parallelism
4, the saved path), the whole apply takes at most 2x the same apply without faults; the 429s
the run provoked are counted and reported, so that speed is never bought with rudeness: a
client that retried faster would provoke more of them.

Every apply must leave every institute updated. The client's CPU per update, ``(apply CPU -
plan CPU) / updates``, is reported beside each figure: the sandbox answers every request in
one Python thread, so at high parallelism the wall-clock figure can be bounded by the emulator
rather than by the client.

Run: ``python benchmarks/bench_apply.py [--tls] [--count 1000] [--latency 0.02]
[--parallelism 1 4 16] [--path saved auto] [--runs 3] [--write-baseline]``; writes
``benchmarks/baseline/apply.json`` (``apply-100ms.json`` at 100 ms; ``-tls`` with ``--tls``);
exits 1 when a goal is missed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import harness

from reconciler_proctorexam.sandbox import Faults, Sandbox

#: Goals by latency, then parallelism: (apply - plan) / ideal at most this.
GOALS = {0.02: {16: 1.3, 4: 1.15}, 0.1: {16: 1.15}}
FAULTED_OVER_CLEAN = 2.0
RATE_429, FAULT_SEED = 0.05, 12


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--count", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--path", nargs="+", choices=["saved", "auto"], default=["saved", "auto"])
    args = parser.parse_args(argv)
    baseline = "apply" if args.latency == 0.02 else f"apply-{round(args.latency * 1000)}ms"
    report = harness.start(baseline, argv, tls=args.tls, speedups=not args.no_speedups)
    goals = GOALS.get(args.latency, {})
    seed = [harness.live_institute(i) for i in range(args.count)]
    problems: list[str] = []

    def measure(path: str, parallelism: int, faults: Faults) -> Callable[[], dict[str, float]]:
        def run() -> dict[str, float]:
            with tempfile.TemporaryDirectory() as tmp:
                config = harness.write_project(Path(tmp), args.count, args.count, parallelism)
                saved = Path(tmp) / "plan.json"
                if path == "saved":
                    planning = ["plan", str(config), "--out", str(saved)]
                    applying = ["apply", str(saved), "--auto-approve"]
                else:
                    planning = ["plan", str(config)]
                    applying = ["apply", str(config), "--auto-approve"]
                with Sandbox(seed=seed, faults=faults, tls=args.tls) as sandbox:
                    env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
                    plan = harness.run_process(
                        harness.reconciler(*planning), env=env, cwd=Path(tmp)
                    )
                    planned = len(sandbox.requests)
                    sandbox.clear_requests()
                    apply = harness.run_process(
                        harness.reconciler(*applying), env=env, cwd=Path(tmp)
                    )
                    requests = sandbox.requests
                    left = sum(i["exam_link_emails_enabled"] for i in sandbox.institutes())
            if plan.returncode != 0 or apply.returncode != 0 or left:
                problems.append(
                    f"{path}, parallelism {parallelism}: plan exited {plan.returncode}, apply"
                    f" {apply.returncode}, {left} institutes left\n{apply.stderr[-1500:]}"
                )
            return {
                "plan": plan.seconds,
                "apply": apply.seconds,
                "plan_cpu": plan.cpu_seconds,
                "apply_cpu": apply.cpu_seconds,
                # The client's CPU per update: what the apply process spends beyond its plan.
                "client_cpu_ms_per_update": (apply.cpu_seconds - plan.cpu_seconds)
                * 1000
                / args.count,
                "requests": len(requests),
                # What the apply sent beyond its plan: the writes (and, for auto, the re-reads).
                "beyond_plan": len(requests) - planned,
                "429s": sum(r.status == 429 for r in requests),
            }

        return run

    clean = Faults(latency=args.latency)
    faulted = Faults(latency=args.latency, rate_429=RATE_429, retry_after=1, seed=FAULT_SEED)
    cases = {
        f"{path}, parallelism {p}": measure(path, p, clean)
        for path in args.path
        for p in args.parallelism
    }
    if 4 in args.parallelism and "saved" in args.path:
        cases["saved, parallelism 4, 5% 429"] = measure("saved", 4, faulted)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, case in cases.items():
            samples[name].append(case())
    if problems:  # a failed apply has no figure worth computing
        raise SystemExit("\n".join(problems))

    figures: dict[str, object] = {
        "count": args.count,
        "updates": args.count,
        "latency": args.latency,
        "runs": args.runs,
    }
    for name, runs in samples.items():
        figure: dict[str, object] = {
            key: harness.spread([r[key] for r in runs])
            for key in ("plan", "apply", "plan_cpu", "apply_cpu", "client_cpu_ms_per_update")
        }
        figure["requests"] = harness.spread([r["requests"] for r in runs], 0)
        figure["beyond_plan"] = harness.spread([r["beyond_plan"] for r in runs], 0)
        figure["429s"] = harness.spread([r["429s"] for r in runs], 0)
        if "429" not in name:
            parallelism = int(name.split()[-1])
            ideals = [r["beyond_plan"] * args.latency / parallelism for r in runs]
            ratios = [(r["apply"] - r["plan"]) / i for r, i in zip(runs, ideals, strict=True)]
            figure["ideal"] = harness.spread(ideals)
            figure["over_ideal"] = harness.spread(ratios, 2)
            if parallelism in goals:
                report.check(
                    f"{name}: (apply - plan) / ideal",
                    statistics.median(ratios),
                    at_most=goals[parallelism],
                )
        figures[name] = figure
    if "saved, parallelism 4, 5% 429" in samples:
        faulted = samples["saved, parallelism 4, 5% 429"]
        faulted_apply = statistics.median(r["apply"] for r in faulted)
        clean_apply = statistics.median(r["apply"] for r in samples["saved, parallelism 4"])
        figures["faulted_over_clean"] = round(faulted_apply / clean_apply, 2)
        report.check(
            "5% 429: apply / clean apply", faulted_apply / clean_apply, at_most=FAULTED_OVER_CLEAN
        )
    report.figures = figures
    report.missed.extend(problems)
    return report.finish(args.write_baseline)


if __name__ == "__main__":
    sys.exit(main())
