"""Where a runner sends its requests, and the bounds it keeps: one frozen record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx

from reconciler.http.retry import RetryPolicy

__all__ = ["HttpSettings"]


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Where a runner sends its requests, and the bounds it keeps.

    ``confirm_window`` is how long a create whose answer was lost is looked for, in
    ``timeout``\\ s after the attempt: a server may commit a request that outlived the
    client's timeout this much later. ``trust_env`` takes proxies and certificate variables
    from the environment (off for a local test server).
    """

    base_url: str
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_response_bytes: int = 64 * 1024 * 1024
    parallelism: int = 4
    rate_limit: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    ca_bundle: Path | None = None
    trust_env: bool = True
    confirm_window: float = 2.0

    @property
    def host(self) -> str:
        """``host[:port]`` of the base URL, as messages name the service."""
        url = httpx.URL(self.base_url)
        return f"{url.host}:{url.port}" if url.port else url.host
