"""The requests of the apply benchmark, counted: what write verification adds to them.

Times on a shared machine move from run to run; a request count does not. This runs the apply
benchmark's case (``--count`` institutes, each differing in one field, ``reconciler apply DIR
--auto-approve`` in a fresh process against a fresh sandbox, no faults) and counts the
requests the sandbox received, by what they were:

- ``listing``: the plan's pages of ``GET /institutes``;
- ``re-read before the write``: a ``GET /institutes/:id`` of an object before its update
  (``apply PATH --auto-approve`` reads each object again just before writing it);
- ``writes``: the updates;
- ``verification read-backs``: a ``GET /institutes/:id`` of an object after its update, which
  write verification sends only for a field the update's answer lacks. The sandbox's answers
  carry every field, so this must be 0: verification compares the answer it already has.

``--saved`` counts ``reconciler apply plan.json`` of a saved plan instead (checked once, by
listing, before its first write; no re-read per object): the same writes, so the difference
before and after a change is what verification alone adds.

``--source DIR`` runs the code of another checkout (its ``reconciler`` and ``plugins/``
first on ``PYTHONPATH``), to count the same case before a change:

    git archive <commit> | tar -x -C /tmp/before
    python benchmarks/bench_apply_requests.py --source /tmp/before

Run: ``python benchmarks/bench_apply_requests.py [--count 1000] [--source DIR] [--write]``;
``--write`` stores the counts in ``benchmarks/baseline/apply_requests.json`` under ``--label``.
Exits 1 when a verification read-back was sent or the apply did not converge.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

import harness

from reconciler_proctorexam.sandbox import Sandbox

OUT = harness.BASELINES / "apply_requests.json"


def count(institutes: int, source: Path | None, *, saved: bool = False) -> dict[str, int]:
    seed = [harness.live_institute(i) for i in range(institutes)]
    with tempfile.TemporaryDirectory() as tmp:
        config = harness.write_project(Path(tmp), institutes, institutes, 4)
        with Sandbox(seed=seed) as sandbox:
            env = harness.sandbox_env(sandbox.base_url)
            if source is not None:
                paths = [str(source), str(source / "plugins"), env.get("PYTHONPATH", "")]
                env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
            if saved:
                plan_file = str(Path(tmp) / "plan.json")
                # Run from the directory that holds the config: a saved plan names its
                # configuration relative to where it is applied.
                made = harness.run_process(
                    harness.reconciler("plan", str(config), "--out", plan_file), env=env, cwd=config
                )
                if made.returncode != 0:
                    raise SystemExit(f"plan --out failed:\n{made.stderr[-1500:]}")
                sandbox.clear_requests()
                command = harness.reconciler("apply", plan_file)
            else:
                command = harness.reconciler("apply", str(config), "--auto-approve")
            applied = harness.run_process(command, env=env, cwd=config)
            left = sum(i["exam_link_emails_enabled"] for i in sandbox.institutes())
            requests = sandbox.requests
    if applied.returncode != 0 or left:
        raise SystemExit(f"the apply did not converge ({left} left):\n{applied.stderr[-1500:]}")
    kinds: Counter[str] = Counter()
    written: set[str] = set()
    for record in requests:
        if record.method == "GET" and record.path.rstrip("/").endswith("/institutes"):
            kinds["listing"] += 1
        elif record.method == "GET":
            after = record.path in written
            kinds["verification read-backs" if after else "re-read before the write"] += 1
        else:
            kinds["writes"] += 1
            written.add(record.path)
    figures = {
        "total": len(requests),
        **{
            k: kinds[k]
            for k in ("listing", "re-read before the write", "writes", "verification read-backs")
        },
    }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000)
    parser.add_argument("--source", type=Path, help="run the code of this checkout instead")
    parser.add_argument("--label", default="after", help="the name the counts are stored under")
    parser.add_argument(
        "--saved", action="store_true", help="apply a saved plan (plan --out, apply FILE) instead"
    )
    parser.add_argument("--write", action="store_true", help=f"store the counts in {OUT.name}")
    args = parser.parse_args(argv)
    figures = count(args.count, args.source, saved=args.saved)
    print(json.dumps({args.label: figures}, indent=2))
    if args.write:
        stored = json.loads(OUT.read_text()) if OUT.exists() else {}
        stored.update({"count": args.count, args.label: figures})
        OUT.write_text(json.dumps(stored, indent=2) + "\n")
    return 1 if figures["verification read-backs"] else 0


if __name__ == "__main__":
    sys.exit(main())
