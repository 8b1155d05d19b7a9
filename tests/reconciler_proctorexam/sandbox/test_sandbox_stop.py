"""Stopping a sandbox: what it waits for, and what it promises once it has returned."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler_proctorexam.sandbox import Faults, Sandbox
from reconciler_proctorexam.sandbox.inflight import InFlight


def test_stop_waits_for_a_write_in_flight_and_saves_it(tmp_path: Path, caller: Any) -> None:
    state = tmp_path / "state.json"
    sandbox = Sandbox(state_file=state, faults=Faults(latency=0.5)).start()
    client = caller(sandbox)
    answers: list[httpx.Response] = []
    writing = threading.Thread(
        target=lambda: answers.append(client.post("/institutes", {"name": "A", "short_name": "a"}))
    )
    writing.start()
    time.sleep(0.2)  # the write has arrived, and waits out its latency
    sandbox.stop()
    writing.join()
    assert [a.status_code for a in answers] == [201]
    with Sandbox(state_file=state) as again:
        assert [i["short_name"] for i in again.institutes()] == ["a"]


def test_once_stopped_the_port_refuses_and_can_be_taken_again() -> None:
    sandbox = Sandbox().start()
    port = sandbox.port
    sandbox.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with Sandbox(port=port) as again:
        assert httpx.get(again.base_url + "/institutes").status_code == 406


def test_a_request_that_starts_while_stopping_is_refused_503() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not to be reached")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    gate = InFlight(app)
    assert gate.drain(0)
    asyncio.run(gate({"type": "http"}, None, send))
    assert sent[0]["status"] == 503
    assert b'"stopping"' in sent[1]["body"]
