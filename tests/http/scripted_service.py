"""A scripted JSON service on a real socket, for the toolkit's tests (fixture: ``service``).

Each test queues what the service answers, request by request (:class:`Step`); once the queue
is empty it answers 200 with ``{"ok": true}``. Every request is noted, with its body.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    """One answer: a status, a JSON body (or raw bytes), headers; ``delay`` before it;
    ``drop`` closes the connection without answering (after the delay)."""

    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    raw: bytes | None = None
    length: bool = True


class Service(ThreadingHTTPServer):
    daemon_threads = True

    allow_reuse_address = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.steps: list[Step] = []
        self.seen: list[tuple[str, str, bytes, dict[str, str]]] = []
        #: The client's address of each request: one per connection.
        self.peers: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def queue(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def methods(self) -> list[str]:
        return [method for method, *_ in self.seen]


class _Handler(BaseHTTPRequestHandler):
    server: Service
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.seen.append((self.command, self.path, body, dict(self.headers)))
            self.server.peers.append(self.client_address)
            step = self.server.steps.pop(0) if self.server.steps else Step()
        time.sleep(step.delay)
        if step.drop:
            self.close_connection = True
            return
        data = step.raw if step.raw is not None else json.dumps(step.body).encode()
        self.send_response(step.status)
        for name, value in step.headers.items():
            self.send_header(name, value)
        if step.length:
            self.send_header("Content-Length", str(len(data)))
        else:
            self.close_connection = True
        self.end_headers()
        # The client may refuse the rest of a too-large answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass
