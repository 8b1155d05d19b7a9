"""``reconciler plan`` of 5,000 users in 1,000 institutes at 20 ms, and the requests it sends.

The sandbox runs in this process (a thread) with 20 ms of latency per request, seeded with
``--institutes`` institutes of ``--per-institute`` users each and two identity providers. The
config declares every user (so every institute is referred to) and no institute. Two whole
processes take turns, ``--runs`` rounds:

- ``list``: the users' YAML manages ``institute``, ``name``, ``role`` and
  ``identity_provider``, all in the list items; ``--changes`` of them change identity provider;
- ``show``: the same users also manage ``receives_reports``, which only a user's own page has;
  ``--changes`` of them change it;
- and, for the time that is not the network's, ``reconciler validate`` of the ``show`` config
  (start-up, reading and checking the YAML: everything a plan does before its first request).

What each must send, and no more: the pages of ``GET /institutes`` (to find the institutes
named), one ``GET /institutes/:id/users`` per institute, one ``GET /identity_providers``; and
for ``show``, one ``GET /institutes/:id/users/:id`` per declared user. The goals: exactly
those counts, every run; and each plan's time beyond ``validate`` within 1.5 of the ideal,
``requests * latency / parallelism`` (the time the requests take when ``parallelism`` are
always in flight).

``--large`` is a university tenant: 50,000 users in 2,000 institutes at 50 ms, the ``list``
case only, within 1.3 of the ideal and at most 400 MB of peak memory.

Run: ``python benchmarks/bench_users.py [--tls] [--large] [--institutes 1000]
[--per-institute 5] [--changes 500] [--latency 0.02] [--parallelism 8] [--runs 3]
[--write-baseline]``; writes ``benchmarks/baseline/users.json`` (``users-large``, and
``-tls`` with ``--tls``); exits 1 when a goal is missed.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness

from reconciler_proctorexam.client import PAGE_LIMIT
from reconciler_proctorexam.sandbox import Faults, Sandbox

OVER_IDEAL = 1.5
LARGE_OVER_IDEAL, LARGE_RSS_MB = 1.3, 400.0
PROVIDERS = [{"id": 1, "name": "Campus SAML"}, {"id": 2, "name": "Other SAML"}]


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--institutes", type=int, default=1_000)
    parser.add_argument("--per-institute", type=int, default=5)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--large",
        action="store_true",
        help="a university tenant: 50,000 users in 2,000 institutes at 50 ms, the list case"
        f" only, goal {LARGE_OVER_IDEAL} and {LARGE_RSS_MB:g} MB (baseline users-large.json)",
    )
    args = parser.parse_args(argv)
    if args.large:
        args.institutes, args.per_institute, args.latency = 2_000, 25, 0.05
    chosen = ("list",) if args.large else ("list", "show")
    goal = LARGE_OVER_IDEAL if args.large else OVER_IDEAL
    report = harness.start(
        "users-large" if args.large else "users", argv, tls=args.tls, speedups=not args.no_speedups
    )

    users = args.institutes * args.per_institute
    listings = -(-args.institutes // PAGE_LIMIT) + args.institutes + 1
    expected = {"list": listings, "show": listings + users}
    expected = {name: expected[name] for name in chosen}
    seed = {
        "institutes": [{**harness.live_institute(i), "id": i + 1} for i in range(args.institutes)],
        "identity_providers": PROVIDERS,
        "users": [_live_user(n, args.per_institute) for n in range(users)],
    }
    counts: dict[str, list[Counter[str]]] = {name: [] for name in chosen}
    with tempfile.TemporaryDirectory() as tmp:
        configs = {
            case: _write_project(Path(tmp) / case, users, args, reports=case == "show")
            for case in expected
        }
        with Sandbox(seed=seed, faults=Faults(latency=args.latency), tls=args.tls) as sandbox:
            env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)

            def case(name: str) -> Callable[[], harness.Sample]:
                def run() -> harness.Sample:
                    sandbox.clear_requests()
                    sample = harness.run_process(
                        harness.reconciler("plan", str(configs[name])), env=env
                    )
                    counts[name].append(Counter(_route(r.path) for r in sandbox.requests))
                    return sample

                return run

            cases = {name: case(name) for name in expected}
            cases["validate"] = lambda: harness.run_process(
                harness.reconciler("validate", str(configs[chosen[-1]])), env=env
            )
            samples = harness.interleave(cases, args.runs)

    requests: dict[str, Any] = {}
    for name, seen in counts.items():
        totals = {sum(c.values()) for c in seen}
        requests[name] = {"total": sorted(totals), "by_route": dict(seen[0])}
        if totals != {expected[name]}:
            report.missed.append(f"{name}: sent {sorted(totals)} requests, not {expected[name]}")
        planned = {_updates(s.stdout) for s in samples[name]}
        if planned != {args.changes}:
            report.missed.append(f"{name}: expected {args.changes} updates, saw {planned}")
    ideal = {name: expected[name] * args.latency / args.parallelism for name in expected}
    offline = harness.median_seconds(samples["validate"])
    over = {
        name: round((harness.median_seconds(samples[name]) - offline) / ideal[name], 2)
        for name in expected
    }
    report.figures = {
        "institutes": args.institutes,
        "users": users,
        "changes": args.changes,
        "latency": args.latency,
        "parallelism": args.parallelism,
        "runs": args.runs,
        "expected_requests": expected,
        "requests": requests,
        "seconds": {name: harness.seconds(s) for name, s in samples.items()},
        "cpu_seconds": {
            name: harness.spread([x.cpu_seconds for x in s]) for name, s in samples.items()
        },
        "ideal_seconds": {name: round(value, 3) for name, value in ideal.items()},
        "network_over_ideal": over,
        "peak_rss_mb": {
            name: harness.spread([x.maxrss_mb for x in s], 1) for name, s in samples.items()
        },
    }
    for name in expected:
        report.check(f"{name}: (plan - validate) / ideal", over[name], at_most=goal)
        rss = report.figures["peak_rss_mb"][name]["median"]
        report.check(f"{name}: peak RSS (MB)", rss, at_most=LARGE_RSS_MB)
    return report.finish(args.write_baseline)


def _live_user(n: int, per_institute: int) -> dict[str, Any]:
    return {
        "id": n + 1,
        "institute_id": n // per_institute + 1,
        "email": f"user-{n:05d}@example.org",
        "name": f"User {n}",
        "role": "teacher" if n % per_institute else "administrator",
        "omniauth_config_id": 1,
        "receives_reports": False,
        "report_frequency": "week",
    }


def _write_project(directory: Path, users: int, args: Any, *, reports: bool) -> Path:
    """Every user declared as live, the first ``changes`` changed (provider, or reports)."""
    directory.mkdir(parents=True)
    # Bulk changes by design: the bulk-change guard is told so (a share of 1 turns it off).
    (directory / "reconciler.toml").write_text(
        f"[apply]\nparallelism = {args.parallelism}\n[safety]\nmax_change_share = 1.0\n"
    )
    lines = ["users:"]
    for n in range(users):
        live = _live_user(n, args.per_institute)
        changed = n < args.changes
        lines += [
            f"  {live['email']}:",
            f"    institute: inst-{live['institute_id'] - 1:05d}",
            f"    name: {live['name']}",
            f"    role: {live['role']}",
            f"    identity_provider: {'Other SAML' if changed and not reports else 'Campus SAML'}",
        ]
        if reports:
            lines.append(f"    receives_reports: {'true' if changed else 'false'}")
    (directory / "users.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def _route(path: str) -> str:
    """``/api/v3/institutes/7/users/12`` -> ``/institutes/:id/users/:id``."""
    return re.sub(r"/[0-9]+", "/:id", path.removeprefix("/api/v3"))


def _updates(text: str) -> int:
    found = re.search(r"(\d+) to update", text)
    return int(found.group(1)) if found else -1


if __name__ == "__main__":
    sys.exit(main())
