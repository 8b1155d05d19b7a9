"""Who may call the sandbox: users, the checks every request passes, and the role rules.

Every request must send ``Accept: application/vnd.procwise.v3`` (else **406 Not
Acceptable**: the header selects the API version, so a request without it asks for a
representation the sandbox does not serve) and ``Authorization: Token token=<api_token>``
naming a known user (else 401). Then the signature parameters are checked, in this order, each
failure a 401 whose body names the check (``error.code``):

1. ``timestamp`` present and a number (milliseconds), ``nonce`` present and a number,
   ``signature`` present;
2. the signature matches the parameters (HMAC-SHA256 with the user's secret);
3. the timestamp is within the window of the server clock (five minutes by default);
4. the nonce was not used by this user in the last 24 hours.

A nonce is remembered only once a request passed every check, so a forged request cannot burn
a legitimate client's nonces. Nonces live in memory: a restarted sandbox forgets them.

Roles: a superuser may do everything; an institute administrator may read and update its own
institute and gets 403 for anything else, the list, create and delete included.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler_proctorexam.sandbox.errors import ApiError
from reconciler_proctorexam.sandbox.signature import SIGNATURE_PARAM, verify

__all__ = [
    "ACCEPT",
    "AUTH_PARAMS",
    "NONCE_LIFETIME",
    "Authenticator",
    "SandboxUser",
    "UserRegistry",
]

ACCEPT = "application/vnd.procwise.v3"
AUTH_PARAMS = frozenset({"timestamp", "nonce", SIGNATURE_PARAM})
#: How long a nonce stays used (seconds): the documented 24 hours.
NONCE_LIFETIME = 24 * 60 * 60

_TOKEN_HEADER = re.compile(r'Token\s+token="?([^",\s]+)"?', re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class SandboxUser:
    """A user of the sandbox: its credentials and its role.

    ``institute_id`` None makes a superuser; a number makes the administrator of that one
    institute. Neither credential appears in the ``repr``.
    """

    token: str = field(repr=False)
    secret: str = field(repr=False)
    institute_id: int | None = None

    @property
    def is_superuser(self) -> bool:
        return self.institute_id is None

    def may_access(self, institute_id: int | None) -> bool:
        """Whether this user may read or update the institute ``institute_id``."""
        return self.is_superuser or self.institute_id == institute_id


class UserRegistry:
    """The users by token; copy-on-write, so a test thread may add one while requests run."""

    def __init__(self, users: Iterable[SandboxUser]) -> None:
        self._lock = threading.Lock()
        self._by_token: Mapping[str, SandboxUser] = {u.token: u for u in users}

    def add(self, user: SandboxUser) -> None:
        with self._lock:
            self._by_token = {**self._by_token, user.token: user}

    def find(self, token: str) -> SandboxUser | None:
        return self._by_token.get(token)


class _Nonces:
    """The nonces each user sent in the last :data:`NONCE_LIFETIME` seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._used: set[tuple[str, str]] = set()
        self._expiry: deque[tuple[float, tuple[str, str]]] = deque()

    def use(self, token: str, nonce: str) -> bool:
        """Remember ``nonce`` for ``token``; False if it was already used."""
        now = self._clock()
        while self._expiry and self._expiry[0][0] <= now:
            self._used.discard(self._expiry.popleft()[1])
        key = (token, nonce)
        if key in self._used:
            return False
        self._used.add(key)
        self._expiry.append((now + NONCE_LIFETIME, key))
        return True


def _refuse(code: str, message: str) -> ApiError:
    return ApiError(401, code, message)


def _number(params: Mapping[str, Any], name: str) -> int:
    """A signature parameter that must be a number: a JSON integer or a string of digits."""
    if name not in params:
        raise _refuse(f"missing_{name}", f"the {name} parameter is missing; every request sends it")
    value = params[name]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise _refuse(f"invalid_{name}", f"the {name} parameter must be a number")


class Authenticator:
    """Runs the checks of the module docstring; returns the user or raises an :class:`ApiError`.

    ``timestamp_window`` is in seconds; ``clock_ms`` gives the server time in milliseconds;
    ``list_rendering`` is how lists are written in the string to sign (``ruby`` or ``json``).
    ``signature_status`` is the status of a refused signature: 401, or 403 as the docs list
    it ("You are not authorized to access this page.") for a service that answers so.
    """

    def __init__(
        self,
        users: UserRegistry,
        *,
        timestamp_window: float = 300.0,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        list_rendering: str = "ruby",
        signature_status: int = 401,
    ) -> None:
        self.users = users
        self.list_rendering = list_rendering
        self.signature_status = signature_status
        self.window_ms = int(timestamp_window * 1000)
        self._clock_ms = clock_ms
        self._nonces = _Nonces()
        self._lock = threading.Lock()

    def check_accept(self, accept: str | None) -> None:
        offered = {part.split(";")[0].strip().lower() for part in (accept or "").split(",")}
        if ACCEPT not in offered:
            raise ApiError(406, "not_acceptable", f"send the header Accept: {ACCEPT}")

    def identify(self, authorization: str | None) -> SandboxUser:
        """The user the ``Authorization`` header names."""
        match = _TOKEN_HEADER.fullmatch((authorization or "").strip())
        if match is None:
            raise _refuse(
                "missing_token", "send the header Authorization: Token token=<your API token>"
            )
        user = self.users.find(match.group(1))
        if user is None:
            raise _refuse("unknown_token", "the API token is not known to this sandbox")
        return user

    def verify(self, user: SandboxUser, params: Mapping[str, Any]) -> None:
        """Check the signature parameters of a request by ``user`` (steps 1 to 4 above)."""
        timestamp = _number(params, "timestamp")
        nonce = _number(params, "nonce")
        signature = params.get(SIGNATURE_PARAM)
        if not isinstance(signature, str) or not signature:
            raise _refuse("missing_signature", "the signature parameter is missing")
        if not verify(user.secret, params, signature, self.list_rendering):
            names = ", ".join(sorted(n for n in params if n != SIGNATURE_PARAM))
            if self.signature_status == 403:
                raise ApiError(403, "forbidden", "You are not authorized to access this page.")
            raise _refuse(
                "invalid_signature",
                "the signature does not match the parameters; the server signed"
                f" {names} (sorted by name, each name=value, joined with '?')"
                " with HMAC-SHA256 of the secret key",
            )
        skew = timestamp - self._clock_ms()
        if abs(skew) > self.window_ms:
            raise _refuse(
                "stale_timestamp",
                f"the timestamp is {abs(skew) / 1000:.0f} s {'ahead of' if skew > 0 else 'behind'}"
                f" the server clock; at most {self.window_ms / 1000:g} s is accepted"
                " (send the current time in milliseconds)",
            )
        with self._lock:
            fresh = self._nonces.use(user.token, str(nonce))
        if not fresh:
            raise _refuse(
                "reused_nonce",
                "the nonce was already used in the last 24 hours; draw a fresh one for every"
                " request, retries included",
            )
