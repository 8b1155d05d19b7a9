"""A tiny, separate request signer and HTTP caller for the sandbox's own tests.

It shares no code with the sandbox's verifier nor with the provider's client: the server is
checked against a third reading of the recipe (and against fixed ``openssl`` vectors in
``test_sandbox_signature.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

ACCEPT = "application/vnd.procwise.v3"
_MEMBER = re.compile(r"/institutes/([^/?]+)$")
_nonces = itertools.count(int(time.time() * 1000) * 1000)


def _text(value: Any, lists: str = "ruby") -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return str(value).lower()
    if isinstance(value, list):
        between = "," if lists == "json" else ", "
        return "[" + between.join('"' + item + '"' for item in value) + "]"
    return str(value)


def signature_of(secret: str, params: Mapping[str, Any], lists: str = "ruby") -> str:
    message = "?".join(f"{k}={_text(params[k], lists)}" for k in sorted(params) if k != "signature")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class Caller:
    """Sends signed requests the way the contract says, with knobs to break each part."""

    def __init__(self, base_url: str, token: str, secret: str) -> None:
        self.secret = secret
        self.http = httpx.Client(
            base_url=base_url,
            headers={"Accept": ACCEPT, "Authorization": f"Token token={token}"},
            timeout=10,
        )

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        timestamp: Any = None,
        nonce: Any = None,
        secret: str | None = None,
        omit: tuple[str, ...] = (),
        tamper: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        in_query: tuple[str, ...] = (),
        sign_path_id: bool = True,
        lists: str = "ruby",
        body: Mapping[str, Any] | None = None,
        as_body: bool = False,
        path_params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """``params`` go in the query (GET, DELETE) or the JSON body; the path id is signed.

        ``in_query`` names parameters of a write that travel in the query string instead;
        ``as_body`` sends every parameter of a GET or DELETE as a JSON body; ``body`` adds a
        JSON body of signed parameters to a GET; ``lists`` is how lists are signed.
        ``path_params`` are signed (and never sent) in place of an institute's path id: the
        user routes' ``institute_id`` and ``id``.
        """
        sent = dict(params or {})
        sent["timestamp"] = timestamp if timestamp is not None else time.time_ns() // 1_000_000
        sent["nonce"] = nonce if nonce is not None else next(_nonces)
        signed = {**sent, **(body or {})}
        member = _MEMBER.search(path)
        if member is not None and sign_path_id:
            signed["id"] = member.group(1)
        signed.update(path_params or {})
        sent["signature"] = signature_of(secret or self.secret, signed, lists)
        for name in omit:
            sent.pop(name, None)
        sent.update(tamper or {})
        if method in {"GET", "DELETE"} and not as_body:
            query = {k: _text(v) for k, v in sent.items()}
            return self.http.request(method, path, params=query, json=body, headers=headers)
        query = {k: _text(sent.pop(k)) for k in in_query}
        return self.http.request(method, path, params=query, json=sent, headers=headers)

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return self.request("GET", path, params, **kw)

    def post(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return self.request("POST", path, params, **kw)

    def patch(
        self, path: str, params: Mapping[str, Any] | None = None, **kw: Any
    ) -> httpx.Response:
        return self.request("PATCH", path, params, **kw)

    def put(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, params, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)


CallerFactory = Callable[..., Caller]


@pytest.fixture
def caller() -> Iterator[CallerFactory]:
    """``caller(sandbox or base URL, token=..., secret=...)``: a signed client, closed after."""
    made: list[Caller] = []

    def make(
        target: Sandbox | str, token: str = DEFAULT_TOKEN, secret: str = DEFAULT_SECRET
    ) -> Caller:
        base_url = target if isinstance(target, str) else target.base_url
        made.append(Caller(base_url, token, secret))
        return made[-1]

    yield make
    for each in made:
        each.http.close()


@pytest.fixture
def api(proctorexam_sandbox: Sandbox, caller: CallerFactory) -> Caller:
    """A signed client of the default superuser on an empty sandbox."""
    return caller(proctorexam_sandbox)


def institutes_named(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "short_name": name.lower()} for name in names]


@pytest.fixture
def seeded(proctorexam_sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox holding ProctorExam (id 1) and Other (id 2)."""
    return proctorexam_sandbox_factory(seed=institutes_named("ProctorExam", "Other"))
