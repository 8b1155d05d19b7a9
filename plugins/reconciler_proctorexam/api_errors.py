"""Turning the API's error answers into :mod:`reconciler.errors` types a user can act on.

The error body is not documented. :func:`parse_error_body` holds *our reading* of it; every
message built from the service's text passes through :func:`redact`, so that a service echoing
a value back (a key in a 422) cannot leak it into a log.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any

import httpx

from reconciler import (
    AuthenticationError,
    NotFoundError,
    ProviderError,
    ReconcilerError,
    RejectedError,
    ServiceError,
    SettingsError,
)

__all__ = ["REDACTED", "error_for_response", "parse_error_body", "redact"]

REDACTED = "(redacted)"

#: How much of an error body a message quotes: enough for a Rails error, not a whole HTML page.
_MAX_TEXT = 300


def parse_error_body(text: str) -> tuple[str, dict[str, list[str]]]:
    """The service's error as a sentence and, when it names fields, the messages per field.

    Our reading of the undocumented error body, in order:

    - a Rails error hash, ``{"name": ["has already been taken"]}``, possibly wrapped in
      ``"errors"`` or ``"error"``: the fields and their messages;
    - ``{"error": "Param is missing or the value is empty: name"}`` (or ``"message"``): the text;
    - an HTML page (what a gateway answers): its title or first heading, not the page;
    - anything else (plain text): the text itself, shortened.
    """
    if _looks_like_html(text):
        return _html_summary(text), {}
    try:
        body: Any = json.loads(text)
    except ValueError:
        return _shorten(text.strip()), {}
    if isinstance(body, dict):
        for key in ("errors", "error"):
            if isinstance(body.get(key), dict | list | str):
                body = body[key]
                break
    if isinstance(body, str):
        return _shorten(body), {}
    if isinstance(body, list):
        return _shorten("; ".join(str(item) for item in body)), {}
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return _shorten(body["message"]), {}
        fields = {
            str(name): [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for name, messages in body.items()
        }
        sentence = "; ".join(f"{name} {', '.join(msgs)}" for name, msgs in fields.items())
        return _shorten(sentence), fields
    return _shorten(text.strip()), {}


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body"))


_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<(title|h1)[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)


def _html_summary(text: str) -> str:
    """``an HTML page ("502 Bad Gateway")``: what the page is called, never the page."""
    found = _TITLE.search(text)
    title = " ".join(html.unescape(_TAG.sub("", found.group(2))).split()) if found else ""
    return f"an HTML page ({_shorten(title, 80)!r})" if title else "an HTML page"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value (of some length) replaced by :data:`REDACTED`."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def error_for_response(
    response: httpx.Response,
    *,
    what: str,
    address: str | None,
    secrets: Iterable[str],
    attempts: int = 1,
    hint: str = "",
    collection: bool = False,
) -> ReconcilerError:
    """The error for a final, unsuccessful answer. ``what`` is ``"GET /institutes/7"``.

    ``hint`` (a sentence) is added to the message: a setting that may explain the refusal.
    ``collection`` says that the path names a collection (``/institutes``), which always
    exists: a 404 there means the base URL is wrong, not that something was deleted.
    """
    status = response.status_code
    host = response.request.url.netloc.decode("ascii")
    secrets = tuple(secrets)
    # Redacted before anything is cut short: a secret cut in half would no longer match.
    text, fields = parse_error_body(redact(response.text, secrets))
    end = f" {hint}" if hint else ""
    said = f": {text}" if text else ""
    if status in (401, 403):
        return AuthenticationError(
            f"{host} refused {what} with {status}{said}. Check PROCTOREXAM_API_TOKEN and"
            " PROCTOREXAM_SECRET_KEY (and the machine's clock: requests are timestamped);"
            f" listing institutes needs a Premium superuser.{end}",
            address=address,
        )
    if status == 404 and collection:
        base = str(response.request.url).split("?", 1)[0].removesuffix(what.split(" ", 1)[-1])
        return SettingsError(
            f"{host} has no {what.split(' ', 1)[-1]} (404 on {what}): is {base} the API"
            " address? Does the URL end in /api/v3? Set PROCTOREXAM_BASE_URL (or base_url"
            " under [providers.proctorexam]) to https://<environment>.proctorexam.com/api/v3."
        )
    if status == 404:
        return NotFoundError(
            f"not found on {host} ({what} answered 404{said}). It was deleted or never existed:"
            f" run plan again to see the live state.{end}",
            address=address,
        )
    if status == 422:
        return RejectedError(
            f"{host} rejected the values ({what} answered 422){said}. Fix them in the YAML.{end}",
            address=address,
            fields=fields,
        )
    if status == 429 or status >= 500:
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
        return ServiceError(
            f"{host} kept failing: {what} answered {status}{said}{tries}. The service is busy or"
            " down; try again later, or lower parallelism / set rate_limit in the settings."
            f"{end}",
            address=address,
        )
    return ProviderError(
        f"{host} answered {what} with an unexpected {status}{said}.{end}", address=address
    )


def _shorten(text: str, limit: int = _MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
