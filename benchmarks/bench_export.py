"""``reconciler export`` of 3,000 institutes with their users at 100 ms, parallelism 8.

The sandbox runs in this process (a thread) with ``--latency`` per request, seeded with
``--institutes`` institutes of ``--per-institute`` users each and two identity providers. Each
round, a whole process exports them into a new directory (``reconciler export DIR``, with
``[apply] parallelism`` in its ``reconciler.toml``): the listing's pages, one
``GET /institutes/:id/users`` per institute, one ``GET /identity_providers``. What it sends is
counted, every run, and must be exactly that. The figure is the whole process's time against
the ideal ``requests * latency / parallelism``, the time the requests take when
``parallelism`` are always in flight; start-up, writing the YAML and everything else count
against the export.

A tenant this size takes tens of seconds to read, so a terminal must show that something
happens: one more export runs on a pseudo-terminal, and its screen must show the counts
growing while it reads (``...: 3,000 institute(s), 1,204 user(s) (1,215 requests)``), at
least three different counts.

Goal: export / ideal at most 1.5, and the progress shown.

Run: ``python benchmarks/bench_export.py [--tls] [--institutes 3000] [--per-institute 5]
[--latency 0.1] [--parallelism 8] [--runs 3] [--write-baseline]``; writes
``benchmarks/baseline/export.json`` (``export-tls.json`` with ``--tls``); exits 1 when a goal is
missed.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import harness

from reconciler_proctorexam.sandbox import Faults, Sandbox

OVER_IDEAL = 1.5
#: The listing's page size (``GET /institutes?limit=``), as the client asks for it.
PAGE_LIMIT = 300
PROVIDERS = [{"id": 1, "name": "Campus SAML"}, {"id": 2, "name": "Other SAML"}]
USER_KEY = re.compile(r"^  [^ #][^\n]*:$", re.MULTILINE)
PROGRESS = re.compile(r"institute\(s\)[^\r\n]*?\(([0-9][0-9,]*) requests?\)")


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(__doc__, sandbox=True)
    parser.add_argument("--institutes", type=int, default=3_000)
    parser.add_argument("--per-institute", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    report = harness.start("export", argv, tls=args.tls, speedups=not args.no_speedups)

    users = args.institutes * args.per_institute
    expected = -(-args.institutes // PAGE_LIMIT) + args.institutes + 1
    seed = {
        "institutes": [{**harness.live_institute(i), "id": i + 1} for i in range(args.institutes)],
        "identity_providers": PROVIDERS,
        "users": [_live_user(n, args.per_institute) for n in range(users)],
    }
    sent: list[Counter[str]] = []
    faults = Faults(latency=args.latency)
    with (
        tempfile.TemporaryDirectory() as tmp,
        Sandbox(seed=seed, faults=faults, tls=args.tls) as sandbox,
    ):
        env = harness.sandbox_env(sandbox.base_url, sandbox.ca_file)
        rounds = iter(range(1_000_000))

        def export() -> harness.Sample:
            target = _project(Path(tmp) / f"export-{next(rounds)}", args.parallelism)
            sandbox.clear_requests()
            sample = harness.run_process(harness.reconciler("export", str(target)), env=env)
            sent.append(Counter(_route(r.path) for r in sandbox.requests))
            # One key per user at the first indent (`  user@example.org:`), its fields below.
            exported = (target / "users.yaml").read_text(encoding="utf-8")
            written = len(USER_KEY.findall(exported))
            if sample.returncode == 0 and written != users:
                report.missed.append(f"export wrote {written} users, not {users}")
            return sample

        samples = harness.interleave({"export": export}, args.runs)
        seen = _on_terminal(_project(Path(tmp) / "terminal", args.parallelism), env)

    totals = sorted({sum(c.values()) for c in sent})
    if totals != [expected]:
        report.missed.append(f"export sent {totals} requests, not {expected}")
    ideal = expected * args.latency / args.parallelism
    over = round(harness.median_seconds(samples["export"]) / ideal, 2)
    report.figures = {
        "institutes": args.institutes,
        "users": users,
        "latency": args.latency,
        "parallelism": args.parallelism,
        "runs": args.runs,
        "expected_requests": expected,
        "requests": {"total": totals, "by_route": dict(sent[-1])},
        "seconds": harness.seconds(samples["export"]),
        "cpu_seconds": harness.spread([s.cpu_seconds for s in samples["export"]]),
        "peak_rss_mb": harness.spread([s.maxrss_mb for s in samples["export"]], 1),
        "ideal_seconds": round(ideal, 3),
        "export_over_ideal": over,
        "progress_counts_seen_on_a_terminal": sorted(set(seen)),
    }
    report.check("export / ideal", over, at_most=OVER_IDEAL)
    if len(set(seen)) < 3:
        report.missed.append(f"a terminal saw {len(set(seen))} progress counts, not 3 or more")
    return report.finish(args.write_baseline)


def _on_terminal(target: Path, env: dict[str, str]) -> list[int]:
    """Export into ``target`` on a pseudo-terminal; the request counts its screen showed."""
    screen = {**harness.child_environment(env), "TERM": "xterm", "COLUMNS": "120"}
    screen.pop("NO_COLOR", None)
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(
        harness.reconciler("export", str(target)),
        env=screen,
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        close_fds=True,
    )
    os.close(child_fd)
    output = bytearray()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main_fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    process.wait()
    os.close(main_fd)
    text = output.decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"export on a terminal exited {process.returncode}:\n{text[-2000:]}")
    return [int(m.group(1).replace(",", "")) for m in PROGRESS.finditer(text)]


def _project(directory: Path, parallelism: int) -> Path:
    directory.mkdir(parents=True)
    (directory / "reconciler.toml").write_text(f"[apply]\nparallelism = {parallelism}\n")
    return directory


def _live_user(n: int, per_institute: int) -> dict[str, Any]:
    return {
        "id": n + 1,
        "institute_id": n // per_institute + 1,
        "email": f"user-{n:06d}@example.org",
        "name": f"User {n}",
        "role": "teacher" if n % per_institute else "administrator",
        "omniauth_config_id": 1,
        "receives_reports": False,
        "report_frequency": "week",
    }


def _route(path: str) -> str:
    """``/api/v3/institutes/7/users`` -> ``/institutes/:id/users``."""
    return re.sub(r"/[0-9]+", "/:id", path.removeprefix("/api/v3"))


if __name__ == "__main__":
    sys.exit(main())
