"""The notifier through the shipped fixtures, posting to a real local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import webhook_notifier

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

PLUGIN = Path(webhook_notifier.__file__)


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook on a free local port: its URL, and the JSON bodies it received."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def project(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    write_config: Callable[..., Path],
    webhook: tuple[str, list[dict[str, Any]]],
) -> Path:
    sandbox = proctorexam_sandbox_factory(seed=[{"id": 1, "short_name": "pe", "name": "PE"}])
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    url, _ = webhook
    return write_config(
        {
            "reconciler.toml": f"""
            [plugins]
            local = [{json.dumps(str(PLUGIN))}]

            [plugins.webhook_notifier]
            url = "{url}"
            """,
            "institutes.yaml": "institutes:\n  pe: {reminder_emails_enabled: false}\n",
        }
    )


def test_a_heartbeat_after_plan_and_the_outcome_after_each_apply(
    project: Path,
    run_reconciler: Callable[..., CliResult],
    webhook: tuple[str, list[dict[str, Any]]],
) -> None:
    _, received = webhook
    assert run_reconciler("plan", str(project)).exit_code == 0
    assert run_reconciler("apply", str(project), "--auto-approve").exit_code == 0
    assert run_reconciler("apply", str(project), "--auto-approve").exit_code == 0
    assert received == [
        {"event": "heartbeat", "report": "plan", "pending": 1, "refused": 0},
        {
            "event": "apply",
            "status": "applied",
            "applied": 1,
            "failed": 0,
            "not_taken": 0,
            "refusals": [],
        },
        {
            "event": "apply",
            "status": "nothing-to-do",
            "applied": 0,
            "failed": 0,
            "not_taken": 0,
            "refusals": [],
        },
    ]


def test_a_webhook_that_is_down_never_fails_the_run(
    project: Path,
    run_reconciler: Callable[..., CliResult],
    webhook: tuple[str, list[dict[str, Any]]],
) -> None:
    toml = project / "reconciler.toml"
    url, _ = webhook
    toml.write_text(toml.read_text().replace(url, "http://127.0.0.1:9/closed"))
    result = run_reconciler("apply", str(project), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert "webhook_notifier: could not notify http://127.0.0.1:9/closed" in result.stderr


def test_the_url_is_required_and_checked_at_validate(
    project: Path, run_reconciler: Callable[..., CliResult]
) -> None:
    toml = project / "reconciler.toml"
    toml.write_text(toml.read_text().split("url =")[0] + "timeout = 0\n")
    result = run_reconciler("validate", str(project))
    assert result.exit_code == 1
    assert "plugins.webhook_notifier: missing required field 'url'; add it" in result.stderr
    assert "plugins.webhook_notifier.timeout: expected more than 0, got 0" in result.stderr
