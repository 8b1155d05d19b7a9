"""An async client for the ProctorExam v3 institutes API: signed, paced, retried, bounded.

Every attempt is signed afresh (new timestamp, new nonce), so a retry is never a replay. At most
``parallelism`` requests are in flight; an optional pace spaces their starts. Failures are
retried as :mod:`reconciler_proctorexam.retry` explains; a POST whose answer was lost is never
sent again, only looked for. ``timeout`` bounds a whole request (a server dripping its answer
is cut off), ``connect_timeout`` the connection, ``max_response_bytes`` the answer. Whatever
fails in the end leaves this module as a :class:`reconciler.errors.ProviderError`: no httpx
exception, and no secret, gets past it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import ssl
import time
import urllib.request
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
)
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx

from reconciler import (
    AuthenticationError,
    OutcomeUnknownError,
    ProviderError,
    ReadProgress,
    ServiceError,
    TransportError,
    json_loads,
    wait_for_retry,
)
from reconciler_proctorexam.api_errors import error_for_response, redact
from reconciler_proctorexam.config import (
    BASE_URL_VAR,
    CA_BUNDLE_VAR,
    ClientSettings,
    is_loopback,
)
from reconciler_proctorexam.institute import WRITE_ONLY
from reconciler_proctorexam.ratelimit import Pacer
from reconciler_proctorexam.retry import (
    NOT_PROCESSED_STATUSES,
    RETRY_STATUSES,
    Failure,
    RetryPolicy,
    classify_exception,
    retry_after_seconds,
    root_cause,
)
from reconciler_proctorexam.signing import render_value, signed_params, string_to_sign
from reconciler_proctorexam.transport import SlotTransport
from reconciler_proctorexam.user import UsersApi

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

#: Parameters whose values are secrets, kept out of every message like the credentials.
_SECRET_PARAMS = WRITE_ONLY | UsersApi.SECRET_PARAMS


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: its status, headers and decoded JSON body."""

    status: int
    headers: httpx.Headers
    body: Any


Recover = Callable[[], Awaitable[Reply | None]]

#: How long a create whose answer was lost is looked for, in request timeouts after the
#: attempt: a server may commit a request that outlived the client's timeout this much later.
CONFIRM_TIMEOUTS = 2.0


