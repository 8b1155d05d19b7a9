"""The requests a sandbox is answering: what stopping it waits for.

uvicorn, told to exit, closes its listening socket and its idle connections within a tenth of a
second, then waits another tenth before it looks at the connections still answering. The
sandbox waits for the first step, and then for its own requests in flight, which this outermost
ASGI middleware counts; the rest of uvicorn's shutdown runs on in the server's thread, after
``Sandbox.stop`` has returned. A request that starts once the sandbox is stopping (it was read
from a connection just before uvicorn shut that down) is answered ``503``: the state it would
change is being saved.
"""

from __future__ import annotations

import json
import threading

from reconciler_proctorexam.sandbox.errors import error_body
from reconciler_proctorexam.sandbox.requestlog import ASGIApp, Receive, Scope, Send

__all__ = ["InFlight"]


class InFlight:
    """Counts the HTTP requests ``app`` is answering; :meth:`drain` waits for none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._idle = threading.Condition()
        self._count = 0
        self._stopping = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._idle:
            stopping = self._stopping
            if not stopping:
                self._count += 1
        if stopping:
            await _refuse(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            with self._idle:
                self._count -= 1
                if not self._count:
                    self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Refuse new requests, and wait until none is being answered (False after
        ``timeout`` seconds with some still in flight)."""
        with self._idle:
            self._stopping = True
            return self._idle.wait_for(lambda: not self._count, timeout)


async def _refuse(send: Send) -> None:
    body = json.dumps(error_body(503, "stopping", "the sandbox is stopping")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
