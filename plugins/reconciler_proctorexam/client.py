"""An async client for the ProctorExam v3 institutes API: signed, paced, retried, bounded.

Every attempt is signed afresh (new timestamp, new nonce), so a retry is never a replay. At most
``parallelism`` requests are in flight; an optional pace spaces their starts. Failures are
retried as :mod:`reconciler_proctorexam.retry` explains, a POST only after looking up whether
the lost attempt created the institute after all. Whatever fails in the end leaves this module
as a :class:`reconciler.errors.ProviderError`: no httpx exception, and no secret, gets past it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx

from reconciler.errors import ProviderError, ServiceError, TransportError
from reconciler_proctorexam.api_errors import error_for_response, redact
from reconciler_proctorexam.config import BASE_URL_VAR, ClientSettings, is_loopback
from reconciler_proctorexam.institute import WRITE_ONLY
from reconciler_proctorexam.ratelimit import Pacer
from reconciler_proctorexam.retry import (
    RETRY_STATUSES,
    Failure,
    RetryPolicy,
    classify_exception,
    retry_after_seconds,
)
from reconciler_proctorexam.signing import render_value, signed_params, string_to_sign

__all__ = ["ACCEPT", "PAGE_LIMIT", "ProctorExamClient", "Reply"]

log = logging.getLogger(__name__)

#: The version header every request must carry.
ACCEPT = "application/vnd.procwise.v3"

#: The documented default and maximum page size: the fewest requests for a full listing.
PAGE_LIMIT = 300

#: A listing is walked again (at most this often) when the item count moved while it was read.
_LISTING_ROUNDS = 3

T = TypeVar("T")

#: Methods whose parameters always travel in the query string; DELETE's follow the
#: ``delete_params`` reading (see :meth:`ProctorExamClient._in_query`); the others send JSON.
_QUERY_METHODS = frozenset({"GET"})


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: its status, headers and decoded JSON body."""

    status: int
    headers: httpx.Headers
    body: Any


Recover = Callable[[], Awaitable[Reply | None]]


