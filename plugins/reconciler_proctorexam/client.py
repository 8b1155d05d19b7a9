"""The connection to one ProctorExam environment: every request signed, paced, retried, bounded.

:meth:`ProctorExamClient.request` is the one way to the API; the per-kind clients
(:mod:`.institutes_client`, :mod:`.users_client`) name paths and fields and send through it.
Pacing, retries, the body cap, timeouts and lost answers are the toolkit's
(:class:`reconciler.http.RequestRunner`); this module adds what is ProctorExam's: every attempt
is signed afresh (a new timestamp and nonce, the path's parameters included), so a retry is
never a replay, and parameters travel in the query or as JSON as the service reads them.
Whatever fails in the end leaves as a :class:`~reconciler.ProviderError`: no httpx exception,
and no secret, gets past it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from reconciler import ProviderError, ReadProgress
from reconciler.http import (
    Call,
    HttpSettings,
    Reply,
    RequestRunner,
    RetryPolicy,
    proxy_for,
    shown_proxy,
)
from reconciler_proctorexam.calls import PAGE_LIMIT, list_all
from reconciler_proctorexam.config import ClientSettings, is_loopback
from reconciler_proctorexam.institute import WRITE_ONLY
from reconciler_proctorexam.institutes_client import InstitutesClient
from reconciler_proctorexam.messages import ProctorExamMessages
from reconciler_proctorexam.signing import render_value, signed_params, string_to_sign
from reconciler_proctorexam.user import UsersApi

__all__ = ["ACCEPT", "CONFIRM_TIMEOUTS", "PAGE_LIMIT", "ProctorExamClient", "Reply"]

log = logging.getLogger(__name__)

#: The version header every request must carry.
ACCEPT = "application/vnd.procwise.v3"

#: How long a create whose answer was lost is looked for, in request timeouts after the
#: attempt: a server may commit a request that outlived the client's timeout this much later.
CONFIRM_TIMEOUTS = 2.0

#: Parameters whose values are secrets, kept out of every message like the credentials.
_SECRET_PARAMS = WRITE_ONLY | UsersApi.SECRET_PARAMS

Recover = Callable[[], Awaitable[Reply | None]]


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
        trust_env = not is_loopback(httpx.URL(settings.base_url).host)
        proxy = proxy_for(settings.base_url) if trust_env else None
        self._runner = RequestRunner(
            _http_settings(settings, trust_env),
            headers={
                "Accept": ACCEPT,
                "Authorization": f"Token token={settings.credentials.token}",
            },
            messages=ProctorExamMessages(
                settings, proxy=shown_proxy(proxy) if proxy is not None else None
            ),
            transport=transport,
            logger=log,
            progress=progress,
        )
        self._secrets = (settings.credentials.token, settings.credentials.secret)
        #: The institute calls (the methods of the same names below are theirs).
        self.institutes = InstitutesClient(self)

    @property
    def progress(self) -> ReadProgress | None:
        """Told of each request answered (or given up on), and by the sessions of what they
        read: ``export`` shows it on a terminal."""
        return self._runner.progress

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
        await self._runner.aclose()
        stats = self._runner.stats
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
        pacer = self._runner.pacer
        if pacer.learnt is not None:
            log.info(
                "%s: learnt a rate limit of about %.1f requests per second from its 429s;"
                " settled on a pace of %.1f (rate_limit under [providers.proctorexam] caps it)",
                self.settings.host,
                pacer.learnt,
                pacer.rate,  # set whenever a limit was learnt
            )

    # The one request method -------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        *,
        path_params: Mapping[str, str] | None = None,
        address: str | None = None,
        confirm: Recover | None = None,
        absent_is_done: bool = False,
    ) -> Reply:
        """Send until an answer, retrying what is safe to retry; raise a ProviderError.

        ``path_params`` fill the path's ``{name}`` slots; they are signed like every other
        parameter. ``confirm`` marks a request that must not be sent again once it may have
        reached the service (a POST): it looks for the request's effect instead.
        ``absent_is_done`` takes a 404 after such an attempt as the effect (a DELETE's).
        """
        in_path = dict(path_params or {})
        filled = (
            path.format(**{k: quote(v, safe="") for k, v in in_path.items()}) if in_path else path
        )
        try:
            string_to_sign(params)
        except TypeError as exc:
            raise ProviderError(f"cannot send {method} {filled}: {exc}.", address=address) from None
        call = Call(
            method,
            filled,
            template=path,
            params=params,
            address=address,
            secrets=(*self._secrets, *_secret_values(params)),
            absent_is_done=absent_is_done,
        )
        return await self._runner.send(call, self._signer(call, in_path), confirm=confirm)

    async def list_all(
        self,
        path: str,
        key: str,
        *,
        path_params: Mapping[str, str] | None = None,
        address: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every item of a paginated list exactly once (:func:`.calls.list_all`)."""
        return await list_all(self, path, key, path_params=path_params, address=address)

    def _signer(self, call: Call, in_path: Mapping[str, str]) -> Callable[[], httpx.Request]:
        """Builds each attempt of ``call``, signed at the moment it is sent."""
        settings = self.settings
        in_query = self._in_query(call.method)

        def prepare() -> httpx.Request:
            signed = signed_params(
                {**call.params, **in_path},
                settings.credentials.secret,
                lists=settings.list_rendering,
            )
            if not in_query:
                return self._runner.build(call.method, call.path, json=signed)
            # Path parameters are signed but travel in the path, not again in the query.
            query = {k: render_value(v) for k, v in signed.items() if k not in in_path}
            return self._runner.build(call.method, call.path, params=query)

        return prepare

    def _in_query(self, method: str) -> bool:
        """Whether ``method`` sends its parameters in the query string rather than JSON.

        For DELETE it is our reading (``delete_params``): clients differ, and a Rails server
        merges both, so the query string unless the settings say ``body``.
        """
        if method == "DELETE":
            return self.settings.delete_params == "query"
        return method == "GET"

    # Institutes, as the first callers knew them (see InstitutesClient) -------------------------

    async def list_institutes(self) -> list[dict[str, Any]]:
        return await self.institutes.list_institutes()

    async def find_institute(self, short_name: str) -> dict[str, Any] | None:
        return await self.institutes.find_institute(short_name)

    async def get_institute(self, ref: str, *, address: str | None = None) -> dict[str, Any]:
        return await self.institutes.get_institute(ref, address=address)

    async def create_institute(
        self, values: Mapping[str, Any], *, address: str | None = None
    ) -> dict[str, Any]:
        return await self.institutes.create_institute(values, address=address)

    async def update_institute(
        self, ref: str, values: Mapping[str, Any], *, address: str | None = None
    ) -> dict[str, Any]:
        return await self.institutes.update_institute(ref, values, address=address)

    async def delete_institute(self, ref: str, *, address: str | None = None) -> None:
        await self.institutes.delete_institute(ref, address=address)


def _http_settings(settings: ClientSettings, trust_env: bool) -> HttpSettings:
    """The toolkit's settings from the provider's; proxy variables are for the outside world,
    so a local sandbox (``trust_env`` False) is reached directly."""
    return HttpSettings(
        settings.base_url,
        timeout=settings.timeout,
        connect_timeout=settings.connect_timeout,
        max_response_bytes=settings.max_response_bytes,
        parallelism=settings.parallelism,
        rate_limit=settings.rate_limit,
        retry=RetryPolicy(
            max_retries=settings.max_retries,
            base=settings.backoff,
            cap=settings.backoff_cap,
            max_retry_after=settings.max_retry_after,
        ),
        ca_bundle=settings.ca_bundle,
        trust_env=trust_env,
        confirm_window=CONFIRM_TIMEOUTS,
    )


def _secret_values(params: Mapping[str, Any]) -> tuple[str, ...]:
    """Write-only values are secrets too: kept out of every message, like the credentials."""
    return tuple(str(v) for k, v in params.items() if k in _SECRET_PARAMS and v is not None)
