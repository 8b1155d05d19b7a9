"""The wire: requests built, sent through the slots and read whole, within bounds.

:class:`Wire` is what a :class:`~reconciler.http.RequestRunner` sends each attempt through. It
never raises httpx's exceptions: an attempt ends in an answer read whole (at most
``max_response_bytes``, within ``timeout``), or in how it failed (a
:class:`~reconciler.http.Failure` and a few words from :class:`~reconciler.http.Messages`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from reconciler.http.body import ResponseTooLarge, read_capped
from reconciler.http.connection import is_http_proxy, tls_verify
from reconciler.http.messages import Messages
from reconciler.http.retry import Failure, classify_exception
from reconciler.http.settings import HttpSettings
from reconciler.http.transport import SlotTransport

__all__ = ["Wire"]


class Wire:
    """One connection pool (:class:`SlotTransport`, or ``transport``) and the client state
    httpx keeps beside it: headers, timeouts, cookies. ``proxy`` is the environment's, if any."""

    def __init__(
        self,
        settings: HttpSettings,
        headers: Mapping[str, str],
        messages: Messages,
        transport: httpx.AsyncBaseTransport | None,
        proxy: str | None,
    ) -> None:
        self.settings = settings
        self._messages = messages
        # Plain http (a local server) speaks no TLS: no certificate store to load (~40 ms).
        tls = httpx.URL(settings.base_url).scheme == "https"
        verify = tls_verify(settings.ca_bundle) if tls else True
        self._transport = transport or _slots(settings, verify, tls, proxy)
        self._http = httpx.AsyncClient(
            headers=dict(headers),
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            verify=verify,
            follow_redirects=False,
            trust_env=settings.trust_env,
            transport=self._transport,
        )
        self._extensions = {"timeout": self._http.timeout.as_dict()}

    async def aclose(self) -> None:
        await self._http.aclose()

    def build(self, method: str, path: str, **content: Any) -> httpx.Request:
        """The request for ``base_url + path``, with the headers given: ``content`` is
        httpx's (``params=``, ``json=``, ``content=``).

        What ``AsyncClient.build_request`` builds, without merging into a copy of everything
        the client holds: only headers, a timeout and (when the service set one) cookies.
        """
        request = httpx.Request(
            method,
            self.settings.base_url + path,
            headers=self._http.headers,
            extensions=self._extensions,
            **content,
        )
        if self._http.cookies:
            self._http.cookies.set_cookie_header(request)
        return request

    async def exchange(
        self, request: httpx.Request, secrets: Iterable[str]
    ) -> httpx.Response | tuple[Failure, str]:
        """Send one built request; its answer, or how it failed (never raises httpx's)."""
        timeout = self.settings.timeout
        cap = self.settings.max_response_bytes
        try:
            # The whole request, answer included, within ``timeout``: httpx's own timeout
            # bounds each read, which a server dripping a byte at a time never trips.
            async with asyncio.timeout(timeout):
                return await read_capped(await self._send(request), cap)
        except TimeoutError:
            return Failure.AMBIGUOUS, f"no complete answer within {timeout:g}s"
        except ResponseTooLarge as exc:
            return Failure.FATAL, self._messages.too_large(request, exc.size, cap)
        except httpx.HTTPError as exc:
            # Described here and dropped: httpx's exceptions hold the request, body and all.
            return classify_exception(exc), self._messages.describe(exc, request.url, secrets)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """``AsyncClient.send(request, stream=True)``, without the steps a runner never needs.

        The request goes straight to the transport: no auth flow, no redirect, no other
        transport mounted, no event hooks. The cookie jar is kept as httpx keeps it, but looked
        at only when an answer sets a cookie: the jar's parsing of every answer was a
        twentieth of the client's CPU per request.
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


def _slots(
    settings: HttpSettings, verify: ssl.SSLContext | bool, tls: bool, proxy: str | None
) -> SlotTransport:
    """One connection per slot: requests never queue in httpcore's pool (transport.py). An
    http(s) proxy carries the requests; another kind (socks) is only named in messages."""
    return SlotTransport(
        settings.parallelism,
        verify=verify,
        trust_env=settings.trust_env,
        tls=tls,
        proxy=proxy if proxy is not None and is_http_proxy(proxy) else None,
    )
