"""What ``-v`` and ``-vv`` show of the requests: retries, pauses, counts, lines; no secret."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Faults, Sandbox

Run = Callable[..., CliResult]

SEED = [
    {
        "short_name": f"i{n}",
        "name": f"Institute {n}",
        "tawk_api_key": None,
        "reminder_emails_enabled": False,
    }
    for n in range(5)
]

TAWK_KEY = "tawk-value-not-for-logs"


@pytest.fixture
def config(write_config: Callable[..., Path]) -> Path:
    return write_config(
        {
            "institutes.yaml": """
                institutes:
                  i0: {reminder_emails_enabled: true, tawk_api_key: "${env:I0_TAWK}"}
                  i1: {reminder_emails_enabled: true}
                """,
            # Short waits: the test is about what is said, not how long it waits.
            "reconciler.toml": "[providers.proctorexam]\nbackoff = 0.01\nbackoff_cap = 0.05\n",
        }
    )


@pytest.fixture
def faulty(aimed_at: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("I0_TAWK", TAWK_KEY)
    faults = Faults(rate_5xx=0.3, rate_429=0.3, retry_after=0, seed=3)
    return aimed_at(seed=SEED, faults=faults)


def test_v_shows_each_retry_each_pause_and_the_count_per_phase(
    faulty: Sandbox, config: Path, run_reconciler: Run
) -> None:
    result = run_reconciler("apply", str(config), "--auto-approve", "-v")
    assert result.exit_code == 0, result.stderr
    err = result.stderr
    assert re.search(r"answered 5\d\d \(attempt 1 of 6\); retrying in \d+\.\d\ds", err), err
    # A lone 429 holds back only its own request, and says so; crowding 429s would pause all.
    assert re.search(r"answered 429 \(attempt 1 of 6\); retrying in \d+\.\d\ds", err), err
    assert "holding every request back" not in err
    assert re.search(r"refresh: 5 institute\(s\) in \d+\.\d\ds", err)
    assert re.search(r"apply: 2 change\(s\) in \d+\.\d\ds", err)
    # One summary per session: the refresh's, then the apply's.
    summaries = re.findall(r"127\.0\.0\.1:\d+: (\d+) requests? \((\d+) retried", err)
    assert len(summaries) == 2
    assert sum(int(n) for n, _ in summaries) == len(faulty.requests)
    assert " -> 200 in " not in err, "request lines are for -vv"


def test_vv_shows_each_request_line_without_values(
    faulty: Sandbox, config: Path, run_reconciler: Run
) -> None:
    result = run_reconciler("-vv", "apply", str(config), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    lines = re.findall(r"^.*(?:GET|PATCH) /institutes.* -> \d{3} in \d+ ms$", result.stderr, re.M)
    assert len(lines) == len(faulty.requests)
    assert any("GET /institutes page=1 limit=300 -> 200 in" in line for line in lines)
    assert any(
        re.search(r"PATCH /institutes/\d+ fields: reminder_emails_enabled, tawk_api_key", line)
        for line in lines
    )


@pytest.mark.parametrize(
    "flags", [(), ("-v",), ("-vv",), ("--log-level", "DEBUG")], ids=["quiet", "v", "vv", "debug"]
)
def test_no_credential_or_secret_value_at_any_level(
    faulty: Sandbox, config: Path, run_reconciler: Run, flags: tuple[str, ...]
) -> None:
    outputs = []
    for command in (("plan", str(config)), ("apply", str(config), "--auto-approve")):
        result = run_reconciler(*command, *flags)
        assert result.exit_code == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    text = "".join(outputs)
    for secret in (DEFAULT_TOKEN, DEFAULT_SECRET, TAWK_KEY):
        assert secret not in text
        assert secret[:8] not in text
    for signed in ("signature", "nonce", "timestamp="):
        assert signed not in text


def test_a_base_url_without_the_api_path_says_so(
    aimed_at: Callable[..., Sandbox],
    config: Path,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = aimed_at(seed=SEED)
    monkeypatch.setenv("I0_TAWK", TAWK_KEY)
    monkeypatch.setenv("PROCTOREXAM_BASE_URL", sandbox.base_url.removesuffix("/api/v3"))
    result = run_reconciler("plan", str(config))
    assert result.exit_code == 1
    assert "Does the URL end in /api/v3?" in result.stderr
    assert "deleted" not in result.stderr
    assert "Traceback" not in result.stderr
