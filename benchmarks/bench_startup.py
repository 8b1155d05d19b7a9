"""Start-up: ``reconciler validate`` of a one-institute config against ``python -c pass``.

Whole processes take turns, ``--runs`` rounds: the interpreter doing nothing (the floor: no
command can start faster), ``reconciler validate`` of a config with one institute (what a
pre-commit hook or an editor runs on every save), and, for the record, ``reconciler --help``.
What separates the first two is almost all imports: the plugins, the YAML reader, the schema
validator, and anything a command loads without using it.

Goal: validate / ``python -c pass`` at most 8.

Run: ``python benchmarks/bench_startup.py [--runs 20] [--write-baseline]``; writes
``benchmarks/baseline/startup.json``; exits 1 when the goal is missed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import harness

VALIDATE_OVER_PYTHON = 8.0


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    report = harness.start("startup", argv, speedups=not args.no_speedups)

    env = harness.sandbox_env("")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "institutes.yaml"
        path.write_text("institutes:\n  pe:\n    name: ProctorExam\n", encoding="utf-8")
        cases = {
            "python -c pass": lambda: harness.run_process([sys.executable, "-c", "pass"], env=env),
            "validate": lambda: harness.run_process(
                harness.reconciler("validate", str(path)), env=env
            ),
            "--help": lambda: harness.run_process(harness.reconciler("--help"), env=env),
        }
        samples = harness.interleave(cases, args.runs)

    floor = harness.median_seconds(samples["python -c pass"])
    ratio = harness.median_seconds(samples["validate"]) / floor
    report.figures = {
        "runs": args.runs,
        "seconds": {name: harness.seconds(s) for name, s in samples.items()},
        "validate_over_python": round(ratio, 2),
        "help_over_python": round(harness.median_seconds(samples["--help"]) / floor, 2),
    }
    report.check("validate / python -c pass", ratio, at_most=VALIDATE_OVER_PYTHON)
    return report.finish(args.write_baseline)


if __name__ == "__main__":
    sys.exit(main())
