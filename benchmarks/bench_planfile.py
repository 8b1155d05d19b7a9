"""Reading a saved plan of 10,000 changes: the file read, its JSON Schema checked, the plan built.

The plan is written the way ``reconciler plan --format json`` writes one (10,000 updates of two
fields each, with their locations). Each sample is a fresh process that imports the reader,
then times reading the file into a :class:`~reconciler.model.Plan` (what ``apply`` of a saved
plan does before anything else), so that the figure is the reading alone, without the
interpreter's start-up. Samples are the median of ``--runs`` processes.

Goal: at most 0.3 s.

Run: ``python benchmarks/bench_planfile.py [--changes 10000] [--runs 7] [--write-baseline]``;
writes ``benchmarks/baseline/planfile.json``; exits 1 when the goal is missed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import harness

GOAL_SECONDS = 0.3

CHILD = r"""
import sys, time
from pathlib import Path
from reconciler.documents.versioned import read_json
from reconciler.documents.plan import plan_from_document

path = Path(sys.argv[1])
started = time.perf_counter()
plan = plan_from_document(read_json(path, what="a plan", remedy=""), source=str(path))
elapsed = time.perf_counter() - started
print(elapsed, len(plan.changes))
"""


def write_plan(path: Path, changes: int) -> None:
    from reconciler.documents.plan import plan_to_document
    from reconciler.documents.versioned import write_document
    from reconciler.model import Action, Change, FieldChange, Location, Plan

    file = "institutes.yaml"
    plan = Plan(
        changes=tuple(
            Change(
                Action.UPDATE,
                "institute",
                f"inst-{i:05d}",
                (
                    FieldChange(
                        "exam_link_emails_enabled", True, False, Location(file, 6 * i + 3, 5)
                    ),
                    FieldChange(
                        "custom_languages",
                        ["fr-FR"],
                        ["fr-FR", "no-NO"],
                        Location(file, 6 * i + 4, 5),
                    ),
                ),
                Location(file, 6 * i + 2, 3),
                ref=str(i + 1),
                fingerprint=f"2026-11-28T10:00:{i % 60:02d}Z",
            )
            for i in range(changes)
        ),
        live_count=changes,
    )
    write_document(path, plan_to_document(plan))


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    report = harness.start("planfile", argv, speedups=not args.no_speedups)

    timings: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        write_plan(path, args.changes)
        size_mb = path.stat().st_size / 1e6
        for _ in range(args.runs):
            sample = harness.run_process(
                [sys.executable, "-c", CHILD, str(path)], env=harness.sandbox_env("")
            )
            if sample.returncode != 0:
                raise SystemExit(sample.stderr)
            elapsed, read = sample.stdout.split()
            if int(read) != args.changes:
                report.missed.append(f"read {read} changes, not {args.changes}")
            timings.append(float(elapsed))

    report.figures = {
        "changes": args.changes,
        "file_mb": round(size_mb, 2),
        "runs": args.runs,
        "seconds": harness.spread(timings),
    }
    report.check(
        "reading the saved plan (s)", report.figures["seconds"]["median"], at_most=GOAL_SECONDS
    )
    return report.finish(args.write_baseline)


if __name__ == "__main__":
    sys.exit(main())
