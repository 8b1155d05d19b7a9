"""The log of every request the sandbox received, for tests to read (``Sandbox.requests``).

The outermost ASGI middleware records one :class:`RequestRecord` per request once it is
answered, including requests refused by authentication and requests whose connection a fault
dropped, so that a test can assert, for example, that ``plan`` made no write call or that a
blind retry created an institute twice. Records hold no secret: no header, no signature, no
value of a field, only the names of the fields a write changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Exchange", "RequestLog", "RequestLogMiddleware", "RequestRecord", "exchange_of"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SCOPE_KEY = "reconciler_proctorexam.sandbox.exchange"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the sandbox saw it.

    ``status`` is what the server answered, or would have answered when a fault dropped the
    connection after processing (``delivered`` is then False); it is None when the connection
    was dropped before anything was processed. ``fault`` names the injected fault, if any:
    ``"latency"`` is not one (it only delays), the others are ``"429"``, ``"5xx"``,
    ``"rps-limit"``, ``"drop-before"`` and ``"drop-after"``. ``fields`` are the institute fields
    a successful write was given, sorted.
    """

    method: str
    path: str
    query: str
    status: int | None
    fault: str | None = None
    delivered: bool = True
    fields: tuple[str, ...] = ()
    received_at: float = 0.0

    @property
    def is_write(self) -> bool:
        return self.method in {"POST", "PATCH", "PUT", "DELETE"}


class Exchange:
    """Notes on the request in flight, shared by the middlewares and the routes through scope.

    ``raw_send`` is the server's own ``send``: a fault that drops the connection starts its
    broken answer there, past the notes. :meth:`finish` logs the record; it is called
    just before the last byte of the answer leaves (or the connection is dropped), so that a
    client which has its answer always finds the request in the log.
    """

    __slots__ = ("_on_finish", "delivered", "fault", "fields", "raw_send", "status")

    def __init__(self, raw_send: Send, on_finish: Callable[[Exchange], None]) -> None:
        self.raw_send = raw_send
        self.status: int | None = None
        self.fault: str | None = None
        self.delivered = True
        self.fields: tuple[str, ...] = ()
        self._on_finish: Callable[[Exchange], None] | None = on_finish

    def finish(self) -> None:
        """Log this request, once."""
        on_finish, self._on_finish = self._on_finish, None
        if on_finish is not None:
            on_finish(self)


def exchange_of(scope: Scope) -> Exchange | None:
    """The notes of the request in ``scope``, if the log middleware is in front."""
    exchange = scope.get(_SCOPE_KEY)
    return exchange if isinstance(exchange, Exchange) else None


class RequestLog:
    """A thread-safe, append-only list of records; the server appends, tests read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


def _line(record: RequestRecord, seconds: float) -> str:
    """``POST /api/v3/institutes 201 12ms fault=late-commit, not delivered``: no query, no
    header, no value (the query holds the signature, the body the values)."""
    status = "-" if record.status is None else str(record.status)
    notes = [f"fault={record.fault}"] if record.fault else []
    if not record.delivered:
        notes.append("not delivered")
    path = record.path.encode("ascii", "backslashreplace").decode("ascii")
    tail = f"  {', '.join(notes)}" if notes else ""
    return f"{record.method} {path} {status} {seconds * 1000:.0f}ms{tail}"


class RequestLogMiddleware:
    """Outermost middleware: notes what happened to each HTTP request and logs it."""

    def __init__(
        self, app: ASGIApp, log: RequestLog, *, echo: Callable[[str], None] | None = None
    ) -> None:
        self.app = app
        self.log = log
        #: Told one line per request (``reconciler sandbox`` prints them to standard error).
        self.echo = echo

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received_at = time.time()

        def log(exchange: Exchange) -> None:
            record = RequestRecord(
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                status=exchange.status,
                fault=exchange.fault,
                delivered=exchange.delivered,
                fields=exchange.fields,
                received_at=received_at,
            )
            self.log.append(record)
            if self.echo is not None:
                self.echo(_line(record, time.time() - received_at))

        exchange = Exchange(send, log)
        scope[_SCOPE_KEY] = exchange

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                exchange.finish()
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        except BaseException:
            # The server answers 500 to an app that fails before answering.
            exchange.status = exchange.status or 500
            raise
        finally:
            exchange.finish()
