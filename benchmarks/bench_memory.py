"""Peak memory of ``reconciler plan`` at 10,000 and 50,000 institutes.

For each size, a fresh sandbox in this process serves the institutes (no latency: memory is
the question) and ``reconciler plan DIR`` runs as a whole process, ``--runs`` times, sizes
taking turns. The figure is the ``ru_maxrss`` that ``os.wait4`` reports for that process: the
plan's own peak, not this script's, not a floor's.

Goals: at most 100 MB at 10,000 and 400 MB at 50,000 institutes.

Run: ``python benchmarks/bench_memory.py [--runs 3] [--write-baseline]``; writes
``benchmarks/baseline/memory.json``; exits 1 when a goal is missed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import harness

from reconciler_proctorexam.sandbox import Sandbox

GOALS_MB = {10_000: 100.0, 50_000: 400.0}


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    report = harness.start("memory", argv, tls=args.tls, speedups=not args.no_speedups)

    peaks: dict[int, list[float]] = {count: [] for count in GOALS_MB}
    with tempfile.TemporaryDirectory() as tmp:
        configs = {
            count: harness.write_project(Path(tmp) / str(count), count, count // 10)
            for count in GOALS_MB
        }
        for _ in range(args.runs):
            for count, config in configs.items():
                seed = [harness.live_institute(i) for i in range(count)]
                with Sandbox(seed=seed, tls=args.tls) as sandbox:
                    sample = harness.run_process(
                        harness.reconciler("plan", str(config)),
                        env=harness.sandbox_env(sandbox.base_url, sandbox.ca_file),
                    )
                if sample.returncode != 0 or f"{count // 10} to update" not in sample.stdout:
                    raise SystemExit(f"plan of {count} failed:\n{sample.stderr[-2000:]}")
                peaks[count].append(sample.maxrss_mb)

    report.figures = {
        "runs": args.runs,
        "peak_rss_mb": {str(count): harness.spread(values, 1) for count, values in peaks.items()},
    }
    for count, goal in GOALS_MB.items():
        median = report.figures["peak_rss_mb"][str(count)]["median"]
        report.check(f"plan peak RSS at {count:,} (MB)", median, at_most=goal)
    return report.finish(args.write_baseline)


if __name__ == "__main__":
    sys.exit(main())
