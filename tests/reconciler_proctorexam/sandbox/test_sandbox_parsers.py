"""The sandbox behaves the same on either HTTP parser: httptools where it is installed, h11
otherwise."""

from __future__ import annotations

import socket

import pytest

from reconciler_proctorexam.sandbox import server, wire
from reconciler_proctorexam.testing import SandboxFactory

PARSERS = {"httptools": wire.http_protocol(), "h11": wire.GatheringH11Protocol}


def test_httptools_is_the_parser_where_it_is_installed() -> None:
    pytest.importorskip("httptools")
    assert wire.PARSER == "httptools"
    assert wire.http_protocol() is not wire.GatheringH11Protocol


@pytest.fixture(params=sorted(PARSERS))
def parsed_by(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    proctorexam_sandbox_factory: SandboxFactory,
) -> server.Sandbox:
    """A sandbox whose server speaks through the parser named by the parameter."""
    protocol = PARSERS[request.param]
    monkeypatch.setattr(server, "http_protocol", lambda: protocol)
    return proctorexam_sandbox_factory()


def _exchange(sandbox: server.Sandbox, raw: bytes) -> bytes:
    """Send ``raw`` and return the first piece of the answer that arrives."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
        sock.sendall(raw)
        return sock.recv(65536)


def test_an_answer_arrives_in_one_piece(parsed_by: server.Sandbox) -> None:
    # Refused for want of the version header: the head and the JSON body, in one read.
    answer = _exchange(parsed_by, b"GET /api/v3/institutes HTTP/1.1\r\nHost: sandbox\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 406 ")
    assert b'"not_acceptable"' in body


def test_a_proxy_request_is_not_served_as_the_sandbox_own(parsed_by: server.Sandbox) -> None:
    answer = _exchange(
        parsed_by,
        b"GET http://acme.invalid/api/v3/institutes?page=1 HTTP/1.1\r\nHost: acme.invalid\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 404 ")
    [record] = parsed_by.requests
    assert (record.path, record.query) == ("http://acme.invalid/api/v3/institutes", "page=1")


def test_a_request_that_is_not_http_is_refused(parsed_by: server.Sandbox) -> None:
    answer = _exchange(parsed_by, b"HELLO THERE\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
