"""What every benchmark shares: whole processes, interleaved runs, medians, the machine's load.

A figure is a ratio of two things measured in the same run, so that a slower machine slows
both sides. Each side is a whole process (``python -m reconciler ...`` as a user runs it, or a
floor script), started afresh for every sample, and the sides take turns (A, B, A, B, ...)
so that a burst of load elsewhere hits both. The median of the samples is the figure; the
minimum and maximum are kept beside it to show the spread.

Peak memory is the ``ru_maxrss`` that :func:`os.wait4` reports for the one process that ran
the measured work, started by a small launcher (see :data:`_LAUNCHER`): not the benchmark's own,
not a floor's.

A baseline written on a busy machine would mislead every later comparison, so
:func:`write_baseline` refuses when the one-minute load average is above
:data:`MAX_BASELINE_LOAD` when the run starts.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASELINES = Path(__file__).parent / "baseline"
ROOT = Path(__file__).resolve().parent.parent

#: Above this one-minute load average a run may be printed but not stored as a baseline.
MAX_BASELINE_LOAD = 1.5

#: Set by :func:`start`: the commands :func:`run_process` starts run without speed-ups.
_NO_SPEEDUPS = {"on": False}


@dataclass(frozen=True, slots=True)
class Sample:
    """One whole process: wall-clock seconds, CPU seconds, peak memory, what it printed."""

    seconds: float
    cpu_seconds: float
    maxrss_mb: float
    returncode: int
    stdout: str
    stderr: str


#: Starts the measured command and reports on it. A child's peak memory counts the memory of
#: the process it was forked from (Linux keeps the larger of the two across exec), and this
#: benchmark process holds the sandbox and its seed: so a small launcher starts the command,
#: and times it, and the figures are the command's own.
_LAUNCHER = r"""
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(report, "w") as handle:
    cpu = usage.ru_utime + usage.ru_stime
    handle.write(f"{seconds} {cpu} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def child_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (or this process's), with ``RECONCILER_NO_SPEEDUPS=1`` when :func:`start` was
    told to measure without speed-ups."""
    environ = dict(os.environ if env is None else env)
    if _NO_SPEEDUPS["on"]:
        environ["RECONCILER_NO_SPEEDUPS"] = "1"
    return environ


def run_process(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Sample:
    """Run ``argv`` to its end; its output goes to files, so a full pipe never stalls it.

    The wall-clock time runs from the command's start to its end (the launcher's own start-up
    is not in it); CPU time and peak memory are the command's alone.
    """
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.NamedTemporaryFile("r") as report,
    ):
        environ = child_environment(env)
        launched = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, report.name, *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=environ,
            cwd=cwd,
            check=False,
        )
        out.seek(0)
        err.seek(0)
        figures = report.read().split()
        if launched.returncode != 0 or len(figures) != 4:
            raise SystemExit(f"could not run {argv[0]}: {err.read()[-2000:]}")
        seconds, cpu, maxrss_kb, returncode = figures
        return Sample(
            seconds=float(seconds),
            cpu_seconds=float(cpu),
            maxrss_mb=int(maxrss_kb) / 1024,  # kilobytes on Linux
            returncode=int(returncode),
            stdout=out.read(),
            stderr=err.read(),
        )


def reconciler(*args: str) -> list[str]:
    """The command line a user types, run by this interpreter."""
    return [sys.executable, "-m", "reconciler", *args]


def interleave(cases: Mapping[str, Callable[[], Sample]], runs: int) -> dict[str, list[Sample]]:
    """Run every case once per round, ``runs`` rounds; a failed process stops the benchmark.

    A first round is run and dropped: it fills the file cache, which an installed tool has
    done long before anyone times it (its bytecode is compiled by :func:`start`).
    """
    samples: dict[str, list[Sample]] = {name: [] for name in cases}
    for case in cases.values():
        case()
    for _ in range(runs):
        for name, case in cases.items():
            sample = case()
            if sample.returncode not in (0, 2):
                raise SystemExit(
                    f"{name}: exited {sample.returncode}\n{sample.stdout[-2000:]}"
                    f"\n{sample.stderr[-2000:]}"
                )
            samples[name].append(sample)
    return samples


def spread(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    """Median, minimum and maximum, rounded."""
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def seconds(samples: Sequence[Sample]) -> dict[str, float]:
    return spread([s.seconds for s in samples])


def median_seconds(samples: Sequence[Sample]) -> float:
    return statistics.median(s.seconds for s in samples)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def parser(doc: str | None, *, sandbox: bool = False) -> argparse.ArgumentParser:
    """The options every benchmark takes: ``--write-baseline``; with ``sandbox`` (a benchmark
    that talks to the sandbox) also ``--tls``."""
    first = (doc or "").strip().splitlines()[0]
    out = argparse.ArgumentParser(description=first)
    out.add_argument("--write-baseline", action="store_true", help="store the numbers")
    out.add_argument(
        "--no-speedups",
        action="store_true",
        help="run the measured commands with RECONCILER_NO_SPEEDUPS=1, every speed-up off"
        " (baseline <name>-nospeedups.json)",
    )
    if sandbox:
        out.add_argument(
            "--tls",
            action="store_true",
            help="talk to the sandbox over https, as users talk to the service (baseline"
            " <name>-tls.json)",
        )
    return out


@dataclass
class Report:
    """The figures of one run, the load they were measured under, and the goals they meet."""

    name: str
    command: str
    load_at_start: list[float]
    figures: dict[str, Any]
    missed: list[str]
    scheme: str = "http"
    speedups: bool = True

    def check(
        self,
        label: str,
        value: float,
        *,
        at_most: float | None = None,
        at_least: float | None = None,
    ) -> None:
        """Record a goal; a value on the wrong side of it is reported as missed."""
        if at_most is not None and value > at_most:
            self.missed.append(f"{label}: {value:g} (goal at most {at_most:g})")
        if at_least is not None and value < at_least:
            self.missed.append(f"{label}: {value:g} (goal at least {at_least:g})")

    def finish(self, write_baseline: bool) -> int:
        """Print, store when asked and allowed; 1 when a goal is missed or storing refused."""
        record = {
            "command": self.command,
            "load_average": {"at_start": self.load_at_start, "at_end": load_average()},
            "scheme": self.scheme,
            "speedups": self.speedups,
            **self.figures,
            "missed": self.missed,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        }
        print(json.dumps(record, indent=2))
        status = 0
        for problem in self.missed:
            print(f"MISSED: {problem}", file=sys.stderr)
            status = 1
        if write_baseline:
            path = BASELINES / f"{self.name}.json"
            if self.load_at_start[0] > MAX_BASELINE_LOAD:
                print(
                    f"not writing {path.name}: the load average was {self.load_at_start[0]:g}"
                    f" when the run started (at most {MAX_BASELINE_LOAD:g}); run it again on a"
                    " quiet machine",
                    file=sys.stderr,
                )
                return 1
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
        return status


def start(
    name: str, argv: Sequence[str] | None = None, *, tls: bool = False, speedups: bool = True
) -> Report:
    """A report for ``benchmarks/<script>``, with the load average before anything runs.

    Without ``speedups``, every command :func:`run_process` starts gets
    ``RECONCILER_NO_SPEEDUPS=1`` (the sandbox, in this process, keeps its own), and the
    baseline's name ends in ``-nospeedups``.

    The project's bytecode is compiled first, as ``pip install`` does for an installed tool.
    An editable install writes it on first use, unless ``PYTHONDONTWRITEBYTECODE`` is set
    (some CI images and containers set it): then every process would compile every module
    of the project again, about a tenth of a second that no installed copy pays.
    """
    load = load_average()
    for tree in ("reconciler", "plugins"):
        compileall.compile_dir(ROOT / tree, quiet=1)
    args = " ".join(sys.argv[1:] if argv is None else argv)
    command = f"python benchmarks/{Path(sys.argv[0]).name} {args}".strip()
    _NO_SPEEDUPS["on"] = not speedups
    stored = f"{name}-tls" if tls else name
    name = stored if speedups else f"{stored}-nospeedups"
    return Report(name, command, load, {}, [], "https" if tls else "http", speedups)


# Fixtures -------------------------------------------------------------------------------------

LANGUAGES = ["no-NO", "fr-FR", "en-GB", "nl-NL", "de-DE", "es-ES", "it-IT", "pt-PT"]


def live_institute(i: int) -> dict[str, Any]:
    """Institute ``i`` as the sandbox holds it before the run."""
    return {
        "short_name": f"inst-{i:05d}",
        "name": f"Institute {i}",
        "reminder_emails_enabled": True,
        "exam_link_emails_enabled": True,
        "custom_languages": ["no-NO", "fr-FR"],
        "session_retention_period": "6",
        "callback_url": f"https://callbacks.example.org/{i}",
    }


#: Institutes per YAML file: a config file may hold at most 8 MB (reconciler.loading.limits).
PER_FILE = 10_000


def write_project(directory: Path, count: int, updates: int, parallelism: int = 4) -> Path:
    """A config directory declaring ``count`` institutes, the first ``updates`` changed.

    The live side is :func:`live_institute`; the YAML writes the same values the way people
    do (an unquoted number, languages in another order), so that only the updates differ.
    Above :data:`PER_FILE` institutes the YAML is split into several files, as people do.
    """
    directory.mkdir(parents=True, exist_ok=True)
    # Bulk changes by design: the bulk-change guard is told so (a share of 1 turns it off).
    (directory / "reconciler.toml").write_text(
        f"[apply]\nparallelism = {parallelism}\n[safety]\nmax_change_share = 1.0\n"
    )
    for first in range(0, max(count, 1), PER_FILE):
        lines = ["defaults:", "  reminder_emails_enabled: true", ""] if first == 0 else []
        lines.append("institutes:")
        for i in range(first, min(count, first + PER_FILE)):
            lines += [
                f"  inst-{i:05d}:",
                f"    name: Institute {i}",
                f"    exam_link_emails_enabled: {'false' if i < updates else 'true'}",
                "    custom_languages: [fr-FR, no-NO]",
                "    session_retention_period: 6",
                f"    callback_url: https://callbacks.example.org/{i}",
            ]
        name = (
            "institutes.yaml" if count <= PER_FILE else f"institutes-{first // PER_FILE:02d}.yaml"
        )
        (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def sandbox_env(base_url: str, ca_file: Path | None = None) -> dict[str, str]:
    """The environment of a child process that talks to the in-process sandbox; over https,
    ``ca_file`` is the sandbox's certificate authority (``Sandbox.ca_file``)."""
    from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN

    env = {
        **os.environ,
        "PROCTOREXAM_BASE_URL": base_url,
        "PROCTOREXAM_API_TOKEN": DEFAULT_TOKEN,
        "PROCTOREXAM_SECRET_KEY": DEFAULT_SECRET,
        "NO_COLOR": "1",
    }
    env.pop("PROCTOREXAM_CA_BUNDLE", None)
    if ca_file is not None:
        env["PROCTOREXAM_CA_BUNDLE"] = str(ca_file)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # An installed package has its bytecode compiled; a checkout run with this set compiles
    # every module on every start, which would be measured as start-up.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
