"""The request log: what tests read to assert which calls a command made."""

from __future__ import annotations

from typing import Any

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox


def test_every_request_is_logged_in_order(api: Any, proctorexam_sandbox: Sandbox) -> None:
    api.post("/institutes", {"name": "A", "short_name": "a", "tawk_api_key": "k-123"})
    api.get("/institutes/1")
    api.get("/institutes", secret="wrong")
    records = proctorexam_sandbox.requests
    assert [(r.method, r.path, r.status) for r in records] == [
        ("POST", "/api/v3/institutes", 201),
        ("GET", "/api/v3/institutes/1", 200),
        ("GET", "/api/v3/institutes", 401),
    ]
    assert records[0].fields == ("name", "short_name", "tawk_api_key")
    assert records[0].is_write
    assert not records[1].is_write
    assert all(r.delivered and r.fault is None for r in records)


def test_records_hold_no_secret(api: Any, proctorexam_sandbox: Sandbox) -> None:
    api.post("/institutes", {"name": "A", "short_name": "a", "tawk_api_key": "k-123"})
    text = repr(proctorexam_sandbox.requests)
    for secret in ("k-123", DEFAULT_TOKEN, DEFAULT_SECRET):
        assert secret not in text


def test_a_read_only_run_is_visible_as_such(seeded: Sandbox, caller: Any) -> None:
    client = caller(seeded)
    client.get("/institutes")
    client.get("/institutes/1")
    assert not any(r.is_write for r in seeded.requests)


def test_clear_requests(api: Any, proctorexam_sandbox: Sandbox) -> None:
    api.get("/institutes")
    proctorexam_sandbox.clear_requests()
    assert proctorexam_sandbox.requests == []
    api.get("/institutes")
    assert len(proctorexam_sandbox.requests) == 1
