"""``reconciler sandbox`` as a real process, and the ``--sandbox`` factory."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler_proctorexam.sandbox import Sandbox, SandboxError, sandbox_for_config
from reconciler_proctorexam.sandbox.local import state_path

_URL = r"listening on (http://127\.0\.0\.1:(\d+)/api/v3)"


class Command:
    """A running ``sandbox`` command; a thread collects its output lines as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler_proctorexam.sandbox.command", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")  # end of output

    def read_until(self, pattern: str) -> tuple[str, re.Match[str]]:
        """Everything printed until a line matches ``pattern`` (fails after 20 s)."""
        seen = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            seen += line
            if match := re.search(pattern, line):
                return seen, match
            if not line:
                break
        pytest.fail(f"the sandbox command did not print {pattern!r}:\n{seen}")

    def stop(self, sig: int) -> tuple[int, str]:
        """Send ``sig``; the exit code and the rest of the output."""
        self.process.send_signal(sig)
        code = self.process.wait(timeout=20)
        self.reader.join(timeout=5)
        rest = ""
        while not self.lines.empty():
            rest += self.lines.get()
        return code, rest


@pytest.fixture
def run_command() -> Iterator[Any]:
    commands: list[Command] = []
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PROCTOREXAM_")}

    def run(*args: str, env: dict[str, str] | None = None) -> Command:
        commands.append(Command(list(args), {**environ, **(env or {})}))
        return commands[-1]

    yield run
    for command in commands:
        if command.process.poll() is None:
            command.process.kill()
        command.process.wait(timeout=10)
        command.reader.join(timeout=5)
        if command.process.stdout is not None:
            command.process.stdout.close()


def test_the_command_serves_until_interrupted(
    run_command: Any, tmp_path: Path, caller: Any
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"institutes": [{"name": "A", "short_name": "a"}]}))
    state = tmp_path / "state.json"
    command = run_command("--port", "0", "--seed", str(seed), "--state", str(state))
    _, match = command.read_until(_URL)
    base_url = match.group(1)
    assert int(match.group(2)) != 0
    rest, _ = command.read_until("Ctrl-C")
    assert f"export PROCTOREXAM_BASE_URL={base_url}" in rest
    assert "export PROCTOREXAM_SECRET_KEY=sandbox-secret" in rest  # the public default

    client = caller(base_url)
    assert [i["name"] for i in client.get("/institutes").json()["institutes"]] == ["A"]
    assert client.post("/institutes", {"name": "B", "short_name": "b"}).status_code == 201

    assert command.stop(signal.SIGINT)[0] == 0
    with Sandbox(state_file=state) as restarted:
        assert [i["name"] for i in restarted.institutes()] == ["A", "B"]


def test_the_command_starts_with_other_readings(run_command: Any, caller: Any) -> None:
    args = ["--update-method", "PUT", "--delete-params", "body", "--list-rendering", "json"]
    command = run_command("--port", "0", *args)
    _, match = command.read_until(_URL)
    printed, _ = command.read_until("Ctrl-C")
    assert "Updates take PUT, DELETE parameters travel in the body, lists are signed as json." in (
        printed
    )
    client = caller(match.group(1))
    created = client.post("/institutes", {"name": "A", "short_name": "a"}).json()["institute"]
    path = f"/institutes/{created['id']}"
    languages = {"custom_languages": ["no-NO", "fr-FR"]}
    assert client.patch(path, languages, lists="json").status_code == 405
    assert client.put(path, languages, lists="ruby").status_code == 401
    assert client.put(path, languages, lists="json").status_code == 200
    assert client.delete(path).status_code == 400
    assert client.delete(path, as_body=True).status_code == 200
    assert command.stop(signal.SIGINT)[0] == 0


def test_the_command_never_prints_a_given_secret(run_command: Any) -> None:
    env = {"PROCTOREXAM_API_TOKEN": "tok-from-env", "PROCTOREXAM_SECRET_KEY": "sec-from-env"}
    command = run_command("--port", "0", "--fault-seed", "1", "--rate-429", "0.1", env=env)
    printed, _ = command.read_until("Ctrl-C")
    code, rest = command.stop(signal.SIGTERM)
    assert code == 0
    output = printed + rest
    assert "sec-from-env" not in output
    assert "tok-from-env" not in output
    assert "PROCTOREXAM_SECRET_KEY=<" in output


def test_the_command_refuses_impossible_faults(run_command: Any) -> None:
    command = run_command("--port", "0", "--rate-429", "0.7", "--rate-5xx", "0.7")
    command.read_until("add up to 1.4")
    assert command.process.wait(timeout=20) == 2


def test_sandbox_for_config(tmp_path: Path, caller: Any) -> None:
    (tmp_path / "sandbox-seed.json").write_text(
        '{"institutes": [{"name": "A", "short_name": "a"}]}'
    )
    (tmp_path / "institutes.yaml").write_text("institutes: {}\n")
    with sandbox_for_config(tmp_path / "institutes.yaml", reset=False) as env:
        assert set(env) == {
            "PROCTOREXAM_BASE_URL",
            "PROCTOREXAM_API_TOKEN",
            "PROCTOREXAM_SECRET_KEY",
        }
        client = caller(env["PROCTOREXAM_BASE_URL"])
        assert client.post("/institutes", {"name": "B", "short_name": "b"}).status_code == 201
    state = json.loads(state_path(tmp_path).read_text().splitlines()[0])
    assert [i["name"] for i in state["institutes"]] == ["A", "B"]
    assert not (tmp_path / ".sandbox-state.json").exists()
    with sandbox_for_config(tmp_path, reset=True):
        pass
    state = json.loads(state_path(tmp_path).read_text().splitlines()[0])
    assert [i["name"] for i in state["institutes"]] == ["A"]


def test_sandbox_for_config_needs_a_seed(tmp_path: Path) -> None:
    with (
        pytest.raises(SandboxError, match=r"sandbox-seed\.json"),
        sandbox_for_config(tmp_path, reset=False),
    ):
        pass


def test_the_command_logs_one_line_per_request_and_no_traceback_on_a_disconnect(
    run_command: Any, caller: Any
) -> None:
    command = run_command("--port", "0", "--latency", "0.4")
    _, match = command.read_until(_URL)
    command.read_until("Ctrl-C")
    client = caller(match.group(1))
    assert client.get("/institutes").status_code == 200
    with pytest.raises(httpx.ReadTimeout):  # the client gives up; the server answers anyway
        client.http.get(match.group(1) + "/institutes", timeout=0.05)
    time.sleep(0.6)
    code, rest = command.stop(signal.SIGTERM)
    assert code == 0
    lines = [line for line in rest.splitlines() if line.startswith("GET /api/v3/institutes ")]
    assert len(lines) == 2, rest
    assert "Traceback" not in rest
    assert "nonce" not in rest


def test_two_sandboxes_cannot_share_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Sandbox(state_file=state) as first:
        first.add_institute({"name": "A", "short_name": "a"})
        with pytest.raises(SandboxError, match="in use by another running sandbox"):
            Sandbox(state_file=state).start()
        first.add_institute({"name": "B", "short_name": "b"})
    with Sandbox(state_file=state) as again:
        assert [i["short_name"] for i in again.institutes()] == ["a", "b"]
