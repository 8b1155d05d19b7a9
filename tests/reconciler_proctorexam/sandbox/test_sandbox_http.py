"""What uvicorn's h11 protocol gives the sandbox: whole answers, absolute-form targets kept,
malformed requests refused."""

from __future__ import annotations

import socket

from reconciler_proctorexam.sandbox import Sandbox


def _exchange(sandbox: Sandbox, raw: bytes) -> bytes:
    """Send ``raw`` and return the answer: to the length its head gives, else to the end."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
        sock.sendall(raw)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        lengths = [
            int(line.partition(b":")[2])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ]
        while piece := sock.recv(65536) if not lengths or len(body) < lengths[0] else b"":
            body += piece
        return head + b"\r\n\r\n" + body


def test_an_answer_arrives_whole(proctorexam_sandbox: Sandbox) -> None:
    # Refused for want of the version header: the head and the JSON body.
    raw = b"GET /api/v3/institutes HTTP/1.1\r\nHost: sandbox\r\n\r\n"
    head, _, body = _exchange(proctorexam_sandbox, raw).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 406 ")
    assert b'"not_acceptable"' in body


def test_a_proxy_request_is_not_served_as_the_sandbox_own(proctorexam_sandbox: Sandbox) -> None:
    answer = _exchange(
        proctorexam_sandbox,
        b"GET http://acme.invalid/api/v3/institutes?page=1 HTTP/1.1\r\nHost: acme.invalid\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 404 ")
    [record] = proctorexam_sandbox.requests
    assert (record.path, record.query) == ("http://acme.invalid/api/v3/institutes", "page=1")


def test_a_request_that_is_not_http_is_refused(proctorexam_sandbox: Sandbox) -> None:
    answer = _exchange(proctorexam_sandbox, b"HELLO THERE\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
