"""Fault injection: the sandbox misbehaves on purpose, the way a real service does under load.

:class:`Faults` says what to inject; :class:`FaultMiddleware`, a plain ASGI middleware in front
of the API routes, does it. Every kind is drawn from one seeded random generator, so a run with
a fixed ``seed`` and a sequential client sees the same faults every time. Faults apply to every
request under the API prefix (the authenticated routes), never to a test's own inspection,
which goes through Python calls on :class:`~reconciler_proctorexam.sandbox.Sandbox`.

The kinds:

- ``latency`` plus up to ``jitter`` either way, with ``asyncio.sleep`` so that concurrent
  requests overlap as they would on a real network;
- a share ``rate_429`` of ``429 Too Many Requests`` with ``Retry-After`` (seconds);
- a share ``rate_5xx`` of ``500``, ``502`` (an HTML page, as a load balancer sends), ``503``
  (with ``Retry-After``) or ``504`` (a gateway that gave up waiting; an HTML page too);
  none of them is processed;
- a share ``rate_drop_before`` of connections closed before the request is processed;
- a share ``rate_drop_after`` of connections closed after the request was processed: the
  write happened, the client never hears of it (why a blind retry of a POST is dangerous);
- a share ``rate_late_commit`` of writes validated on arrival (uniqueness included), then the
  connection closed, and the write committed ``late_commit_delay`` seconds later without a
  second check: a check-then-insert server (a Rails app without a unique index) whose request
  outlived the client. A create sent again in that window is created twice;
- a share ``rate_drip`` of answers processed normally, then sent one byte every
  ``drip_interval`` seconds (a slow or stalled link);
- a share ``rate_bad_json`` of answers processed normally, then sent with their JSON body cut
  in half (a truncated or malformed body under a ``200``);
- ``rps_limit``: more requests per second than this are answered ``429`` with ``Retry-After``;
- ``retry_after_date``: ``Retry-After`` (of a 429 or 503) as an HTTP date, not seconds.

The body of every request is read before any fault or delay, so a write whose client has gone
(a timeout, a dropped connection) is still processed, as a real server would.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler_proctorexam.sandbox.errors import error_body
from reconciler_proctorexam.sandbox.requestlog import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    exchange_of,
)

__all__ = [
    "DEFER_KEY",
    "DroppedConnection",
    "FaultMiddleware",
    "Faults",
    "silence_dropped_connections",
]


@dataclass(frozen=True, slots=True)
class Faults:
    """What to inject; the default injects nothing. Rates are shares of requests (0 to 1)."""

    latency: float = 0.0
    jitter: float = 0.0
    rate_429: float = 0.0
    retry_after: int = 1
    rate_5xx: float = 0.0
    rate_drop_before: float = 0.0
    rate_drop_after: float = 0.0
    rate_late_commit: float = 0.0
    late_commit_delay: float = 1.0
    rate_drip: float = 0.0
    drip_interval: float = 0.05
    rate_bad_json: float = 0.0
    rps_limit: float | None = None
    retry_after_date: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        durations = (self.latency, self.jitter, self.late_commit_delay, self.drip_interval)
        if any(d < 0 for d in durations):
            raise ValueError("latency, jitter and delays are seconds: they cannot be negative")
        rates = self._rates()
        if any(not 0.0 <= rate <= 1.0 for rate in rates):
            raise ValueError("fault rates are shares of requests, between 0 and 1")
        if sum(rates) > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {sum(rates):g}; at most 1 is possible")
        if self.retry_after < 0:
            raise ValueError("retry_after is a number of seconds and cannot be negative")
        if self.rps_limit is not None and self.rps_limit <= 0:
            raise ValueError("rps_limit must be positive (or None for no limit)")

    def _rates(self) -> tuple[float, ...]:
        return tuple(rate for _, rate in self.kinds())

    def kinds(self) -> tuple[tuple[str, float], ...]:
        """Each fault that replaces a normal answer, with its share, in drawing order."""
        return (
            ("429", self.rate_429),
            ("5xx", self.rate_5xx),
            ("drop-before", self.rate_drop_before),
            ("drop-after", self.rate_drop_after),
            ("late-commit", self.rate_late_commit),
            ("drip", self.rate_drip),
            ("bad-json", self.rate_bad_json),
        )

    def retry_after_header(self, seconds: int) -> bytes:
        """The ``Retry-After`` value for ``seconds``: delta-seconds, or an HTTP date."""
        if not self.retry_after_date:
            return str(seconds).encode()
        # A date is only precise to the second: round up, so a client never comes back early.
        return email.utils.formatdate(time.time() + seconds + 1, usegmt=True).encode()


class _TokenBucket:
    """At most ``rate`` requests per second on average, in bursts of up to ``max(1, rate)``."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def take(self) -> int | None:
        """None if the request may pass, else the seconds to wait (for ``Retry-After``)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / self.rate))


class _Injector:
    """The live state of one :class:`Faults`: its random generator and its rate limiter."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.rng = random.Random(faults.seed)
        self.bucket = None if faults.rps_limit is None else _TokenBucket(faults.rps_limit)

    def delay(self) -> float:
        f = self.faults
        if not f.jitter:
            return f.latency
        return max(0.0, f.latency + self.rng.uniform(-f.jitter, f.jitter))

    def outcome(self) -> str | None:
        draw = self.rng.random()
        for kind, rate in self.faults.kinds():
            if draw < rate:
                return kind
            draw -= rate
        return None


