"""What the sandbox answers when it refuses a request, and the error its operator may see.

Our reading of the contract (the error body is not documented): field validation failures
(422) are Rails error hashes, ``{"name": ["has already been taken"]}``, as the documented 422
texts suggest; every other refusal is ``{"error": {"status": …, "code": …, "message": …}}``,
after the one documentation page that shows an ``{"error": {...}}`` body. ``code`` is a
stable machine name (``stale_timestamp``, ``reused_nonce``, …) so that tests and clients can
tell which check failed; ``message`` says it to a person. Messages never hold a secret, a
token or a signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler import SettingsError

__all__ = ["ApiError", "FieldErrors", "SandboxError", "error_body", "field_error_body"]


class SandboxError(SettingsError):
    """The sandbox cannot start: a missing or malformed seed or state file, a busy port."""


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The body of every refusal that is not a field validation failure."""
    return {"error": {"status": status, "code": code, "message": message}}


def field_error_body(errors: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The body of a 422 for invalid fields: the Rails error hash, field to messages."""
    return {name: list(messages) for name, messages in errors.items()}


class ApiError(Exception):
    """Raised by a route to answer with ``status`` and ``body``; never seen outside the app.

    ``headers`` carries extras such as ``Retry-After``.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.body: dict[str, Any] = error_body(status, code, message)
        self.headers = dict(headers or {})


class FieldErrors(ApiError):
    """A 422 whose body is the Rails error hash; ``errors`` maps a field to its messages."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {name: list(messages) for name, messages in errors.items()}
        summary = "; ".join(f"{name} {', '.join(msgs)}" for name, msgs in self.errors.items())
        super().__init__(422, "invalid_fields", summary)
        self.body = field_error_body(self.errors)
