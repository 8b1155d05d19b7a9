"""What a user reads when a request fails for good: one method per way of failing.

:class:`Messages` words them for any JSON API; a provider subclasses it to name its own
settings (``base_url_setting``, ``ca_setting``) or to read its service's error bodies
(:meth:`Messages.refused`). No message quotes a secret: the runner passes the ones it knows.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable

import httpx

from reconciler.errors import (
    AuthenticationError,
    NotFoundError,
    ProviderError,
    RejectedError,
    ServiceError,
    TransportError,
)
from reconciler.http.call import Call
from reconciler.http.retry import Failure, root_cause

__all__ = ["Messages", "redact"]

#: How much of an error body a message quotes.
_QUOTED = 300


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret of four characters or more replaced by ``(redacted)``."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "(redacted)")
    return text


class Messages:
    """The texts of a runner's failures, for the service at ``host``.

    ``base_url_setting`` names where the address is set, ``ca_setting`` where a private
    certificate authority is named; ``proxy`` is the proxy as shown (no password), if any.
    """

    def __init__(
        self,
        host: str,
        *,
        timeout: float,
        connect_timeout: float,
        proxy: str | None = None,
        base_url_setting: str = "the base URL",
        ca_setting: str = "REQUESTS_CA_BUNDLE / SSL_CERT_FILE",
    ) -> None:
        self.host = host
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.proxy = proxy
        self.base_url_setting = base_url_setting
        self.ca_setting = ca_setting

    def refused(self, response: httpx.Response, call: Call, attempts: int) -> Exception:
        """The error for a final answer that is not a success."""
        status = response.status_code
        text = redact(response.text, call.secrets).strip()
        said = f": {text[:_QUOTED]}" if text and not text.startswith("<") else ""
        what, address = call.what, call.address
        if status in (401, 403):
            return AuthenticationError(
                f"{self.host} refused {what} with {status}{said}. Check the credentials.",
                address=address,
            )
        if status == 404:
            return NotFoundError(
                f"not found on {self.host} ({what} answered 404{said}).", address=address
            )
        if status in (400, 422):
            return RejectedError(
                f"{self.host} rejected the values ({what} answered {status}){said}.",
                address=address,
            )
        if status == 429 or status >= 500:
            tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
            return ServiceError(
                f"{self.host} kept failing: {what} answered {status}{said}{tries}. The service"
                " is busy or down; try again later.",
                address=address,
            )
        return ProviderError(
            f"{self.host} answered {what} with an unexpected {status}{said}.", address=address
        )

    def not_json(self, response: httpx.Response, call: Call) -> Exception:
        """The error for a success whose body is not JSON, after every retry."""
        return ProviderError(
            f"{response.request.url.host} answered {call.what} with {response.status_code} but"
            f" the body is not JSON; is {self.base_url_setting} the API address?",
            address=call.address,
        )

    def too_large(self, request: httpx.Request, size: int, cap: int) -> str:
        """Why an answer above ``cap`` bytes was refused (``size``: declared or seen)."""
        return (
            f"{self.host} answered {request.method} {request.url.path} with more than"
            f" max_response_bytes ({cap:,} bytes; at least {size:,}); refused without reading"
            " it. Check the base URL, or raise max_response_bytes in the settings"
        )

    def wait_too_long(self, call: Call, status: int, retry_after: float, limit: float) -> Exception:
        """The error for a ``Retry-After`` longer than the runner waits."""
        return ServiceError(
            f"{self.host} asked to wait {retry_after:.0f}s before retrying"
            f" {call.what} (answered {status}), longer than max_retry_after"
            f" ({limit:g}s). Try again later.",
            address=call.address,
        )

    def unreachable(self, failure: Failure, reason: str, call: Call, attempts: int) -> Exception:
        """The error for a request that got no answer, after every retry (or a fatal one)."""
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if failure is Failure.FATAL:
            return TransportError(f"{reason} ({call.what}; not retried).", address=call.address)
        advice = (
            f"Check {self.base_url_setting} and the network, or raise timeout / max_retries in"
            " the settings."
        )
        if self.proxy is not None and reason.startswith("could not connect"):
            advice = f"Check that the proxy {self.proxy} is running and reachable, or set NO_PROXY."
        return TransportError(
            f"cannot reach {self.host}: {reason} ({call.what}, {tries}). {advice}",
            address=call.address,
        )

    def describe(self, exc: httpx.HTTPError, url: httpx.URL, secrets: Iterable[str]) -> str:
        """A few words on a transport error; only errors known not to quote the request say
        more (httpx's own messages can hold the URL, query and all)."""
        dns = root_cause(exc, socket.gaierror)
        if dns is not None and self.proxy is None:
            return (
                f"cannot resolve the host name {url.host!r}"
                f" (DNS: {getattr(dns, 'strerror', None) or dns}); check"
                f" {self.base_url_setting} and the machine's DNS settings"
            )
        tls = root_cause(exc, ssl.SSLError)
        if tls is not None:
            return self._tls(tls)
        if self.proxy is not None and (isinstance(exc, httpx.ProxyError) or dns is not None):
            return f"could not connect through the proxy {self.proxy}"
        return self._transport(exc, redact(str(exc), secrets))

    def _tls(self, tls: BaseException) -> str:
        if isinstance(tls, ssl.SSLCertVerificationError):
            return (
                f"the TLS certificate of {self.host} could not be verified"
                f" ({tls.verify_message}). If the service uses a private certificate"
                f" authority, name its PEM file with {self.ca_setting}"
            )
        why = getattr(tls, "reason", None) or type(tls).__name__
        return f"the TLS handshake with {self.host} failed ({why}); is it an https:// address?"

    def _transport(self, exc: httpx.HTTPError, detail: str) -> str:
        if isinstance(exc, httpx.ConnectTimeout):
            return f"connecting timed out after {self.connect_timeout:g}s"
        if isinstance(exc, httpx.ConnectError):
            via = f" (through the proxy {self.proxy})" if self.proxy is not None else ""
            return f"could not connect{via}" + (f" ({detail})" if detail else "")
        if isinstance(exc, httpx.ReadTimeout):
            return f"no answer within {self.timeout:g}s"
        if isinstance(exc, httpx.WriteTimeout):
            return f"sending timed out after {self.timeout:g}s"
        if isinstance(exc, httpx.PoolTimeout):
            return "no free connection in the pool"
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return "the connection was dropped" + (f" ({detail})" if detail else "")
        # Others (a malformed header, say) may quote what was sent: name them, nothing more.
        return type(exc).__name__
