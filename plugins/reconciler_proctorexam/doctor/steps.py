"""The read-only steps of ``reconciler doctor`` for ProctorExam, each judged from answers.

Every function here is pure: it takes what :class:`~.probe.Prober` received and says what it
means, as a :class:`~reconciler.records.DoctorStep` with the setting to change when it did not
pass. The steps, in order: the base URL, the credentials, the clock, pagination, and how typed
values are signed.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from reconciler import DoctorStep, StepStatus
from reconciler_proctorexam.config import (
    BASE_URL_VAR,
    SECRET_KEY_VAR,
    TOKEN_VAR,
    ClientSettings,
    is_loopback,
)
from reconciler_proctorexam.doctor.probe import Answer, Unreachable

__all__ = [
    "CLOCK_LIMIT",
    "PROBE_VALUES",
    "base_url_step",
    "clock_step",
    "credentials_step",
    "not_checked",
    "pagination_step",
    "typed_values_step",
]

PASSED, FAILED, INCONCLUSIVE = StepStatus.PASSED, StepStatus.FAILED, StepStatus.INCONCLUSIVE

#: Above this clock skew (seconds) the clock step fails: the API documents no tolerance, and
#: common ones are a few minutes at most.
CLOCK_LIMIT = 30.0

#: The read-only probe of typed values: a boolean, a null and a list, in a GET's JSON body.
#: Names no route knows, so that a service that reads them does nothing with them.
PROBE_VALUES = {
    "reconciler_probe_flag": True,
    "reconciler_probe_null": None,
    "reconciler_probe_list": ["no-NO", "fr-FR"],
}

_TABLE = "[providers.proctorexam]"
_API_PATH = "/api/v3"
_CLOCK_WORDS = ("clock", "expired", "stale", "skew", "too old", "in the future")
_PAGINATION = (
    "X-Pagination-Item-Count",
    "X-Pagination-Page-Count",
    "X-Pagination-Page",
    "X-Pagination-Limit",
)


def not_checked(name: str, why: str) -> DoctorStep:
    """A step that could not run because an earlier one failed."""
    return DoctorStep(name, INCONCLUSIVE, f"not checked: {why}.")


def _said(answer: Answer) -> str:
    return f": {answer.text}" if answer.text else ""


def base_url_step(settings: ClientSettings, first: Answer | Unreachable) -> DoctorStep:
    """https, answers at all, and looks like ``/api/v3``."""
    url = settings.base_url
    parts = urlsplit(url)
    host = settings.host
    where = f"{BASE_URL_VAR} (or base_url under {_TABLE})"
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        return DoctorStep(
            "base URL",
            FAILED,
            f"{url} is plain http: the API token would cross the network unencrypted.",
            fix=f"use https:// in {where}; plain http is for the local sandbox only.",
        )
    if not parts.path.rstrip("/").endswith(_API_PATH):
        suggestion = f"{parts.scheme}://{parts.netloc}{_API_PATH}"
        return DoctorStep(
            "base URL",
            FAILED,
            f"the path of {url} is {parts.path or '/'!r}, not ending in {_API_PATH}: requests"
            f" would go to {url}/institutes, which is not the ProctorExam v3 API.",
            fix=f"set {where} to {suggestion} (the API lives under {_API_PATH}).",
        )
    if isinstance(first, Unreachable):
        return DoctorStep(
            "base URL",
            FAILED,
            f"{host} does not answer: {first.reason}.",
            fix=f"check the host name in {where} (https://<environment>.proctorexam.com"
            f"{_API_PATH}), and the network or proxy between here and there.",
        )
    if first.status in (404, 405, 406) or first.body is None:
        what = "not JSON" if first.body is None else f"{first.status}{_said(first)}"
        return DoctorStep(
            "base URL",
            FAILED,
            f"{host} answered GET {parts.path}/institutes with {what}: this does not look"
            " like the ProctorExam v3 API.",
            fix=f"check {where}: it is https://<environment>.proctorexam.com{_API_PATH}, with"
            " the environment your account belongs to.",
        )
    if first.status >= 500:
        return DoctorStep(
            "base URL",
            FAILED,
            f"{host} answered GET /institutes with {first.status}{_said(first)}: the service"
            " is failing.",
            fix="try again later; if it persists, ask ProctorExam support.",
        )
    scheme = "over https" if parts.scheme == "https" else "over plain http to this machine"
    return DoctorStep("base URL", PASSED, f"{url} answers as the ProctorExam v3 API ({scheme}).")


def credentials_step(first: Answer, unknown: Answer | Unreachable | None) -> DoctorStep:
    """``GET /institutes?page=1&limit=1``: token, secret (or signing), clock, role.

    ``unknown`` is the same request with a made-up token, sent after a 401: a service that
    answers our token exactly as it answers a made-up one does not know our token.
    """
    name = "credentials"
    if first.ok:
        return DoctorStep(
            name,
            PASSED,
            "the API token and the signature (string parameters) are accepted, and this user"
            " may list institutes.",
        )
    if first.status == 403:
        return DoctorStep(
            name,
            FAILED,
            f"the service knows the token but refuses to list institutes (403{_said(first)}).",
            fix="listing institutes needs a Premium superuser: use the api_token and"
            " secret_key of a superuser. An institute administrator may only read and update"
            " its own institute, and reconciler finds institutes by listing them.",
        )
    if first.status != 401:
        return DoctorStep(
            name,
            FAILED,
            f"GET /institutes answered {first.status}{_said(first)}.",
            fix="run doctor with -vv to see the requests, and check the settings it names.",
        )
    if isinstance(unknown, Answer) and (unknown.status, unknown.text) == (401, first.text):
        return DoctorStep(
            name,
            FAILED,
            "the service answers this API token exactly as it answers a made-up one"
            f" (401{_said(first)}): the token is not known.",
            fix=f"check {TOKEN_VAR}: the api_token of your ProctorExam user, for the"
            f" environment {BASE_URL_VAR} names.",
        )
    text = first.text.lower()
    off = abs(first.skew) if first.skew is not None else 0.0
    if off > CLOCK_LIMIT or any(word in text for word in _CLOCK_WORDS):
        return DoctorStep(
            name,
            FAILED,
            f"the token is known but the request was refused (401{_said(first)}): its"
            " timestamp is not accepted.",
            fix="synchronise this machine's clock (NTP; for example timedatectl set-ntp true):"
            " every request carries the time it was sent, see the clock step.",
        )
    return DoctorStep(
        name,
        FAILED,
        f"the token is known but the signature is refused (401{_said(first)}).",
        fix=f"check {SECRET_KEY_VAR}: the secret_key of the same user as the token (it signs"
        " requests and is never sent). If it is right, the service signs even string"
        " parameters differently from the documented recipe: report it with this output.",
    )


def clock_step(first: Answer) -> DoctorStep:
    """This machine's clock against the service's ``Date`` header."""
    if first.skew is None:
        return DoctorStep(
            "clock",
            INCONCLUSIVE,
            "the service sent no usable Date header, so its clock cannot be compared.",
            fix="make sure this machine's clock is synchronised (NTP).",
        )
    off = abs(first.skew)
    if off <= CLOCK_LIMIT:
        return DoctorStep(
            "clock",
            PASSED,
            f"this machine's clock is within {max(1, math.ceil(off))} s of the service's"
            " (its Date header).",
        )
    direction = "behind" if first.skew > 0 else "ahead of"
    return DoctorStep(
        "clock",
        FAILED,
        f"warning: this machine's clock is {off:.0f} s {direction} the service's (its Date"
        f" header), more than {CLOCK_LIMIT:g} s. Every request carries the time it was sent,"
        " and the service may refuse one this far off.",
        fix="synchronise this machine's clock (NTP; for example timedatectl set-ntp true).",
    )


def pagination_step(first: Answer) -> DoctorStep:
    """The ``X-Pagination-*`` headers are present and agree; the institute count."""
    items = first.body.get("institutes") if isinstance(first.body, dict) else None
    if not isinstance(items, list):
        return DoctorStep(
            "pagination",
            FAILED,
            "the answer to GET /institutes holds no 'institutes' list.",
            fix="check that the base URL names the ProctorExam v3 API.",
        )
    raw = {name: first.headers.get(name) for name in _PAGINATION}
    missing = [name for name, value in raw.items() if value is None]
    if missing:
        return DoctorStep(
            "pagination",
            INCONCLUSIVE,
            f"the answer lacks {', '.join(missing)}; reconciler then reads the pages one"
            " after another until one is not full, which is slower but complete.",
        )
    if not all(value is not None and value.strip().isdigit() for value in raw.values()):
        shown = ", ".join(f"{k}: {v}" for k, v in raw.items())
        return DoctorStep(
            "pagination",
            FAILED,
            f"the pagination headers are not whole numbers ({shown}).",
            fix="report it with this output: reconciler cannot rely on them.",
        )
    count, pages, page, limit = (int(str(raw[name])) for name in _PAGINATION)
    problems = []
    if page != 1:
        problems.append(f"page {page} for page 1")
    if limit != 1:
        problems.append(f"a limit of {limit} for 1")
    if limit and pages not in ({math.ceil(count / limit)} | ({0, 1} if count == 0 else set())):
        problems.append(f"{pages} pages for {count} items of {limit}")
    if len(items) != min(limit, count):
        problems.append(f"{len(items)} item(s) on the page for {min(limit, count)}")
    if problems:
        return DoctorStep(
            "pagination",
            FAILED,
            f"the X-Pagination-* headers do not agree: {'; '.join(problems)}.",
            fix="report it with this output: a listing might miss or repeat institutes.",
        )
    return DoctorStep(
        "pagination",
        PASSED,
        f"{count} institute(s) on the tenant; the X-Pagination-* headers are present and"
        " agree with each other and with the page.",
    )


def typed_values_step(
    current: Answer | Unreachable, alternative: Answer | Unreachable, reading: str, other: str
) -> DoctorStep:
    """The same GET with a boolean, a null and a list in a JSON body, signed two ways.

    ``current`` was signed under the configured ``list_rendering`` (``reading``),
    ``alternative`` under ``other``. Only one of them can be right, unless the service does
    not check what it ignores.
    """
    name = "typed values"
    sent = "a boolean, a null and a list in a JSON body"
    if isinstance(current, Unreachable) or isinstance(alternative, Unreachable):
        lost = current if isinstance(current, Unreachable) else alternative
        assert isinstance(lost, Unreachable)
        return DoctorStep(name, INCONCLUSIVE, f"the probe got no answer: {lost.reason}.")
    # The token and role were accepted a moment ago (the current signing passed): a 403 to
    # the other signing can only be its signature, as a 401 is. The docs list only 403.
    refused = (401, 403) if current.ok else (401,)
    for answer in (current, alternative):
        if not answer.ok and answer.status not in refused:
            return DoctorStep(
                name,
                INCONCLUSIVE,
                f"the probe ({sent}) answered {answer.status}{_said(answer)}, which says"
                " nothing about its signature.",
            )
    if current.ok and not alternative.ok:
        return DoctorStep(
            name,
            PASSED,
            f"a GET with {sent} signed as reconciler signs them (list_rendering ="
            f' "{reading}") is accepted, and the same signed the other way ("{other}") is'
            f" refused ({alternative.status}{_said(alternative)}): the reading is confirmed.",
        )
    if current.ok and alternative.ok:
        return DoctorStep(
            name,
            INCONCLUSIVE,
            f"the probe ({sent}) was accepted signed both ways (list_rendering"
            f' "{reading}" and "{other}"): the server ignores unknown parameters, so a'
            " read-only probe cannot tell how it signs typed values.",
            fix="run doctor --write-probe NAME (one no-op update of the institute NAME) to"
            " check the signing of a boolean and a list on a real update.",
        )
    if alternative.ok:
        return DoctorStep(
            name,
            FAILED,
            f'a GET with {sent} signed as list_rendering = "{reading}" is refused'
            f' (401{_said(current)}), and signed as "{other}" it is accepted: the service'
            " writes lists the other way.",
            fix=f'set list_rendering = "{other}" under {_TABLE}.',
        )
    return DoctorStep(
        name,
        FAILED,
        f"a GET with {sent} is refused however its list is signed (401{_said(current)}),"
        " though string parameters pass: the service writes a boolean or a null differently"
        " from our reading, or does not sign a GET's body.",
        fix="report it with this output. Plans work; an apply that sends booleans, nulls or"
        " lists would be refused.",
    )
