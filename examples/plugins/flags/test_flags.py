"""The flags provider against a small flag service on a real socket, one that answers the first
request of each kind with a 429 (``Retry-After``) and the first write with a 503."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult

PLUGIN = Path(__file__).with_name("flags.py")
TOKEN = "flags-token-1234"


class FlagService(ThreadingHTTPServer):
    """The flag service: flags in memory, a 429 then a 503 on the way, every request noted."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.flags: dict[str, dict[str, Any]] = {
            "new-ui": {"key": "new-ui", "enabled": False, "rollout": 0}
        }
        self.faults = {"GET": [429], "PATCH": [503], "POST": [503]}
        self.seen: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api"


class _Handler(BaseHTTPRequestHandler):
    server: FlagService

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            status, answer = self._answer(json.loads(body) if body else {})
            self.server.seen.append((self.command, status))
        data = json.dumps(answer).encode()
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answer(self, sent: dict[str, Any]) -> tuple[int, Any]:
        flags, key = self.server.flags, self.path.removeprefix("/api/flags").strip("/")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "unknown token"}
        faults = self.server.faults.get(self.command, [])
        if faults:
            return faults.pop(0), {"error": "busy"}
        if self.command == "GET":
            return 200, {"flags": list(flags.values())}
        if self.command == "POST":
            flags[sent["key"]] = sent
            return 201, {"flag": sent}
        if key not in flags:
            return 404, {"error": "no such flag"}
        flags[key].update(sent)
        return 200, {"flag": flags[key]}

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows what the test asserts


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[FlagService]:
    server = FlagService()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("FLAGS_API_TOKEN", TOKEN)
    yield server
    server.shutdown()
    server.server_close()


def settings(service: FlagService) -> str:
    return (
        f"[plugins]\nlocal = [{json.dumps(str(PLUGIN))}]\n\n"
        f'[providers.flags]\nbase_url = "{service.url}"\n'
    )


CONFIG = """
flags:
  new-ui:
    enabled: true
    rollout: 50
  dark-mode:
    enabled: false
"""


def test_plan_apply_plan_through_a_429_and_a_503(
    service: FlagService,
    run_reconciler: Callable[..., CliResult],
    write_config: Callable[..., Path],
) -> None:
    config = write_config({"reconciler.toml": settings(service), "config.yaml": CONFIG})
    planned = run_reconciler("plan", str(config))
    assert planned.exit_code == 0, planned.stderr
    assert "~ flag.new-ui" in planned.stdout
    assert "+ flag.dark-mode" in planned.stdout

    applied = run_reconciler("apply", str(config), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert service.flags["new-ui"] == {"key": "new-ui", "enabled": True, "rollout": 50}
    assert service.flags["dark-mode"] == {"key": "dark-mode", "enabled": False}
    # Each fault was answered once and the request went through on its retry.
    assert service.seen[0] == ("GET", 429)
    assert ("PATCH", 503) in service.seen
    assert ("PATCH", 200) in service.seen

    again = run_reconciler("plan", str(config), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr


def test_a_wrong_token_is_refused_without_retrying_or_showing_it(
    service: FlagService,
    run_reconciler: Callable[..., CliResult],
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLAGS_API_TOKEN", "wrong-token-5678")
    service.faults.clear()
    config = write_config({"reconciler.toml": settings(service), "config.yaml": CONFIG})
    result = run_reconciler("plan", str(config))
    assert result.exit_code == 1
    assert "refused GET /flags with 401" in result.stderr
    assert "wrong-token-5678" not in result.stderr
    assert service.seen == [("GET", 401)]