class ProctorExamClient:
    """One connection pool to one ProctorExam environment; use it as an async context manager."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        progress: ReadProgress | None = None,
    ) -> None:
        self.settings = settings
        #: Told of each request answered (or given up on), and by the sessions of what they
        #: read: ``export`` shows it on a terminal.
        self.progress = progress
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
        self._trust_env = not is_loopback(httpx.URL(settings.base_url).host)
        proxy = _proxy_url(settings.base_url) if self._trust_env else None
        self._proxy = _shown_proxy(proxy) if proxy is not None else None
        # An http(s) proxy carries the requests; another kind (socks) is only named in messages.
        routed = proxy if proxy is not None and _is_http_proxy(proxy) else None
        limits = httpx.Limits(
            max_connections=settings.parallelism, max_keepalive_connections=settings.parallelism
        )
        # Plain http (the local sandbox) speaks no TLS: no certificate store to load (~40 ms).
        tls = httpx.URL(settings.base_url).scheme == "https"
        verify = _verify(settings) if tls else True
        # One connection per slot: requests never queue in httpcore's pool (transport.py).
        self._transport = transport or SlotTransport(
            settings.parallelism, verify=verify, trust_env=self._trust_env, tls=tls, proxy=routed
        )
        self._http = httpx.AsyncClient(
            headers={
                "Accept": ACCEPT,
                "Authorization": f"Token token={settings.credentials.token}",
            },
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            limits=limits,
            verify=verify,
            follow_redirects=False,
            # Proxy variables are for the outside world; the local sandbox is reached directly.
            trust_env=self._trust_env,
            transport=self._transport,
        )
        self._extensions = {"timeout": self._http.timeout.as_dict()}

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
        learnt, rate = self._pacer.learnt, self._pacer.rate
        if learnt is not None:
            log.info(
                "%s: learnt a rate limit of about %.1f requests per second from its 429s;"
                " settled on a pace of %.1f (rate_limit under [providers.proctorexam] caps it)",
                self.settings.host,
                learnt,
                rate,  # set whenever a limit was learnt
            )

    # Institutes -----------------------------------------------------------------------------

    async def list_institutes(self) -> list[dict[str, Any]]:
        """Every institute exactly once (see :meth:`list_all`)."""
        return await self.list_all("/institutes", "institutes")

    async def list_all(
        self,
        path: str,
        key: str,
        *,
        path_params: Mapping[str, str] | None = None,
        address: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list exactly once: page 1, then the others concurrently.

        Pages shift when an item is deleted during the walk, so the result is de-duplicated
        by id, and the walk starts again when the total reported by the pages changed under it.
        """

        def page_of(page: int) -> Coroutine[Any, Any, Reply]:
            params = {"page": page, "limit": PAGE_LIMIT}
            return self._call("GET", path, params, path_params=path_params, address=address)

        items: dict[Any, dict[str, Any]] = {}
        for _ in range(_LISTING_ROUNDS):
            first = await page_of(1)
            pages = _page_count(first)
            if pages is None:
                # Without pagination headers: follow pages until one is not full.
                replies = [first]
                while len(_items(replies[-1], key)) >= PAGE_LIMIT:
                    replies.append(await page_of(len(replies) + 1))
            else:
                replies = [first, *await _gather(page_of(p) for p in range(2, pages + 1))]
            items = {}
            for reply in replies:
                for item in _items(reply, key):
                    items.setdefault(item.get("id"), item)
            totals = {reply.headers.get("X-Pagination-Item-Count") for reply in replies}
            if len(totals) <= 1:
                break
            log.debug("the %s changed during the listing; walking it again", key)
        return list(items.values())

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

        Never sent twice once an attempt may have reached the service (a lost answer, a 500,
        502 or 504): the institute is looked up by short_name until :data:`CONFIRM_TIMEOUTS`
        request timeouts after that attempt, because a server may commit it late. If it has not
        appeared by then, :class:`OutcomeUnknownError`: a later plan decides.
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

        reply = await self._call("POST", "/institutes", values, address=address, confirm=recover)
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
        path_params: Mapping[str, str] | None = None,
        address: str | None = None,
        confirm: Recover | None = None,
        absent_is_done: bool = False,
    ) -> Reply:
        """Send until an answer, retrying what is safe to retry; raise a ProviderError.

        ``path_params`` fill the path's ``{name}`` slots (``path_id`` is ``{id}``); they are
        signed like every other parameter. ``confirm`` marks a request that must not be sent
        again once it may have reached the service (a POST): it looks for the request's effect
        instead. ``absent_is_done`` takes a 404 after such an attempt as the effect (a
        DELETE's).
        """
        # A root collection (no path parameter) always exists: a 404 there is a wrong base URL.
        collection = "{" not in path
        in_path = dict(path_params or {})
        if path_id is not None:
            in_path["id"] = path_id
        if in_path:
            path = path.format(**{k: quote(v, safe="") for k, v in in_path.items()})
        what = f"{method} {path}"
        try:
            string_to_sign(params)
        except TypeError as exc:
            raise ProviderError(f"cannot send {what}: {exc}.", address=address) from None
        secrets = (
            *self._secrets,
            # Write-only values are secrets too: kept out of every message, like the credentials.
            *(str(v) for k, v in params.items() if k in _SECRET_PARAMS and v is not None),
        )
        may_have_happened = False
        attempt = 0
        while True:
            attempt += 1
            result = await self._attempt(method, path, params, in_path, secrets)
            retry_after: float | None = None
            if isinstance(result, httpx.Response):
                status = result.status_code
                if 200 <= status < 300:
                    decoded = _decode(result)
                    if decoded is not _UNREADABLE:
                        return Reply(status, result.headers, decoded)
                    # Processed, but the answer is cut or not JSON: as good as lost.
                    if confirm is not None:
                        return await self._confirm(confirm, what, address, "unreadable answer")
                    if attempt >= self._policy.max_attempts:
                        raise _not_json(result, what, address)
                    reason = f"answered {status} with a body that is not JSON"
                    may_have_happened = True
                    await self._pause(what, reason, attempt, None)
                    continue
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
                if confirm is not None and status not in NOT_PROCESSED_STATUSES:
                    return await self._confirm(confirm, what, address, f"answered {status}")
                retry_after = retry_after_seconds(result)
                if retry_after is not None and retry_after > self._policy.max_retry_after:
                    raise ServiceError(
                        f"{self.settings.host} asked to wait {retry_after:.0f}s before retrying"
                        f" {what} (answered {status}), longer than max_retry_after"
                        f" ({self._policy.max_retry_after:g}s). Try again later.",
                        address=address,
                    )
                if status == 429 and retry_after is not None:
                    # This request waits; the whole client too if 429s are crowding (Pacer).
                    self._stats.pauses += 1
                    if self._pacer.paused:
                        log.info(
                            "%s answered 429: 429s are crowding, holding every request back"
                            " for %.2fs (Retry-After)",
                            what,
                            retry_after,
                        )
                elif status not in NOT_PROCESSED_STATUSES:
                    may_have_happened = True
                reason = f"answered {status}"
            else:
                failure, reason = result
                if failure is Failure.AMBIGUOUS and confirm is not None:
                    return await self._confirm(confirm, what, address, reason)
                if failure is Failure.FATAL or attempt >= self._policy.max_attempts:
                    raise self._unreachable(failure, reason, what, attempt, address)
                if failure is Failure.AMBIGUOUS:
                    may_have_happened = True
            await self._pause(what, reason, attempt, retry_after)

    async def _pause(self, what: str, reason: str, attempt: int, retry_after: float | None) -> None:
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
        # During an apply the change's slot goes to another change meanwhile.
        await wait_for_retry(delay)

    async def _confirm(
        self, confirm: Recover, what: str, address: str | None, reason: str
    ) -> Reply:
        """Look for the effect of a request that must not be sent again, until the deadline."""
        window = CONFIRM_TIMEOUTS * self.settings.timeout
        deadline = time.monotonic() + window
        wait = max(self._policy.base, 0.05)
        last_error = ""
        while True:
            try:
                found = await confirm()
            except AuthenticationError:
                raise
            except ProviderError as exc:
                found, last_error = None, f" (the last look-up failed: {exc.detail})"
            if found is not None:
                log.info("%s: its answer was lost (%s) but it was done", what, reason)
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OutcomeUnknownError(
                    f"{what} was sent but its answer was lost ({reason}), and the object had"
                    f" not appeared {window:g}s later{last_error}. It may still be made by the"
                    " service; it was not sent again, so it cannot be made twice. Run plan"
                    " again: the next plan shows whether it is still needed.",
                    address=address,
                )
            await asyncio.sleep(min(wait, remaining))
            wait = min(wait * 2, 5.0)

    def _unreachable(
        self, failure: Failure, reason: str, what: str, attempt: int, address: str | None
    ) -> TransportError:
        attempts = f"{attempt} attempt{'s' if attempt != 1 else ''}"
        if failure is Failure.FATAL:
            return TransportError(f"{reason} ({what}; not retried).", address=address)
        advice = (
            f"Check {BASE_URL_VAR} and the network, or raise timeout / max_retries in the settings."
        )
        if self._proxy is not None and reason.startswith("could not connect"):
            advice = (
                f"Check that the proxy {self._proxy} is running and reachable, or set NO_PROXY."
            )
        return TransportError(
            f"cannot reach {self.settings.host}: {reason} ({what}, {attempts}). {advice}",
            address=address,
        )

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        in_path: Mapping[str, str],
        secrets: Iterable[str],
    ) -> httpx.Response | tuple[Failure, str]:
        """One signed request. Returns the response, or how it failed (never raises httpx's)."""
        url = self.settings.base_url + path
        async with self._semaphore:
            started = await self._pacer.wait()
            # Signed at the last moment, inside the slot: a fresh nonce and an honest timestamp
            # for every attempt, however long it queued.
            signed = signed_params(
                {**params, **in_path},
                self.settings.credentials.secret,
                lists=self.settings.list_rendering,
            )
            if self._in_query(method):
                # Path parameters are signed but travel in the path, not again in the query.
                query = {k: render_value(v) for k, v in signed.items() if k not in in_path}
                request = self._request(method, url, params=query)
            else:
                request = self._request(method, url, json=signed)
            self._stats.requests += 1
            sent = time.monotonic()
            result = await self._exchange(request, secrets)
            _log_request(method, path, params, result, sent)
            if isinstance(result, httpx.Response):
                refused = result.status_code == 429
                wait = retry_after_seconds(result) if refused else None
                self._pacer.answered(
                    started,
                    refused=refused,
                    # Never longer than a retry would wait: a longer one fails the request.
                    retry_after=None if wait is None else min(wait, self._policy.max_retry_after),
                )
            if self.progress is not None:
                self.progress.requested()
            return result

    async def _exchange(
        self, request: httpx.Request, secrets: Iterable[str]
    ) -> httpx.Response | tuple[Failure, str]:
        """Send one built request; its answer, or how it failed (never raises httpx's)."""
        try:
            # The whole request, answer included, within ``timeout``: httpx's own timeout
            # bounds each read, which a server dripping a byte at a time never trips.
            async with asyncio.timeout(self.settings.timeout):
                return await self._receive(request)
        except TimeoutError:
            return Failure.AMBIGUOUS, f"no complete answer within {self.settings.timeout:g}s"
        except _TooLarge as exc:
            return Failure.FATAL, str(exc)
        except httpx.HTTPError as exc:
            # Described here and dropped: httpx's exceptions hold the request, body and all.
            return classify_exception(exc), self._describe(exc, secrets)

    async def _receive(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read its answer, refusing one above ``max_response_bytes``."""
        cap = self.settings.max_response_bytes
        response = await self._send(request)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise _TooLarge(self._too_large(request, int(declared)))
            chunks: list[bytes] = []
            size = 0
            # An answer made in memory (a test's mock transport) comes already read. The body is
            # read as the transport gives it: what aiter_raw adds (re-chunking, the download
            # count) is for an answer that is kept, and this one is replaced below.
            stream: AsyncIterable[bytes]
            if response.is_stream_consumed:
                stream = _once(response.content)
            elif isinstance(response.stream, httpx.AsyncByteStream):
                stream = response.stream
            else:
                stream = response.aiter_raw()
            async for chunk in stream:
                size += len(chunk)
                if size > cap:
                    raise _TooLarge(self._too_large(request, size))
                chunks.append(chunk)
        finally:
            await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=b"".join(chunks),
            request=request,
        )

    def _request(self, method: str, url: str, **content: Any) -> httpx.Request:
        """What ``AsyncClient.build_request`` builds, without merging into a copy of everything
        the client holds: this client sets no base URL and no query, only headers, a timeout
        and (when the service set one) cookies."""
        request = httpx.Request(
            method, url, headers=self._http.headers, extensions=self._extensions, **content
        )
        if self._http.cookies:
            self._http.cookies.set_cookie_header(request)
        return request

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """``AsyncClient.send(request, stream=True)``, without the steps this client never needs.

        The request goes straight to the transport: this client has no auth flow, follows no
        redirect, mounts no other transport and hooks no event. Its cookie jar is kept as
        httpx keeps it, but looked at only when an answer sets a cookie: the jar's parsing of
        every answer was a twentieth of the client's CPU per request.
        """
        if self._http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        try:
            response = await self._transport.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request  # as AsyncClient.send leaves it
            raise
        response.request = request
        if "set-cookie" in response.headers:
            self._http.cookies.extract_cookies(response)
        return response

    def _too_large(self, request: httpx.Request, size: int) -> str:
        cap = self.settings.max_response_bytes
        return (
            f"{self.settings.host} answered {request.method} {request.url.path} with more than"
            f" max_response_bytes ({cap:,} bytes; at least {size:,}); refused without reading"
            " it. Check the base URL, or raise max_response_bytes in the settings"
        )

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
        host = self.settings.host
        dns = root_cause(exc, socket.gaierror)
        if dns is not None and self._proxy is None:
            return (
                f"cannot resolve the host name {httpx.URL(self.settings.base_url).host!r}"
                f" (DNS: {getattr(dns, 'strerror', None) or dns}); check {BASE_URL_VAR} and the"
                " machine's DNS settings"
            )
        tls = root_cause(exc, ssl.SSLError)
        if isinstance(tls, ssl.SSLCertVerificationError):
            return (
                f"the TLS certificate of {host} could not be verified ({tls.verify_message})."
                " If the service uses a private certificate authority, name its PEM file with"
                f" {CA_BUNDLE_VAR}, ca_bundle under [providers.proctorexam], or"
                " REQUESTS_CA_BUNDLE / SSL_CERT_FILE"
            )
        if tls is not None:
            why = getattr(tls, "reason", None) or type(tls).__name__
            return f"the TLS handshake with {host} failed ({why}); is it an https:// address?"
        if self._proxy is not None and (isinstance(exc, httpx.ProxyError) or dns is not None):
            return f"could not connect through the proxy {self._proxy}"
        timeout = f"{self.settings.connect_timeout:g}s"
        detail = redact(str(exc), secrets)
        if isinstance(exc, httpx.ConnectTimeout):
            return f"connecting timed out after {timeout}"
        if isinstance(exc, httpx.ConnectError):
            via = f" (through the proxy {self._proxy})" if self._proxy is not None else ""
            return f"could not connect{via}" + (f" ({detail})" if detail else "")
        if isinstance(exc, httpx.ReadTimeout):
            return f"no answer within {self.settings.timeout:g}s"
        if isinstance(exc, httpx.WriteTimeout):
            return f"sending timed out after {self.settings.timeout:g}s"
        if isinstance(exc, httpx.PoolTimeout):
            return "no free connection in the pool"
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return "the connection was dropped" + (f" ({detail})" if detail else "")
        # Others (a malformed header, say) may quote what was sent: name them, nothing more.
        return type(exc).__name__


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


class _TooLarge(Exception):
    """An answer above ``max_response_bytes``; its message is fit to show."""


#: What :func:`_decode` returns for a body that is not JSON (``None`` is valid JSON).
_UNREADABLE: Any = object()


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
    method: str,
    path: str,
    params: Mapping[str, Any],
    result: httpx.Response | tuple[Failure, str],
    sent: float,
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
    outcome = str(result.status_code) if isinstance(result, httpx.Response) else result[1]
    elapsed = (time.monotonic() - sent) * 1000
    log.debug(
        "%s %s%s -> %s in %.0f ms", method, path, f" {shown}" if shown else "", outcome, elapsed
    )


def _decode(response: httpx.Response) -> Any:
    if not response.content.strip():
        return {}
    try:
        return json_loads(response.content)
    except ValueError:
        return _UNREADABLE


def _not_json(response: httpx.Response, what: str, address: str | None) -> ProviderError:
    return ProviderError(
        f"{response.request.url.host} answered {what} with {response.status_code} but the"
        " body is not JSON; is PROCTOREXAM_BASE_URL the API address (ending in /api/v3)?",
        address=address,
    )


def _verify(settings: ClientSettings) -> ssl.SSLContext | bool:
    """The system's certificate store, or only the CA bundle the settings name."""
    if settings.ca_bundle is None:
        return True
    return ssl.create_default_context(cafile=str(settings.ca_bundle))


def _proxy_url(base_url: str) -> str | None:
    """The proxy the environment sends ``base_url`` through (``HTTPS_PROXY``, ``NO_PROXY``...),
    as it is set, credentials included: what the connections go through."""
    url = httpx.URL(base_url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if not proxy or bypass(url.host, proxies):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _is_http_proxy(proxy: str) -> bool:
    try:
        parsed = httpx.URL(proxy)
    except httpx.InvalidURL:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


def _shown_proxy(proxy: str) -> str:
    """The proxy as messages name it: its user and password removed."""
    try:
        parsed = httpx.URL(proxy)
    except httpx.InvalidURL:
        return "(the proxy set in the environment)"
    return str(parsed.copy_with(username=None, password=None))


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
