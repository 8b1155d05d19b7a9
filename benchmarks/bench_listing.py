"""Listing 10,000 institutes: concurrent pages against one page at a time.

Runs the ProctorExam sandbox in-process with 20 ms of latency per request and lists every
institute with the real client, first with the pages fetched concurrently (``parallelism``
4 and 8), then with a client that may have one request in flight. Prints the median of a few
runs of each, and the speed-up. Run it as::

    python benchmarks/bench_listing.py [--count 10000] [--latency 0.02] [--runs 5]

``--write-baseline`` stores the numbers in ``benchmarks/baseline/listing.json`` (refused on a
busy machine, see ``harness.py``); later runs print how they compare with it. ``--check``
exits 1 when the concurrent listing got more than 1.5 times slower relative to the
one-at-a-time listing of the same run (a ratio, so that the check does not depend on the
machine). This one runs in-process: it compares the client with itself, not with a floor.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import harness

from reconciler_proctorexam.client import PAGE_LIMIT, ProctorExamClient
from reconciler_proctorexam.config import ClientSettings, Credentials
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Faults, Sandbox

BASELINE = Path(__file__).parent / "baseline" / "listing.json"


async def _list_once(settings: ClientSettings, expected: int) -> float:
    async with ProctorExamClient(settings) as client:
        started = time.perf_counter()
        institutes = await client.list_institutes()
        elapsed = time.perf_counter() - started
    if len(institutes) != expected:
        raise SystemExit(f"listed {len(institutes)} institutes, expected {expected}")
    return elapsed


def measure(
    base_url: str, parallelism: int, runs: int, expected: int, ca_file: Path | None
) -> float:
    """The median seconds of ``runs`` full listings with ``parallelism`` requests in flight."""
    settings = ClientSettings(
        base_url=base_url,
        credentials=Credentials(DEFAULT_TOKEN, DEFAULT_SECRET, "the sandbox"),
        parallelism=parallelism,
        ca_bundle=ca_file,
    )
    return statistics.median(asyncio.run(_list_once(settings, expected)) for _ in range(runs))


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--count", type=int, default=10_000, help="institutes to list")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--runs", type=int, default=5, help="runs per setting (median)")
    parser.add_argument("--check", action="store_true", help="fail on a regression")
    args = parser.parse_args(argv)
    report = harness.start("listing", argv, tls=args.tls, speedups=not args.no_speedups)

    seed = [{"name": f"Institute {n}", "short_name": f"i{n:06d}"} for n in range(args.count)]
    pages = max(1, -(-args.count // PAGE_LIMIT))
    results: dict[str, float] = {}
    with Sandbox(seed=seed, faults=Faults(latency=args.latency), tls=args.tls) as sandbox:
        for parallelism in (4, 8, 1):
            results[f"parallelism_{parallelism}"] = measure(
                sandbox.base_url, parallelism, args.runs, args.count, sandbox.ca_file
            )
            sandbox.clear_requests()

    floor = pages * args.latency
    print(
        f"Listing {args.count} institutes ({pages} pages of {PAGE_LIMIT}),"
        f" {args.latency * 1000:g} ms latency, median of {args.runs} runs:"
    )
    for name, seconds in results.items():
        print(f"  {name.replace('_', ' '):<15} {seconds:7.3f} s")
    speedup = results["parallelism_1"] / results["parallelism_4"]
    print(
        f"  speed-up at parallelism 4: {speedup:.1f}x (latency floor one at a time: {floor:.2f} s)"
    )
    print(
        f"  command: python benchmarks/bench_listing.py --count {args.count}"
        f" --latency {args.latency:g} --runs {args.runs}"
    )

    report.figures = {
        "count": args.count,
        "latency": args.latency,
        "runs": args.runs,
        "seconds": {name: round(value, 4) for name, value in results.items()},
        "speedup_parallelism_4": round(speedup, 2),
    }
    if BASELINE.exists():
        baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
        before = float(baseline.get("speedup_parallelism_4", 0.0))
        print(f"  baseline speed-up: {before:.1f}x ({BASELINE.name})")
        if args.check and before and speedup < before / 1.5:
            report.missed.append("concurrent listing is more than 1.5x slower than the baseline")
    return report.finish(args.write_baseline)


if __name__ == "__main__":
    sys.exit(main())