class ProctorExamClient:
    """One connection pool to one ProctorExam environment; use it as an async context manager."""

    def __init__(
        self, settings: ClientSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._policy = RetryPolicy(
            max_retries=settings.max_retries,
            base=settings.backoff,
            cap=settings.backoff_cap,
            max_retry_after=settings.max_retry_after,
        )
        self._stats = _Stats(started=time.monotonic())
        self._semaphore = asyncio.Semaphore(settings.parallelism)
        self._pacer = Pacer(settings.rate_limit)
        self._secrets = (settings.credentials.token, settings.credentials.secret)
        limits = httpx.Limits(
            max_connections=settings.parallelism, max_keepalive_connections=settings.parallelism
        )
        self._http = httpx.AsyncClient(
            headers={
                "Accept": ACCEPT,
                "Authorization": f"Token token={settings.credentials.token}",
            },
            timeout=httpx.Timeout(settings.timeout),
            limits=limits,
            verify=True,
            follow_redirects=False,
            # Proxy variables are for the outside world; the local sandbox is reached directly.
            trust_env=not is_loopback(httpx.URL(settings.base_url).host),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"ProctorExamClient({self.settings.base_url!r})"

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
        await self._http.aclose()
        stats = self._stats
        if stats.requests:
            log.info(
                "%s: %d request%s (%d retried, %d paused by 429) in %.2fs",
                self.settings.host,
                stats.requests,
                "" if stats.requests == 1 else "s",
                stats.retries,
                stats.pauses,
                time.monotonic() - stats.started,
            )

    # Institutes -----------------------------------------------------------------------------

    async def list_institutes(self) -> list[dict[str, Any]]:
        """Every institute exactly once: page 1, then the other pages concurrently.

        Pages shift when an institute is deleted during the walk, so the result is de-duplicated
        by id, and the walk starts again when the total reported by the pages changed under it.
        """
        institutes: dict[Any, dict[str, Any]] = {}
        for _ in range(_LISTING_ROUNDS):
            first = await self._call("GET", "/institutes", {"page": 1, "limit": PAGE_LIMIT})
            pages = _page_count(first)
            if pages is None:
                replies = await self._walk_sequentially(first)
            else:
                rest = await _gather(
                    self._call("GET", "/institutes", {"page": page, "limit": PAGE_LIMIT})
                    for page in range(2, pages + 1)
                )
                replies = [first, *rest]
            institutes = {}
            for reply in replies:
                for item in _items(reply, "institutes"):
                    institutes.setdefault(item.get("id"), item)
            totals = {reply.headers.get("X-Pagination-Item-Count") for reply in replies}
            if len(totals) <= 1:
                break
            log.debug("the institutes changed during the listing; walking it again")
        return list(institutes.values())

    async def find_institute(self, short_name: str) -> dict[str, Any] | None:
        """The institute with this ``short_name``, if any (the API has no filter: list, find)."""
        for institute in await self.list_institutes():
            if institute.get("short_name") == short_name:
                return institute
        return None

    async def get_institute(self, ref: str, *, address: str | None = None) -> dict[str, Any]:
        reply = await self._call("GET", "/institutes/{id}", {}, path_id=ref, address=address)
        return _item(reply, "institute")

    async def create_institute(
        self, values: Mapping[str, Any], *, address: str | None = None
    ) -> dict[str, Any]:
        """POST a new institute (``values`` includes ``short_name``).

        Never blindly retried: after an attempt that may have reached the service, the
        institute is looked up by short_name, and only sent again if it is not there.
        """
        short_name = values.get("short_name")

        async def recover() -> Reply | None:
            if not isinstance(short_name, str):
                return None
            found = await self.find_institute(short_name)
            if found is None:
                return None
            log.info("the lost create of %r had been done; not sending it again", short_name)
            return Reply(200, httpx.Headers(), {"institute": found})

        reply = await self._call("POST", "/institutes", values, address=address, recover=recover)
        return _item(reply, "institute")

    async def update_institute(
        self, ref: str, values: Mapping[str, Any], *, address: str | None = None
    ) -> dict[str, Any]:
        """Send only the given fields; idempotent, so retried like a read.

        The verb is our reading (``update_method``: PATCH, as one public client sends, or PUT).
        """
        method = self.settings.update_method
        reply = await self._call(method, "/institutes/{id}", values, path_id=ref, address=address)
        return _item(reply, "institute")

    async def delete_institute(self, ref: str, *, address: str | None = None) -> None:
        """DELETE; a 404 after an attempt that may have done it means it is done."""
        await self._call(
            "DELETE", "/institutes/{id}", {}, path_id=ref, address=address, absent_is_done=True
        )

    # The request loop -----------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        *,
        path_id: str | None = None,
        address: str | None = None,
        recover: Recover | None = None,
        absent_is_done: bool = False,
    ) -> Reply:
        """Send until an answer, retrying what is safe to retry; raise a ProviderError.

        After an attempt that may have reached the service, ``recover`` looks for its effect
        (a POST's new institute); ``absent_is_done`` takes a 404 as that effect (a DELETE's).
        """
        collection = "{id}" not in path
        if path_id is not None:
            path = path.format(id=quote(path_id, safe=""))
        what = f"{method} {path}"
        try:
            string_to_sign(params)
        except TypeError as exc:
            raise ProviderError(f"cannot send {what}: {exc}.", address=address) from None
        secrets = (
            *self._secrets,
            # Write-only values are secrets too: kept out of every message, like the credentials.
            *(str(v) for k, v in params.items() if k in WRITE_ONLY and v is not None),
        )
        may_have_happened = False
        attempt = 0
        while True:
            attempt += 1
            if may_have_happened and recover is not None:
                recovered = await recover()
                if recovered is not None:
                    return recovered
            result = await self._attempt(method, path, params, path_id, secrets)
            retry_after: float | None = None
            if isinstance(result, httpx.Response):
                status = result.status_code
                if 200 <= status < 300:
                    return Reply(status, result.headers, _decode(result, what, address))
                if status == 404 and absent_is_done and may_have_happened:
                    log.info("%s answered 404 after a lost attempt: it was done", what)
                    return Reply(status, result.headers, {})
                if status not in RETRY_STATUSES or attempt >= self._policy.max_attempts:
                    raise error_for_response(
                        result,
                        what=what,
                        address=address,
                        secrets=secrets,
                        attempts=attempt,
                        hint=self._reading_hint(method, status, params),
                        collection=collection,
                    )
                retry_after = retry_after_seconds(result)
                if retry_after is not None and retry_after > self._policy.max_retry_after:
                    raise ServiceError(
                        f"{self.settings.host} asked to wait {retry_after:.0f}s before retrying"
                        f" {what} (answered {status}), longer than max_retry_after"
                        f" ({self._policy.max_retry_after:g}s). Try again later.",
                        address=address,
                    )
                if status == 429 and retry_after is not None:
                    # Too many requests: the whole client slows down, not only this task.
                    self._pacer.pause(retry_after)
                    self._stats.pauses += 1
                    log.info(
                        "%s answered 429: pausing every request for %.2fs (Retry-After)",
                        what,
                        retry_after,
                    )
                elif status != 429:
                    may_have_happened = True
                reason = f"answered {status}"
            else:
                failure, reason = result
                if failure is Failure.FATAL or attempt >= self._policy.max_attempts:
                    raise TransportError(
                        f"cannot reach {self.settings.host}: {reason} ({what}, {attempt}"
                        f" attempt{'s' if attempt != 1 else ''}). Check {BASE_URL_VAR} and the"
                        " network, or raise timeout / max_retries in the settings.",
                        address=address,
                    )
                if failure is Failure.AMBIGUOUS:
                    may_have_happened = True
            delay = self._policy.delay(attempt, retry_after)
            self._stats.retries += 1
            log.info(
                "%s %s (attempt %d of %d); retrying in %.2fs",
                what,
                reason,
                attempt,
                self._policy.max_attempts,
                delay,
            )
            await asyncio.sleep(delay)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        path_id: str | None,
        secrets: Iterable[str],
    ) -> httpx.Response | tuple[Failure, str]:
        """One signed request. Returns the response, or how it failed (never raises httpx's)."""
        url = self.settings.base_url + path
        async with self._semaphore:
            await self._pacer.wait()
            # Signed at the last moment, inside the slot: a fresh nonce and an honest timestamp
            # for every attempt, however long it queued.
            to_sign = dict(params) if path_id is None else {**params, "id": path_id}
            signed = signed_params(
                to_sign, self.settings.credentials.secret, lists=self.settings.list_rendering
            )
            self._stats.requests += 1
            sent = time.monotonic()
            try:
                if self._in_query(method):
                    # The path id is signed but travels in the path, not again in the query.
                    query = {
                        k: render_value(v)
                        for k, v in signed.items()
                        if not (k == "id" and path_id is not None)
                    }
                    response = await self._http.request(method, url, params=query)
                else:
                    response = await self._http.request(method, url, json=signed)
            except httpx.HTTPError as exc:
                # Described here and dropped: httpx's exceptions hold the request, body and all.
                failure = classify_exception(exc), self._describe(exc, secrets)
                _log_request(method, path, params, failure[1], sent)
                return failure
            _log_request(method, path, params, str(response.status_code), sent)
            return response

    def _reading_hint(self, method: str, status: int, params: Mapping[str, Any]) -> str:
        """Which switchable reading (``READINGS``) may explain a refusal; "" when none."""
        table = "[providers.proctorexam]"
        if status == 405 and method in ("PATCH", "PUT"):
            other = "PUT" if method == "PATCH" else "PATCH"
            return (
                f"The update verb is our reading: if the service updates with {other}, set"
                f' update_method = "{other}" under {table}'
                " (reconciler doctor --write-probe NAME checks the verb)."
            )
        if status in (400, 415) and method == "DELETE":
            other = "body" if self.settings.delete_params == "query" else "query"
            return (
                "Where a DELETE's parameters travel is our reading: if the service wants them in"
                f' the {other}, set delete_params = "{other}" under {table}.'
            )
        if status == 401 and any(isinstance(v, list | tuple) for v in params.values()):
            other = "json" if self.settings.list_rendering == "ruby" else "ruby"
            return (
                "This request carried a list, and how a list is signed is our reading: if"
                f' requests without lists pass, set list_rendering = "{other}" under {table}'
                " (reconciler doctor tells which one the service expects)."
            )
        return ""

    def _in_query(self, method: str) -> bool:
        """Whether ``method`` sends its parameters in the query string rather than JSON.

        For DELETE it is our reading (``delete_params``): clients differ, and a Rails server
        merges both, so the query string unless the settings say ``body``.
        """
        if method == "DELETE":
            return self.settings.delete_params == "query"
        return method in _QUERY_METHODS

    def _describe(self, exc: httpx.HTTPError, secrets: Iterable[str]) -> str:
        """A few words on what went wrong; only errors known not to quote the request say more."""
        timeout = f"{self.settings.timeout:g}s"
        detail = redact(str(exc), secrets)
        if isinstance(exc, httpx.ConnectTimeout):
            return f"connecting timed out after {timeout}"
        if isinstance(exc, httpx.ConnectError):
            return f"could not connect ({detail})" if detail else "could not connect"
        if isinstance(exc, httpx.ReadTimeout):
            return f"no answer within {timeout}"
        if isinstance(exc, httpx.WriteTimeout):
            return f"sending timed out after {timeout}"
        if isinstance(exc, httpx.PoolTimeout):
            return "no free connection in the pool"
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return "the connection was dropped" + (f" ({detail})" if detail else "")
        # Others (a malformed header, say) may quote what was sent: name them, nothing more.
        return type(exc).__name__

    async def _walk_sequentially(self, first: Reply) -> list[Reply]:
        """Without pagination headers: follow pages until one is not full."""
        replies = [first]
        page = 1
        while len(_items(replies[-1], "institutes")) >= PAGE_LIMIT:
            page += 1
            replies.append(
                await self._call("GET", "/institutes", {"page": page, "limit": PAGE_LIMIT})
            )
        return replies


