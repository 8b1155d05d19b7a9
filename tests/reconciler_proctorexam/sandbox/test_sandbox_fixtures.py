"""The pytest plugin's fixtures, as a plugin author uses them."""

from __future__ import annotations

from typing import Any

import httpx

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Faults, Sandbox


def test_the_default_sandbox_is_empty_and_running(proctorexam_sandbox: Sandbox) -> None:
    assert proctorexam_sandbox.running
    assert proctorexam_sandbox.institutes() == []
    assert proctorexam_sandbox.env() == {
        "PROCTOREXAM_BASE_URL": proctorexam_sandbox.base_url,
        "PROCTOREXAM_API_TOKEN": DEFAULT_TOKEN,
        "PROCTOREXAM_SECRET_KEY": DEFAULT_SECRET,
    }
    assert proctorexam_sandbox.base_url.startswith("http://127.0.0.1:")


def test_the_factory_passes_every_option(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    first = proctorexam_sandbox_factory(seed=[{"name": "A", "short_name": "a"}])
    second = proctorexam_sandbox_factory(faults=Faults(rate_429=1.0))
    assert first.port != second.port
    assert len(first.institutes()) == 1
    assert caller(second).get("/institutes").status_code == 429


def test_a_stopped_sandbox_refuses_connections() -> None:
    with Sandbox() as sandbox:
        url = sandbox.base_url
    assert not sandbox.running
    try:
        httpx.get(url + "/institutes", timeout=2)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("the stopped sandbox still answered")