class DroppedConnection(Exception):
    """Raised to make the server close a connection mid-answer (see ``_drop``)."""


class _SilenceDropped(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


_SILENCER = _SilenceDropped()


def silence_dropped_connections() -> None:
    """Keep uvicorn from logging the deliberate :class:`DroppedConnection` as an app error."""
    logger = logging.getLogger("uvicorn.error")
    if _SILENCER not in logger.filters:
        logger.addFilter(_SILENCER)


class FaultMiddleware:
    """Injects :class:`Faults` into the answers of every request under ``prefix``.

    ``faults`` may be replaced at any time from another thread (one attribute assignment);
    replacing it restarts its random generator from its seed.
    """

    def __init__(self, app: ASGIApp, faults: Faults, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self._injector = _Injector(faults)
        self._late: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def faults(self) -> Faults:
        return self._injector.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._injector = _Injector(faults)

    @property
    def pending_commits(self) -> int:
        """Late commits not yet made (a test waits for 0 before comparing the state)."""
        return len(self._late)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        # Read the whole request first: a client that gives up from here on does not undo it.
        receive = await _buffered(receive)
        injector = self._injector
        faults = injector.faults
        wait = injector.bucket.take() if injector.bucket is not None else None
        if wait is not None:
            self._note(scope, "rps-limit")
            message = f"more than {faults.rps_limit:g} requests per second"
            await _send_json(send, 429, error_body(429, "rate_limited", message), faults, wait)
            return
        delay = injector.delay()
        if delay:
            await asyncio.sleep(delay)
        outcome = injector.outcome()
        if outcome == "late-commit" and scope["method"] not in _WRITES:
            outcome = None  # only a write can commit late
        if outcome is None:
            await self.app(scope, receive, send)
            return
        self._note(scope, outcome)
        if outcome == "429":
            body = error_body(429, "rate_limited", "too many requests; retry later")
            await _send_json(send, 429, body, faults, faults.retry_after)
        elif outcome == "5xx":
            await _send_server_error(send, injector.rng.choice((500, 502, 503, 504)), faults)
        elif outcome == "drop-before":
            await _drop(scope, send)
        elif outcome == "drop-after":
            await self._process_then_drop(scope, receive, send)
        elif outcome == "late-commit":
            await self._commit_late(scope, receive, send, faults.late_commit_delay)
        elif outcome == "drip":
            await self.app(scope, receive, _dripping(send, faults.drip_interval))
        else:
            await self.app(scope, receive, _truncating(send))

    @staticmethod
    def _note(scope: Scope, fault: str) -> None:
        exchange = exchange_of(scope)
        if exchange is not None:
            exchange.fault = fault

    async def _process_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request to the end, keep its answer to ourselves, then hang up."""
        status = await self._swallowed(scope, receive)
        exchange = exchange_of(scope)
        if exchange is not None:
            exchange.status = status
            exchange.delivered = False
        await _drop(scope, send)

    async def _commit_late(self, scope: Scope, receive: Receive, send: Send, delay: float) -> None:
        """Validate now, hang up, commit after ``delay``: the route defers its store call."""
        deferred: list[Callable[[], object]] = []
        scope[DEFER_KEY] = deferred
        status = await self._swallowed(scope, receive)
        exchange = exchange_of(scope)
        if exchange is not None:
            exchange.status = status
            exchange.delivered = False
        if deferred:
            task = asyncio.get_running_loop().create_task(self._later(delay, deferred))
            self._late.add(task)
            task.add_done_callback(self._late.discard)
        await _drop(scope, send)

    async def _later(self, delay: float, calls: list[Callable[[], object]]) -> None:
        await asyncio.sleep(delay)
        if self._closed:
            return
        for call in calls:
            with contextlib.suppress(Exception):  # a late write that fails now fails unheard
                call()

    def close(self) -> None:
        """Make no late commit from now on (the sandbox is stopping: they are lost, as a
        server's work is when it goes down)."""
        self._closed = True

    async def _swallowed(self, scope: Scope, receive: Receive) -> int | None:
        status: int | None = None

        async def swallow(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, swallow)
        return status


#: Where a route finds the list to put its store call in, when the write is to commit late.
DEFER_KEY = "reconciler_proctorexam.sandbox.defer"

_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


async def _buffered(receive: Receive) -> Receive:
    """Read the request body to its end; return a ``receive`` that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks)}]

    async def replaying() -> Message:
        return replay.pop() if replay else {"type": "http.disconnect"}

    return replaying


def _dripping(send: Send, interval: float) -> Send:
    """A ``send`` that writes the body one byte at a time, ``interval`` seconds apart."""

    async def drip(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        for index in range(len(body)):
            last = index == len(body) - 1
            piece = body[index : index + 1]
            await send({"type": "http.response.body", "body": piece, "more_body": more or not last})
            if not last:
                await asyncio.sleep(interval)
        if not body:
            await send(message)

    return drip


def _truncating(send: Send) -> Send:
    """A ``send`` that cuts the body in half (the length header follows, so it parses)."""
    started: list[Message] = []

    async def cut(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.append(message)
            return
        body: bytes = message.get("body", b"")[: max(1, len(message.get("body", b"")) // 2)]
        start = started.pop()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return cut


async def _drop(scope: Scope, send: Send) -> None:
    """Close the connection without an answer the client can take, as a reset network would."""
    exchange = exchange_of(scope)
    if exchange is not None:
        exchange.delivered = False
        exchange.finish()
    raw_send = exchange.raw_send if exchange is not None else send
    # ASGI gives an application no way to close its connection: only the server holds the
    # socket. What it does give: an application that fails after starting its answer makes the
    # server close the connection (uvicorn does, at once). So the answer is started with a
    # body of one byte promised, and the failure sent instead of that byte: the client reads
    # a head and then the end of the stream, never an answer (httpx: RemoteProtocolError).
    # uvicorn would log the failure as an application error: silence_dropped_connections().
    await raw_send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
    )
    raise DroppedConnection("connection dropped by fault injection")


async def _send_json(
    send: Send, status: int, body: Any, faults: Faults, retry_after: int | None
) -> None:
    headers = [(b"content-type", b"application/json")]
    if retry_after is not None:
        headers.append((b"retry-after", faults.retry_after_header(retry_after)))
    await _send(send, status, headers, json.dumps(body).encode())


#: What a load balancer in front of the service answers: a whole HTML page, not the API's JSON.
_GATEWAY_PAGE = """<!DOCTYPE html>
<html><head><title>{status} {reason}</title><style>body {{font-family: sans-serif}}</style>
</head><body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center>
</body></html>
"""


async def _send_server_error(send: Send, status: int, faults: Faults) -> None:
    if status in (502, 504):
        reason = "Bad Gateway" if status == 502 else "Gateway Time-out"
        page = _GATEWAY_PAGE.format(status=status, reason=reason).encode()
        await _send(send, status, [(b"content-type", b"text/html")], page)
        return
    if status == 503:
        body = error_body(503, "unavailable", "service unavailable")
        await _send_json(send, 503, body, faults, faults.retry_after)
        return
    body = error_body(500, "internal_error", "internal server error")
    await _send_json(send, 500, body, faults, None)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
