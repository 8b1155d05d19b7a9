"""The readings of the contract a sandbox enforces, and its clock.

Where the API contract is our reading rather than documented fact, the sandbox can be started
with each alternative and then enforces that one strictly, so that the client's settings can
be tested both ways:

- ``update_method``: the one verb the update route takes, ``PATCH`` (default) or ``PUT``; the
  other answers 405;
- ``delete_params``: where a DELETE's parameters travel, ``query`` (default) or ``body``; the
  other placement answers 400;
- ``list_rendering``: how a list is written in the string to sign, ``ruby`` (default,
  ``["a", "b"]``) or ``json`` (``["a","b"]``);
- ``user_password``: when a user's create needs a password, ``without_identity_provider``
  (default: a user with an identity provider may have none) or ``required`` (every create, as
  the users page marks it; a create without one is a 422). The sandbox's default is the lenient
  one, so that requiring a password is a switch turned on; the client's default is the docs'.

``clock_offset`` (seconds) moves the sandbox's clock, both the one it checks timestamps
against and the one its ``Date`` header shows: a server whose clock differs from the client's.
These names and values are the sandbox's own, deliberately not imported from the client.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the sandbox command reads CHOICES without loading the server stack
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CHOICES", "ClockMiddleware", "Readings"]

#: Each reading's accepted values, the default first.
CHOICES: dict[str, tuple[str, ...]] = {
    "update_method": ("PATCH", "PUT"),
    "delete_params": ("query", "body"),
    "list_rendering": ("ruby", "json"),
    "user_password": ("without_identity_provider", "required"),
}


@dataclass(frozen=True, slots=True)
class Readings:
    """What this sandbox enforces; an unknown value is a ``ValueError``."""

    update_method: str = "PATCH"
    delete_params: str = "query"
    list_rendering: str = "ruby"
    clock_offset: float = 0.0
    user_password: str = "without_identity_provider"

    def __post_init__(self) -> None:
        for name, accepted in CHOICES.items():
            value = getattr(self, name)
            if value not in accepted:
                raise ValueError(f"{name} must be one of {', '.join(accepted)}, not {value!r}")

    def now_ms(self) -> int:
        """The sandbox's time in milliseconds since the epoch."""
        return time.time_ns() // 1_000_000 + int(self.clock_offset * 1000)


class ClockMiddleware:
    """Sets the ``Date`` header of every answer from the sandbox's clock (uvicorn's is off)."""

    def __init__(self, app: ASGIApp, readings: Readings) -> None:
        self.app = app
        self.readings = readings
        self._second = -1
        self._date = b""

    def date(self) -> bytes:
        """The ``Date`` of an answer now: formatted once per second (it shows whole seconds)."""
        second = self.readings.now_ms() // 1000
        if second != self._second:
            self._date = formatdate(second, usegmt=True).encode("ascii")
            self._second = second
        return self._date

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                date = self.date()
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", date)]}
            await send(message)

        await self.app(scope, receive, dated_send)
