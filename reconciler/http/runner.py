"""The request loop: every request paced, bounded, retried when that is safe, and each failure
turned into a :class:`~reconciler.ProviderError` that quotes no secret.

One :class:`RequestRunner` is one connection pool to one service. At most ``parallelism``
requests are in flight; a :class:`~reconciler.http.ratelimit.Pacer` spaces their starts and
learns the service's rate limit from its 429s. Each attempt is built afresh (``prepare``) inside
its slot, so a signature made of a timestamp and a nonce is never replayed. Failures are
retried as :mod:`reconciler.http.retry` explains; a request that must not be sent twice (a
create: ``confirm``) is looked for instead once it may have reached the service
(:mod:`reconciler.http.confirm`). ``timeout`` bounds a whole request (a server dripping its
answer is cut off), ``connect_timeout`` the connection, ``max_response_bytes`` the answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import httpx

from reconciler.fastjson import loads as json_loads
from reconciler.http.call import Call, Reply
from reconciler.http.confirm import confirm_outcome
from reconciler.http.connection import proxy_for, shown_proxy
from reconciler.http.exchange import Wire
from reconciler.http.messages import Messages
from reconciler.http.ratelimit import Pacer
from reconciler.http.retry import (
    NOT_PROCESSED_STATUSES,
    RETRY_STATUSES,
    Failure,
    retry_after_seconds,
)
from reconciler.http.settings import HttpSettings
from reconciler.records import ReadProgress
from reconciler.waiting import wait as wait_for_retry

__all__ = ["Prepare", "Recover", "RequestRunner", "Sign", "Stats"]

_log = logging.getLogger(__name__)

#: Builds one attempt of a request (and signs it): called inside the attempt's slot.
Prepare = Callable[[], httpx.Request]
#: Signs a built request: returns it (or a new one) with its credentials.
Sign = Callable[[httpx.Request], httpx.Request]
#: Looks for the effect of a request whose answer was lost: the reply it would have had, or
#: None while it cannot be seen.
Recover = Callable[[], Awaitable[Reply | None]]

#: Parameters a request line may show: paging, never a signature, nonce, timestamp or value.
LOGGED_PARAMS = ("page", "limit")


@dataclass(slots=True)
class Stats:
    """What one runner did: requests sent, retries, and waits asked for by a 429."""

    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    retries: int = 0
    pauses: int = 0


class RequestRunner:
    """Sends requests to one service until they are answered; use it as an async context manager.

    ``headers`` go with every request; ``sign`` (for :meth:`request`) adds credentials to
    each attempt. ``messages`` words the failures (:class:`~reconciler.http.Messages`);
    ``transport`` replaces the connections (a test's); ``logger`` is where retries and the
    ``-vv`` request lines go; ``progress`` is told of each request answered.
    """

    def __init__(
        self,
        settings: HttpSettings,
        *,
        headers: Mapping[str, str] | None = None,
        sign: Sign | None = None,
        messages: Messages | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        logger: logging.Logger | None = None,
        progress: ReadProgress | None = None,
    ) -> None:
        self.settings = settings
        self.policy = settings.retry
        self.pacer = Pacer(settings.rate_limit)
        self.stats = Stats()
        self.progress = progress
        self.log = logger or _log
        self._sign = sign
        self._semaphore = asyncio.Semaphore(settings.parallelism)
        proxy = proxy_for(settings.base_url) if settings.trust_env else None
        self.messages = messages or Messages(
            settings.host,
            timeout=settings.timeout,
            connect_timeout=settings.connect_timeout,
            proxy=shown_proxy(proxy) if proxy is not None else None,
        )
        self.wire = Wire(settings, headers or {}, self.messages, transport, proxy)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.wire.aclose()

    def build(self, method: str, path: str, **content: Any) -> httpx.Request:
        """The request for ``base_url + path`` with the runner's headers (:meth:`Wire.build`)."""
        return self.wire.build(method, path, **content)

    # Sending ----------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        address: str | None = None,
        confirm: Recover | None = None,
        absent_is_done: bool = False,
    ) -> Reply:
        """Send ``method path`` (``params`` in the query, ``json`` as the body), each attempt
        signed by ``sign``; the decoded answer, or a ProviderError."""
        sent = dict(params or {}) if json is None else (json if isinstance(json, dict) else {})

        def prepare() -> httpx.Request:
            request = self.build(method, path, params=params, json=json)
            return request if self._sign is None else self._sign(request)

        call = Call(method, path, params=sent, address=address, absent_is_done=absent_is_done)
        return await self.send(call, prepare, confirm=confirm)

    async def send(self, call: Call, prepare: Prepare, *, confirm: Recover | None = None) -> Reply:
        """Send until an answer, retrying what is safe to retry; raise a ProviderError.

        ``prepare`` builds each attempt. ``confirm`` marks a request that must not be sent
        again once it may have reached the service (a POST): it looks for the request's effect
        instead.
        """
        tries = _Tries()
        while True:
            tries.count += 1
            result = await self._attempt(call, prepare)
            if isinstance(result, httpx.Response):
                outcome = await self._answered(call, result, tries, confirm)
            else:
                outcome = await self._failed(call, *result, tries, confirm)
            if isinstance(outcome, Reply):
                return outcome
            reason, retry_after = outcome
            await self._pause(call, reason, tries.count, retry_after)

    # One attempt ------------------------------------------------------------------------------

    async def _attempt(self, call: Call, prepare: Prepare) -> httpx.Response | tuple[Failure, str]:
        """One request, in a slot and at the pace; its answer, or how it failed."""
        async with self._semaphore:
            started = await self.pacer.wait()
            # Built at the last moment, inside the slot: a fresh nonce and an honest timestamp
            # for every attempt, however long it queued.
            request = prepare()
            self.stats.requests += 1
            sent = time.monotonic()
            result = await self.wire.exchange(request, call.secrets)
            self._log_request(call, result, sent)
            if isinstance(result, httpx.Response):
                self._tell_pacer(started, result)
            if self.progress is not None:
                self.progress.requested()
            return result

    def _tell_pacer(self, started: float, response: httpx.Response) -> None:
        refused = response.status_code == 429
        wait = retry_after_seconds(response) if refused else None
        self.pacer.answered(
            started,
            refused=refused,
            # Never longer than a retry would wait: a longer one fails the request.
            retry_after=None if wait is None else min(wait, self.policy.max_retry_after),
        )

    # What an attempt's outcome means ----------------------------------------------------------

    async def _answered(
        self, call: Call, response: httpx.Response, tries: _Tries, confirm: Recover | None
    ) -> Reply | tuple[str, float | None]:
        """The reply, or why to try again and the ``Retry-After``; raises when it is final."""
        status = response.status_code
        if 200 <= status < 300:
            return await self._succeeded(call, response, tries, confirm)
        if status == 404 and call.absent_is_done and tries.may_have_happened:
            self.log.info("%s answered 404 after a lost attempt: it was done", call.what)
            return Reply(status, response.headers, {})
        if status not in RETRY_STATUSES or tries.count >= self.policy.max_attempts:
            raise self.messages.refused(response, call, tries.count)
        if confirm is not None and status not in NOT_PROCESSED_STATUSES:
            return await self._confirm(call, confirm, f"answered {status}")
        if status not in NOT_PROCESSED_STATUSES:
            tries.may_have_happened = True
        return f"answered {status}", self._retry_after(call, response)

    def _retry_after(self, call: Call, response: httpx.Response) -> float | None:
        """The answer's ``Retry-After``, if any; raises when it is longer than the runner waits."""
        retry_after = retry_after_seconds(response)
        if retry_after is None:
            return None
        limit = self.policy.max_retry_after
        if retry_after > limit:
            raise self.messages.wait_too_long(call, response.status_code, retry_after, limit)
        if response.status_code == 429:
            self._held_back(call, retry_after)
        return retry_after

    async def _succeeded(
        self, call: Call, response: httpx.Response, tries: _Tries, confirm: Recover | None
    ) -> Reply | tuple[str, float | None]:
        decoded = _decode(response)
        if decoded is not _UNREADABLE:
            return Reply(response.status_code, response.headers, decoded)
        # Processed, but the answer is cut or not JSON: as good as lost.
        if confirm is not None:
            return await self._confirm(call, confirm, "unreadable answer")
        if tries.count >= self.policy.max_attempts:
            raise self.messages.not_json(response, call)
        tries.may_have_happened = True
        return f"answered {response.status_code} with a body that is not JSON", None

    async def _failed(
        self, call: Call, failure: Failure, reason: str, tries: _Tries, confirm: Recover | None
    ) -> Reply | tuple[str, float | None]:
        if failure is Failure.AMBIGUOUS and confirm is not None:
            return await self._confirm(call, confirm, reason)
        if failure is Failure.FATAL or tries.count >= self.policy.max_attempts:
            raise self.messages.unreachable(failure, reason, call, tries.count)
        if failure is Failure.AMBIGUOUS:
            tries.may_have_happened = True
        return reason, None

    def _held_back(self, call: Call, retry_after: float) -> None:
        """This request waits; the whole runner too if 429s are crowding (Pacer)."""
        self.stats.pauses += 1
        if self.pacer.paused:
            self.log.info(
                "%s answered 429: 429s are crowding, holding every request back"
                " for %.2fs (Retry-After)",
                call.what,
                retry_after,
            )

    async def _pause(
        self, call: Call, reason: str, attempt: int, retry_after: float | None
    ) -> None:
        delay = self.policy.delay(attempt, retry_after)
        self.stats.retries += 1
        self.log.info(
            "%s %s (attempt %d of %d); retrying in %.2fs",
            call.what,
            reason,
            attempt,
            self.policy.max_attempts,
            delay,
        )
        # During an apply the change's slot goes to another change meanwhile.
        await wait_for_retry(delay)

    async def _confirm(self, call: Call, confirm: Recover, reason: str) -> Reply:
        """Look for the effect of a request that must not be sent again, until the deadline."""
        found = await confirm_outcome(
            confirm,
            what=call.what,
            reason=reason,
            window=self.settings.confirm_window * self.settings.timeout,
            first_wait=max(self.policy.base, 0.05),
            address=call.address,
        )
        self.log.info("%s: its answer was lost (%s) but it was done", call.what, reason)
        return found

    def _log_request(
        self, call: Call, result: httpx.Response | tuple[Failure, str], sent: float
    ) -> None:
        """At debug: ``GET /flags page=2 limit=300 -> 200 in 12 ms``, and nothing secret.

        The path holds only ids; a body's field names are shown, never their values.
        """
        if not self.log.isEnabledFor(logging.DEBUG):
            return
        params = call.params
        if call.method == "GET":
            shown = " ".join(f"{k}={params[k]}" for k in LOGGED_PARAMS if k in params)
        else:
            shown = f"fields: {', '.join(sorted(params))}" if params else ""
        outcome = str(result.status_code) if isinstance(result, httpx.Response) else result[1]
        elapsed = (time.monotonic() - sent) * 1000
        self.log.debug(
            "%s %s%s -> %s in %.0f ms",
            call.method,
            call.path,
            f" {shown}" if shown else "",
            outcome,
            elapsed,
        )


@dataclass(slots=True)
class _Tries:
    """How far one request has got: attempts made, and whether one may have been done."""

    count: int = 0
    may_have_happened: bool = False


#: What :func:`_decode` returns for a body that is not JSON (``None`` is valid JSON).
_UNREADABLE: Any = object()


def _decode(response: httpx.Response) -> Any:
    if not response.content.strip():
        return {}
    try:
        return json_loads(response.content)
    except ValueError:
        return _UNREADABLE