@dataclass(slots=True)
class _Stats:
    """What one client did, logged when it closes: once per phase (refresh, apply)."""

    started: float
    requests: int = 0
    retries: int = 0
    pauses: int = 0


#: Parameters a request line may show: paging, never a signature, nonce, timestamp or value.
_LOGGED_PARAMS = ("page", "limit")


def _log_request(
    method: str, path: str, params: Mapping[str, Any], outcome: str, sent: float
) -> None:
    """At ``-vv``: ``GET /institutes page=2 limit=300 -> 200 in 12 ms``, and nothing secret.

    The path holds only the API id; the body's field names are shown, never their values.
    """
    if not log.isEnabledFor(logging.DEBUG):
        return
    if method in _QUERY_METHODS:
        shown = " ".join(f"{k}={params[k]}" for k in _LOGGED_PARAMS if k in params)
    else:
        shown = f"fields: {', '.join(sorted(params))}" if params else ""
    elapsed = (time.monotonic() - sent) * 1000
    log.debug(
        "%s %s%s -> %s in %.0f ms", method, path, f" {shown}" if shown else "", outcome, elapsed
    )


def _decode(response: httpx.Response, what: str, address: str | None) -> Any:
    if not response.content.strip():
        return {}
    try:
        return json.loads(response.content)
    except ValueError:
        raise ProviderError(
            f"{response.request.url.host} answered {what} with {response.status_code} but the"
            " body is not JSON; is PROCTOREXAM_BASE_URL the API address (ending in /api/v3)?",
            address=address,
        ) from None


def _item(reply: Reply, key: str) -> dict[str, Any]:
    body = reply.body
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        return dict(body[key])
    raise ProviderError(f"unexpected answer from the ProctorExam API: no {key!r} object in it.")


def _items(reply: Reply, key: str) -> list[dict[str, Any]]:
    body = reply.body
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return [item for item in body[key] if isinstance(item, dict)]
    raise ProviderError(f"unexpected answer from the ProctorExam API: no {key!r} list in it.")


def _page_count(reply: Reply) -> int | None:
    """Pages to fetch, from ``X-Pagination-Page-Count`` (or the item count); None if unknown."""
    for header, per in (("X-Pagination-Page-Count", 1), ("X-Pagination-Item-Count", PAGE_LIMIT)):
        value = reply.headers.get(header)
        if value is not None and value.strip().isdigit():
            return max(1, math.ceil(int(value) / per))
    return None


async def _gather(coroutines: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run all; on the first failure cancel the rest and raise that failure itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coroutines]
    except BaseExceptionGroup as failed:
        raise _first_leaf(failed) from None
    return [task.result() for task in tasks]


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
