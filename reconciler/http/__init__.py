"""The provider toolkit: a robust JSON-over-HTTP client for a provider plugin to build on.

A provider imports it as ``from reconciler.http import ...``; it knows nothing of any service,
of signing schemes or of the command line. What it does for every request:

- **Retries** what is safe to retry, with capped, jittered backoff and the service's
  ``Retry-After`` as a floor (:class:`RetryPolicy`; :mod:`reconciler.http.retry` says which
  failures are retried for which methods).
- **Paces** the requests: at most ``parallelism`` in flight, and a pace learnt from the
  service's 429s (AIMD, :class:`Pacer`), capped by ``rate_limit``.
- **Bounds** each request: ``timeout`` for the whole exchange, ``connect_timeout`` for the
  connection, ``max_response_bytes`` for the answer (:func:`read_capped`).
- **Never sends a create twice**: a request given ``confirm`` whose answer was lost is looked
  for until a deadline, and :class:`~reconciler.OutcomeUnknownError` if it never appears
  (:func:`confirm_outcome`).
- **Fails in words**: every failure leaves as a :class:`~reconciler.ProviderError` worded by
  :class:`Messages` (subclass it to name your settings or read your service's error bodies);
  no httpx exception and no secret gets past it.

The smallest provider client::

    settings = HttpSettings("https://flags.example.com/api", parallelism=8)
    async with RequestRunner(settings, sign=add_token) as runner:
        flags = (await runner.request("GET", "/flags")).body

``sign(request) -> request`` is called for every attempt, inside its slot, so a signature made
of a timestamp and a nonce is fresh each time. A client whose signature covers the parameters
themselves builds each attempt itself: ``runner.send(Call(...), prepare)``, where ``prepare()``
returns the signed ``httpx.Request`` (:meth:`RequestRunner.build` adds the runner's headers).

Connections: one per parallel slot (:class:`SlotTransport`), each a public
``httpx.AsyncHTTPTransport``, sped up where httpx's and httpcore's internals are the ones
:mod:`reconciler.http.speedups_httpcore` knows (``RECONCILER_NO_SPEEDUPS=1`` turns it off).
"""

from reconciler.http.body import ResponseTooLarge, read_capped
from reconciler.http.call import Call, Reply
from reconciler.http.confirm import confirm_outcome
from reconciler.http.connection import is_http_proxy, proxy_for, shown_proxy, tls_verify
from reconciler.http.messages import Messages, redact
from reconciler.http.ratelimit import Pacer
from reconciler.http.retry import (
    NOT_PROCESSED_STATUSES,
    RETRY_STATUSES,
    Failure,
    RetryPolicy,
    classify_exception,
    retry_after_seconds,
    root_cause,
)
from reconciler.http.runner import (
    Prepare,
    Recover,
    RequestRunner,
    Sign,
    Stats,
)
from reconciler.http.settings import HttpSettings
from reconciler.http.transport import SlotTransport

__all__ = [
    "NOT_PROCESSED_STATUSES",
    "RETRY_STATUSES",
    "Call",
    "Failure",
    "HttpSettings",
    "Messages",
    "Pacer",
    "Prepare",
    "Recover",
    "Reply",
    "RequestRunner",
    "ResponseTooLarge",
    "RetryPolicy",
    "Sign",
    "SlotTransport",
    "Stats",
    "classify_exception",
    "confirm_outcome",
    "is_http_proxy",
    "proxy_for",
    "read_capped",
    "redact",
    "retry_after_seconds",
    "root_cause",
    "shown_proxy",
    "tls_verify",
]
