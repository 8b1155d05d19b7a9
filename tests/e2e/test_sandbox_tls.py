"""The sandbox over https: the path every user of the real service takes.

``--sandbox --tls`` plans, applies and plans again with certificate verification on, trusting
the sandbox's own throw-away authority for that run only; a client not given that authority
is refused, and the message names the certificate.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]


def test_plan_apply_plan_over_https_with_verification(
    quickstart: Path, run_reconciler: Run
) -> None:
    path = str(quickstart)
    first = run_reconciler("plan", path, "--sandbox", "--tls", "--detailed-exitcode")
    assert first.exit_code == 2, first.stderr
    assert "Plan: 2 to create, 3 to update, 0 to delete." in first.stdout
    assert "Sandbox over https at https://127.0.0.1:" in first.stderr

    applied = run_reconciler("apply", path, "--sandbox", "--tls", "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert "Apply complete: 2 created, 3 updated, 0 deleted." in applied.stderr

    again = run_reconciler("plan", path, "--sandbox", "--tls", "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout


def test_tls_without_sandbox_is_refused(quickstart: Path, run_reconciler: Run) -> None:
    result = run_reconciler("plan", str(quickstart), "--tls")
    assert result.exit_code == 1
    assert "--tls goes with --sandbox" in result.stderr


def test_export_and_several_directories_take_tls_too(
    quickstart: Path, run_reconciler: Run, tmp_path: Path
) -> None:
    for args in (
        ("export", str(tmp_path / "out"), "--tls"),
        ("plan", str(quickstart), str(quickstart), "--tls"),
    ):
        refused = run_reconciler(*args)
        assert refused.exit_code == 1, args
        assert "--tls goes with --sandbox" in refused.stderr, args
    # Into the configuration itself: its sandbox seed is there.
    exported = run_reconciler("export", str(quickstart), "--sandbox", "--tls")
    assert exported.exit_code == 0, exported.stderr
    assert "Sandbox over https at https://127.0.0.1:" in exported.stderr


def test_a_client_without_the_authority_is_refused_naming_the_certificate(
    proctorexam_sandbox_factory: Callable[..., Sandbox], quickstart: Path
) -> None:
    sandbox = proctorexam_sandbox_factory(tls=True, seed=quickstart / "sandbox-seed.json")
    assert sandbox.base_url.startswith("https://127.0.0.1:")
    env = sandbox.env()
    ca_file = env.pop("PROCTOREXAM_CA_BUNDLE")
    assert Path(ca_file) == sandbox.ca_file
    base = {k: v for k, v in os.environ.items() if k not in _CA_VARIABLES}
    # As a user runs it: a process of its own, which trusts only the system's authorities.
    refused = _plan(quickstart, {**base, **env})
    assert refused.returncode == 1
    assert f"TLS certificate of 127.0.0.1:{sandbox.port} could not be verified" in refused.stderr
    assert "PROCTOREXAM_CA_BUNDLE" in refused.stderr  # what to do
    assert "Traceback" not in refused.stderr

    # Given the authority, the same client is served.
    served = _plan(quickstart, {**base, **env, "PROCTOREXAM_CA_BUNDLE": ca_file})
    assert served.returncode == 2, served.stderr
    assert "Plan: 2 to create, 3 to update, 0 to delete." in served.stdout


_CA_VARIABLES = ("PROCTOREXAM_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


def _plan(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", str(config), "--detailed-exitcode"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_certificate_is_valid_for_localhost_and_its_files_go_with_the_sandbox(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = proctorexam_sandbox_factory(tls=True)
    ca_file = sandbox.ca_file
    assert ca_file is not None
    context = ssl.create_default_context(cafile=str(ca_file))
    url = f"https://localhost:{sandbox.port}/api/v3/institutes"
    answer = httpx.get(url, verify=context)
    # Refused by the API for its missing Accept header: an answer, after a good handshake.
    assert answer.status_code == 406
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(url, verify=ssl.create_default_context())
    key_file = ca_file.parent / "server-key.pem"
    assert key_file.stat().st_mode & 0o077 == 0
    sandbox.stop()
    assert not ca_file.parent.exists()


def test_reconciler_sandbox_tls_prints_its_authority() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "--tls", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        ca_file = _check_announced_sandbox(process)
    assert not ca_file.exists()


def _check_announced_sandbox(process: subprocess.Popen[str]) -> Path:
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        assert "listening on https://127.0.0.1:" in text
        ca_line = next(x for x in lines if x.strip().startswith("export PROCTOREXAM_CA_BUNDLE="))
        ca_file = Path(ca_line.split("=", 1)[1].strip())
        base = next(x for x in lines if "PROCTOREXAM_BASE_URL=" in x).split("=", 1)[1].strip()
        answer = httpx.get(base + "/institutes", verify=ssl.create_default_context(cafile=ca_file))
        assert answer.status_code == 406
    finally:
        process.terminate()
        process.wait(timeout=10)
    return ca_file
