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
- a share ``rate_5xx`` of ``500``, ``502`` (an HTML page, as a load balancer sends) or ``503``;
- a share ``rate_drop_before`` of connections closed before the request is processed;
- a share ``rate_drop_after`` of connections closed after the request was processed: the
  write happened, the client never hears of it (why a blind retry of a POST is dangerous);
- ``rps_limit``: more requests per second than this are answered ``429`` with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import time
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

__all__ = ["DroppedConnection", "FaultMiddleware", "Faults", "silence_dropped_connections"]


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
    rps_limit: float | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.latency < 0 or self.jitter < 0:
            raise ValueError("latency and jitter are durations in seconds: they cannot be negative")
        rates = (self.rate_429, self.rate_5xx, self.rate_drop_before, self.rate_drop_after)
        if any(not 0.0 <= rate <= 1.0 for rate in rates):
            raise ValueError("fault rates are shares of requests, between 0 and 1")
        if sum(rates) > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {sum(rates):g}; at most 1 is possible")
        if self.retry_after < 0:
            raise ValueError("retry_after is a number of seconds and cannot be negative")
        if self.rps_limit is not None and self.rps_limit <= 0:
            raise ValueError("rps_limit must be positive (or None for no limit)")


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
        f = self.faults
        draw = self.rng.random()
        for kind, rate in (
            ("429", f.rate_429),
            ("5xx", f.rate_5xx),
            ("drop-before", f.rate_drop_before),
            ("drop-after", f.rate_drop_after),
        ):
            if draw < rate:
                return kind
            draw -= rate
        return None


class DroppedConnection(Exception):
    """Raised to make the server close a connection mid-answer, when it cannot be aborted."""


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

    @property
    def faults(self) -> Faults:
        return self._injector.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._injector = _Injector(faults)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        injector = self._injector
        wait = injector.bucket.take() if injector.bucket is not None else None
        if wait is not None:
            self._note(scope, "rps-limit")
            message = f"more than {injector.faults.rps_limit:g} requests per second"
            await _send_json(send, 429, error_body(429, "rate_limited", message), wait)
            return
        delay = injector.delay()
        if delay:
            await asyncio.sleep(delay)
        outcome = injector.outcome()
        if outcome is None:
            await self.app(scope, receive, send)
            return
        self._note(scope, outcome)
        if outcome == "429":
            body = error_body(429, "rate_limited", "too many requests; retry later")
            await _send_json(send, 429, body, injector.faults.retry_after)
        elif outcome == "5xx":
            await _send_server_error(send, injector.rng.choice((500, 502, 503)))
        elif outcome == "drop-before":
            await _drop(scope, send)
        else:
            await self._process_then_drop(scope, receive, send)

    @staticmethod
    def _note(scope: Scope, fault: str) -> None:
        exchange = exchange_of(scope)
        if exchange is not None:
            exchange.fault = fault

    async def _process_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request to the end, keep its answer to ourselves, then hang up."""
        status: int | None = None

        async def swallow(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, swallow)
        exchange = exchange_of(scope)
        if exchange is not None:
            exchange.status = status
            exchange.delivered = False
        await _drop(scope, send)


async def _drop(scope: Scope, send: Send) -> None:
    """Close the connection without a byte of answer, as a reset network would.

    The cleanest way is to abort the server's transport, which uvicorn's ``send`` is bound to;
    the server then sees a disconnect and logs nothing. If that is not reachable, start an
    answer and raise: uvicorn closes a connection whose app fails mid-answer (the error is
    kept out of its log by :func:`silence_dropped_connections`).
    """
    exchange = exchange_of(scope)
    if exchange is not None:
        exchange.delivered = False
        exchange.finish()
    raw_send = exchange.raw_send if exchange is not None else send
    transport: Any = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if isinstance(transport, asyncio.Transport):
        transport.abort()
        # Let the loop run connection_lost, so the server knows the client is gone.
        for _ in range(3):
            await asyncio.sleep(0)
        return
    await raw_send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
    )
    raise DroppedConnection("connection dropped by fault injection")


async def _send_json(send: Send, status: int, body: Any, retry_after: int | None) -> None:
    headers = [(b"content-type", b"application/json")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await _send(send, status, headers, json.dumps(body).encode())


async def _send_server_error(send: Send, status: int) -> None:
    if status == 502:
        # What a load balancer in front of the service answers: HTML, not the API's JSON.
        page = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"
        await _send(send, status, [(b"content-type", b"text/html")], page)
        return
    message = "internal server error" if status == 500 else "service unavailable"
    code = "internal_error" if status == 500 else "unavailable"
    await _send_json(send, status, error_body(status, code, message), None)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
