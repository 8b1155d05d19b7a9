"""Single, raw, signed requests for ``reconciler doctor``: nothing retried, nothing hidden.

The API client (:mod:`reconciler_proctorexam.client`) retries, paces and turns every refusal
into an error; a diagnosis needs the opposite: one request, and everything about its answer
(status, headers, the service's own words). :class:`Prober` sends exactly what the client
would send (the same headers, the same signer, the same reading of lists unless told
otherwise) and a few deliberate variations: another list rendering, a made-up token. Every
text it returns has the credentials taken out.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from reconciler_proctorexam.api_errors import parse_error_body, redact
from reconciler_proctorexam.client import ACCEPT
from reconciler_proctorexam.config import ClientSettings, is_loopback
from reconciler_proctorexam.signing import render_value, signed_params

__all__ = ["UNKNOWN_TOKEN", "Answer", "Prober", "Unreachable"]

log = logging.getLogger(__name__)

#: A token no service has issued: how the service answers it tells an unknown token apart.
UNKNOWN_TOKEN = "reconciler-doctor-made-up-token"


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer: status, headers, the decoded JSON body (None if not JSON), and its text.

    ``text`` is the service's error message (or the start of a body that is not JSON), with
    every credential removed; ``skew`` is the service's ``Date`` minus this machine's time
    when the answer came (seconds), None without a ``Date``.
    """

    status: int
    headers: httpx.Headers
    body: Any
    text: str
    skew: float | None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The request got no answer at all; ``reason`` says why, in a few safe words."""

    reason: str


class Prober:
    """Sends one signed ``GET /institutes`` at a time, as the client would; an async context."""

    def __init__(
        self, settings: ClientSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.secrets = (settings.credentials.token, settings.credentials.secret)
        self._http = httpx.AsyncClient(
            headers={"Accept": ACCEPT},
            timeout=httpx.Timeout(settings.timeout),
            verify=True,
            follow_redirects=False,
            trust_env=not is_loopback(httpx.URL(settings.base_url).host),
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def list_page(
        self,
        *,
        body: Mapping[str, Any] | None = None,
        lists: str | None = None,
        token: str | None = None,
    ) -> Answer | Unreachable:
        """``GET /institutes?page=1&limit=1``, signed with the configured secret.

        ``body`` adds a JSON body of parameters, signed like the rest; ``lists`` signs its
        lists another way than the settings say; ``token`` sends another token.
        """
        return await self.send(
            "GET", "/institutes", {"page": 1, "limit": 1}, body=body, lists=lists, token=token
        )

    async def update(
        self, method: str, ref: str, values: Mapping[str, Any]
    ) -> Answer | Unreachable:
        """An update of the institute ``ref`` with ``method``, as the client sends one."""
        path = f"/institutes/{quote(ref, safe='')}"
        return await self.send(method, path, {}, body=values, path_id=ref)

    async def send(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any],
        *,
        body: Mapping[str, Any] | None = None,
        path_id: str | None = None,
        lists: str | None = None,
        token: str | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> Answer | Unreachable:
        """One request: ``query`` and the signature in the query string, ``body`` as JSON.

        Everything is signed together (the path id and ``path_params`` too), as the contract
        says; a GET sends the path's parameters in the path only.
        """
        params: dict[str, Any] = {**query, **(body or {}), **(path_params or {})}
        if path_id is not None:
            params["id"] = path_id
        signed = signed_params(
            params,
            self.settings.credentials.secret,
            lists=lists or self.settings.list_rendering,
        )
        if method == "GET":
            # As the client sends a GET: all in the query, the path id only in the path; the
            # probe's extra parameters in a JSON body.
            extra = set(body or ())
            in_path = {"id", *(path_params or {})}
            sent_query: dict[str, str] | None = {
                k: render_value(v) for k, v in signed.items() if k not in extra | in_path
            }
            sent_body: dict[str, Any] | None = {k: signed[k] for k in extra} if body else None
        else:
            # As the client sends a write: everything in the JSON body, the path id included.
            sent_query, sent_body = None, signed
        headers = {"Authorization": f"Token token={token or self.settings.credentials.token}"}
        url = self.settings.base_url + path
        try:
            response = await self._http.request(
                method, url, params=sent_query, json=sent_body, headers=headers
            )
        except httpx.HTTPError as exc:
            reason = self._describe(exc)
            log.debug("doctor: %s %s got no answer: %s", method, path, reason)
            return Unreachable(reason)
        received = time.time()
        # Names only, never values: the token, the signature and the values stay out of logs.
        log.debug(
            "doctor: %s %s (%s) answered %d",
            method,
            path,
            ", ".join(sorted({*(sent_query or {}), *(sent_body or {})})),
            response.status_code,
        )
        return Answer(
            status=response.status_code,
            headers=response.headers,
            body=_json(response),
            text=redact(parse_error_body(response.text)[0], self.secrets),
            skew=_skew(response.headers.get("date"), received),
        )

    def _describe(self, exc: httpx.HTTPError) -> str:
        """A few words on a failed request; only errors known not to quote it say more."""
        if isinstance(exc, httpx.TimeoutException):
            return f"no answer within {self.settings.timeout:g}s"
        if isinstance(exc, httpx.ConnectError):
            detail = redact(str(exc), self.secrets)
            return "could not connect" + (f" ({detail})" if detail else "")
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return "the connection was dropped"
        return type(exc).__name__


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _skew(date: str | None, received: float) -> float | None:
    """The service's clock minus ours, from a ``Date`` header (one-second resolution)."""
    if not date:
        return None
    try:
        served = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    if served.tzinfo is None:
        return None
    return served.timestamp() - received
