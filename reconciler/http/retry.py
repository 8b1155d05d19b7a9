"""When to try a request again, and how long to wait first.

A failed attempt falls in one of three classes, and the class decides what is safe:

- *not sent*: the connection was never made (refused, connect timeout, no free connection);
  the service saw nothing, so any method may simply be sent again.
- *refused for now*: 429, or a 502/503/504 answered by a gateway, or a 500; the request may or
  may not have been processed (a gateway can time out on a request the application completed).
- *ambiguous*: the connection broke or timed out after the request was sent; the service may
  well have done it.

GET, PATCH, PUT are idempotent and are retried in every case. A POST is never sent again after
anything but *not sent*, 429 and 503: the runner looks for the object it may have created
until a deadline instead, and reports the outcome as unknown if it has not appeared (see
:func:`reconciler.http.confirm.confirm_outcome`). A DELETE that gets 404 after an ambiguous
attempt was done by that attempt. 400, 401, 403, 404 and 422 are answers, never retried. A
certificate that cannot be verified and a host name that does not resolve are *fatal*: trying
again changes nothing, so they fail at once.
"""

from __future__ import annotations

import email.utils
import enum
import random
import socket
import ssl
import time
from dataclasses import dataclass

import httpx

__all__ = [
    "NOT_PROCESSED_STATUSES",
    "RETRY_STATUSES",
    "Failure",
    "RetryPolicy",
    "classify_exception",
    "retry_after_seconds",
    "root_cause",
]

#: Statuses worth another attempt. 500 is included although it often means a bug: the
#: service's own gateways answer 500 for overload too, and a retry costs little.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Our reading: statuses that mean the request was refused before it was processed, so that
#: even a POST may be sent again. 429 says so; 503 ("unable to handle the request") is what
#: a service shedding load or in maintenance answers before the application sees anything.
#: A 500, 502 or 504 may come after the application did the work (a gateway timing out on a
#: slow request), so a create that gets one is looked up, never resent.
NOT_PROCESSED_STATUSES = frozenset({429, 503})


class Failure(enum.Enum):
    """How much the service may have seen of a failed attempt."""

    NOT_SENT = "not sent"
    AMBIGUOUS = "ambiguous"
    FATAL = "fatal"


def root_cause(exc: BaseException, *types: type[BaseException]) -> BaseException | None:
    """The first exception of ``types`` in ``exc``'s chain of causes (httpx wraps httpcore's,
    which wraps the socket's or the TLS library's), or None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, types):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def classify_exception(exc: httpx.HTTPError) -> Failure:
    """Which class an httpx error falls in; anything unexpected is fatal (not retried)."""
    if root_cause(exc, ssl.SSLError, socket.gaierror) is not None:
        return Failure.FATAL
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Failure.NOT_SENT
    if isinstance(
        exc,
        httpx.ReadTimeout
        | httpx.WriteTimeout
        | httpx.RemoteProtocolError
        | httpx.ReadError
        | httpx.WriteError,
    ):
        return Failure.AMBIGUOUS
    return Failure.FATAL


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped, for at most ``max_retries`` retries.

    Full jitter (a uniform draw between zero and the exponential bound) spreads clients that
    failed together, so that they do not come back together.
    """

    max_retries: int = 5
    base: float = 0.5
    cap: float = 20.0
    max_retry_after: float = 120.0

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``attempt``-th failure (counting from 1).

        A ``Retry-After`` from the service is a floor: waiting less would only earn another 429.
        """
        bound = min(self.cap, self.base * 2 ** (attempt - 1))
        jittered = random.uniform(0, bound)
        return jittered if retry_after is None else max(retry_after, jittered)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
