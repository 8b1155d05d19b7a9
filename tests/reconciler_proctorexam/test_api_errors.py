"""Our reading of the API's error bodies, and the retry policy's arithmetic."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from reconciler.http import (
    Failure,
    RetryPolicy,
    classify_exception,
    retry_after_seconds,
)
from reconciler_proctorexam.api_errors import error_for_response, parse_error_body, redact


@pytest.mark.parametrize(
    ("body", "message", "fields"),
    [
        (
            '{"name": ["has already been taken"]}',
            "name has already been taken",
            {"name": ["has already been taken"]},
        ),
        (
            '{"errors": {"name": ["is invalid", "is too long"], "tawk_url": "is invalid"}}',
            "name is invalid, is too long; tawk_url is invalid",
            {"name": ["is invalid", "is too long"], "tawk_url": ["is invalid"]},
        ),
        (
            '{"error": "Param is missing or the value is empty: name"}',
            "Param is missing or the value is empty: name",
            {},
        ),
        (
            '{"error": {"status": 401, "code": "stale_timestamp", "message": "too old"}}',
            "too old",
            {},
        ),
        ('{"error": {"name": ["has already been taken"]}}', "name has already been taken", None),
        ("<html>Bad Gateway</html>", "an HTML page", {}),
        (
            "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>"
            + "<p>x</p>" * 500
            + "</body></html>",
            "an HTML page ('502 Bad Gateway')",
            {},
        ),
        ("plain text", "plain text", {}),
        ("", "", {}),
        ('["one", "two"]', "one; two", {}),
    ],
)
def test_parse_error_body(body: str, message: str, fields: dict[str, list[str]] | None) -> None:
    parsed_message, parsed_fields = parse_error_body(body)
    assert parsed_message == message
    if fields is not None:
        assert parsed_fields == fields


def test_long_bodies_are_shortened() -> None:
    message, _ = parse_error_body("x" * 5000)
    assert len(message) == 300


def test_redact() -> None:
    assert redact("key abcd-1234 was wrong", ["abcd-1234", "ab"]) == "key (redacted) was wrong"


def test_a_secret_straddling_the_cut_is_redacted_before_the_text_is_shortened() -> None:
    secret = "k3y-0f-seventeen"
    body = "x" * 290 + secret + " was refused"
    response = httpx.Response(422, text=body, request=httpx.Request("POST", "https://x/i"))
    error = error_for_response(response, what="POST /i", address=None, secrets=[secret])
    for start in range(len(secret) - 7):
        assert secret[start : start + 8] not in str(error)


def _response(headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(429, headers=headers, request=httpx.Request("GET", "https://x/"))


def test_retry_after_forms() -> None:
    assert retry_after_seconds(_response({"Retry-After": "3"})) == 3.0
    assert retry_after_seconds(_response({})) is None
    assert retry_after_seconds(_response({"Retry-After": "soon"})) is None
    future = email.utils.formatdate(time.time() + 60, usegmt=True)
    later = retry_after_seconds(_response({"Retry-After": future}))
    assert later is not None
    assert 0 < later <= 60


def test_backoff_is_capped_and_floored_by_retry_after() -> None:
    policy = RetryPolicy(max_retries=3, base=0.5, cap=2.0)
    assert policy.max_attempts == 4
    for attempt in range(1, 10):
        assert 0 <= policy.delay(attempt) <= min(2.0, 0.5 * 2 ** (attempt - 1))
    assert policy.delay(1, retry_after=5.0) == 5.0


def test_failure_classes() -> None:
    request = httpx.Request("POST", "https://x/")
    assert classify_exception(httpx.ConnectError("no", request=request)) is Failure.NOT_SENT
    assert classify_exception(httpx.ReadTimeout("slow", request=request)) is Failure.AMBIGUOUS
    assert classify_exception(httpx.RemoteProtocolError("cut", request=request)) is (
        Failure.AMBIGUOUS
    )
    assert classify_exception(httpx.UnsupportedProtocol("gopher")) is Failure.FATAL
