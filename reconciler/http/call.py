"""The two values a request runner passes around: the request it sends, and the answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Call", "Reply"]


@dataclass(frozen=True, slots=True)
class Call:
    """One logical request, sent until it is answered: what messages and logs say of it.

    ``path`` is what follows the base URL, its slots filled; ``template`` is the path as
    written (``/flags/{id}``; a root collection has no slot). ``params`` are the values sent
    (query or body): only their names are logged. ``secrets`` are kept out of every message.
    ``absent_is_done`` takes a 404 after an attempt that may have been done as done (a DELETE).
    """

    method: str
    path: str
    template: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    address: str | None = None
    secrets: tuple[str, ...] = ()
    absent_is_done: bool = False

    @property
    def what(self) -> str:
        """``GET /flags/7``: how messages name the request."""
        return f"{self.method} {self.path}"

    @property
    def collection(self) -> bool:
        """Whether the path is a root collection (no slot), which always exists."""
        return "{" not in (self.template or self.path)


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: its status, headers and decoded JSON body."""

    status: int
    headers: httpx.Headers
    body: Any
