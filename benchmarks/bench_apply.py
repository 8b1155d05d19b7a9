"""``reconciler apply`` of 1,000 updates at 20 ms: parallelism 1, 4 and 16, and under 5% 429s.

Every sample starts a fresh sandbox in this process (a thread), seeded with ``--count``
institutes that all differ from the YAML in one field, with 20 ms of latency per request. For
each setting, two whole processes run against it: ``reconciler plan DIR`` (start-up, loading,
listing, diff) and then ``reconciler apply DIR --auto-approve``, which does the same and then
the updates. Their difference is the time the updates took, compared with the ideal
``updates x latency / parallelism``:

    (apply - plan) / (updates x latency / parallelism)

Goals: at most 1.5 at parallelism 16 and 1.15 at parallelism 4 (parallelism 1 is reported,
with no goal). Under injected 429s (5% of requests at random, ``Retry-After: 1``, parallelism
4), the whole apply takes at most 2x the same apply without faults; the 429s the run provoked
are counted and reported, so that speed is never bought with rudeness: a client that
retried faster would provoke more of them.

Every apply must leave every institute updated and the next plan empty. The client's CPU per
update, ``(apply CPU - plan CPU) / updates``, is reported beside each figure: the sandbox
answers every request in one Python thread, so at high parallelism the wall-clock figure can
be bounded by the emulator rather than by the client.

Run: ``python benchmarks/bench_apply.py [--count 1000] [--latency 0.02] [--runs 3]
[--write-baseline]``; writes ``benchmarks/baseline/apply.json``; exits 1 when a goal is missed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import harness

from reconciler_proctorexam.sandbox import Faults, Sandbox

GOALS = {16: 1.5, 4: 1.15}
FAULTED_OVER_CLEAN = 2.0
RATE_429, FAULT_SEED = 0.05, 12


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--count", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args(argv)
    report = harness.start("apply", argv, tls=args.tls)
    seed = [harness.live_institute(i) for i in range(args.count)]
    problems: list[str] = []

    def measure(parallelism: int, faults: Faults) -> Callable[[], dict[str, float]]:
        def run() -> dict[str, float]:
            with tempfile.TemporaryDirectory() as tmp:
                config = harness.write_project(Path(tmp), args.count, args.count, parallelism)
                with Sandbox(seed=seed, faults=faults, tls=args.tls) as sandbox:
                    env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
                    plan = harness.run_process(harness.reconciler("plan", str(config)), env=env)
                    sandbox.clear_requests()
                    apply = harness.run_process(
                        harness.reconciler("apply", str(config), "--auto-approve"), env=env
                    )
                    requests = sandbox.requests
                    left = sum(i["exam_link_emails_enabled"] for i in sandbox.institutes())
            if plan.returncode != 0 or apply.returncode != 0 or left:
                problems.append(
                    f"parallelism {parallelism} {faults}: plan exited {plan.returncode}, apply"
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
                "429s": sum(r.status == 429 for r in requests),
            }

        return run

    clean = Faults(latency=args.latency)
    faulted = Faults(latency=args.latency, rate_429=RATE_429, retry_after=1, seed=FAULT_SEED)
    cases = {f"parallelism {p}": measure(p, clean) for p in args.parallelism}
    if 4 in args.parallelism:
        cases["parallelism 4, 5% 429"] = measure(4, faulted)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, case in cases.items():
            samples[name].append(case())

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
        figure["429s"] = harness.spread([r["429s"] for r in runs], 0)
        if "429" not in name:
            parallelism = int(name.split()[-1])
            ideal = args.count * args.latency / parallelism
            ratios = [(r["apply"] - r["plan"]) / ideal for r in runs]
            figure["ideal"] = round(ideal, 3)
            figure["over_ideal"] = harness.spread(ratios, 2)
            if parallelism in GOALS:
                report.check(
                    f"{name}: (apply - plan) / ideal",
                    statistics.median(ratios),
                    at_most=GOALS[parallelism],
                )
        figures[name] = figure
    if "parallelism 4, 5% 429" in samples:
        faulted_apply = statistics.median(r["apply"] for r in samples["parallelism 4, 5% 429"])
        clean_apply = statistics.median(r["apply"] for r in samples["parallelism 4"])
        figures["faulted_over_clean"] = round(faulted_apply / clean_apply, 2)
        report.check(
            "5% 429: apply / clean apply", faulted_apply / clean_apply, at_most=FAULTED_OVER_CLEAN
        )
    report.figures = figures
    report.missed.extend(problems)
    return report.finish(args.write_baseline)


if __name__ == "__main__":
    sys.exit(main())
