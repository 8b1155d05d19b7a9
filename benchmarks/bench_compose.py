"""What composition costs: ``reconciler plan`` of bench_plan's 10,000 institutes, written with
groups, an address glob and one environment overlay, against the same plan written plainly.

Both configurations declare the same values, so both plans hold the same ``--updates`` changes
against the same sandbox (20 ms per request, in this process):

- plain: ``benchmarks/harness.py``'s project, as ``bench_plan.py`` plans it;
- composed: a base directory whose institutes join a group (``group: langs``, which sets the
  languages) and match an address glob (which sets the retention period), and an environment
  that extends it, with ``${var:NAME}`` values from its vars file and one institute overridden.

The two are whole processes taking turns, ``--runs`` rounds. Goal: the median of the
round-by-round ratios composed / plain at most 1.10 (the CPU time's ratio is recorded beside).

Run: ``python benchmarks/bench_compose.py [--tls] [--count 10000] [--updates 1000] [--runs 9]
[--write-baseline]``; writes ``benchmarks/baseline/compose.json``; exits 1 when the goal is
missed.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import harness

from reconciler_proctorexam.sandbox import Faults, Sandbox

COMPOSED_OVER_PLAIN = 1.10


def write_composed(root: Path, count: int, updates: int) -> Path:
    """A base of ``count`` institutes with shared layers, and an environment extending it."""
    base = root / "base"
    base.mkdir(parents=True)
    (base / "groups.yaml").write_text(
        "defaults:\n"
        "  reminder_emails_enabled: true\n"
        '  "institute.inst-*":\n'
        "    session_retention_period: ${var:retention}\n"
        '  "group:langs":\n'
        "    custom_languages: ${var:languages}\n",
        encoding="utf-8",
    )
    lines = ["institutes:"]
    for i in range(count):
        lines += [
            f"  inst-{i:05d}:",
            f"    name: Institute {i}",
            "    group: langs",
            f"    exam_link_emails_enabled: {'false' if i < updates else 'true'}",
            f"    callback_url: https://callbacks.example.org/{i}",
        ]
    (base / "institutes.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = root / "production"
    env.mkdir()
    (env / "reconciler.toml").write_text(
        'extends = "../base"\nvars = "vars.yaml"\n\n[apply]\nparallelism = 4\n', encoding="utf-8"
    )
    (env / "vars.yaml").write_text("retention: 6\nlanguages: [fr-FR, no-NO]\n", encoding="utf-8")
    (env / "overrides.yaml").write_text(
        "institutes:\n  inst-00007:\n    name: Institute 7\n", encoding="utf-8"
    )
    return env


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    report = harness.start("compose", argv, tls=args.tls, speedups=not args.no_speedups)

    with tempfile.TemporaryDirectory() as tmp:
        plain = harness.write_project(Path(tmp) / "plain", args.count, args.updates)
        composed = write_composed(Path(tmp) / "composed", args.count, args.updates)
        seed = [harness.live_institute(i) for i in range(args.count)]
        with Sandbox(seed=seed, faults=Faults(latency=args.latency), tls=args.tls) as sandbox:
            env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
            cases = {
                "plain": lambda: harness.run_process(
                    harness.reconciler("plan", str(plain)), env=env
                ),
                "composed": lambda: harness.run_process(
                    harness.reconciler("plan", str(composed)), env=env
                ),
            }
            samples = harness.interleave(cases, args.runs)

    seen = {name: {_updates(s.stdout) for s in runs} for name, runs in samples.items()}
    if any(found != {args.updates} for found in seen.values()):
        report.missed.append(f"expected {args.updates} updates in both plans, saw {seen}")
    plain_s = harness.median_seconds(samples["plain"])
    composed_s = harness.median_seconds(samples["composed"])
    # Taken pair by pair (the two runs of a round are back to back): on a busy machine the
    # ratio of two medians mixes rounds that ran under different loads.
    pairs = [
        c.seconds / p.seconds for p, c in zip(samples["plain"], samples["composed"], strict=True)
    ]
    cpu_pairs = [
        c.cpu_seconds / p.cpu_seconds
        for p, c in zip(samples["plain"], samples["composed"], strict=True)
    ]
    report.figures = {
        "count": args.count,
        "updates": args.updates,
        "latency": args.latency,
        "runs": args.runs,
        "seconds": {name: harness.seconds(s) for name, s in samples.items()},
        "cpu_seconds": {
            name: harness.spread([x.cpu_seconds for x in s]) for name, s in samples.items()
        },
        "composed_over_plain_of_medians": round(composed_s / plain_s, 3),
        "composed_over_plain_by_pair": harness.spread(pairs),
        "cpu_composed_over_plain_by_pair": harness.spread(cpu_pairs),
    }
    ratio = float(harness.spread(pairs)["median"])
    report.check("composed / plain (median of pairs)", ratio, at_most=COMPOSED_OVER_PLAIN)
    return report.finish(args.write_baseline)


def _updates(text: str) -> int:
    found = re.search(r"(\d+) to update", text)
    return int(found.group(1)) if found else -1


if __name__ == "__main__":
    sys.exit(main())
