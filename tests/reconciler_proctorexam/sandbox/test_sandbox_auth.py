"""Every request is checked: headers, token, signature, timestamp, nonce (over a real socket)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, Sandbox, SandboxUser


def _code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def test_a_signed_request_is_accepted(api: Any) -> None:
    response = api.get("/institutes")
    assert response.status_code == 200
    assert response.json() == {"institutes": []}


def test_a_signed_write_with_every_value_shape_is_accepted(api: Any) -> None:
    values = {
        "name": "Université de Genève \u2013 Zürich",
        "short_name": "unige",
        "custom_languages": ["no-NO", "fr-FR"],
        "callback_url": None,
        "global_proctor": True,
        "global_reviewer": False,
        "session_retention_period": 12,
    }
    response = api.post("/institutes", values)
    assert response.status_code == 201, response.text
    assert response.json()["institute"]["custom_languages"] == ["no-NO", "fr-FR"]


def test_parameters_may_also_travel_in_the_query_of_a_write(api: Any) -> None:
    created = api.post("/institutes", {"name": "A", "short_name": "a"}).json()["institute"]
    response = api.patch(
        f"/institutes/{created['id']}", {"name": "B"}, in_query=("timestamp", "nonce", "signature")
    )
    assert response.status_code == 200, response.text
    assert response.json()["institute"]["name"] == "B"


def test_a_wrong_secret_is_refused(api: Any) -> None:
    response = api.get("/institutes", secret="not-the-secret")
    assert response.status_code == 401
    assert _code(response) == "invalid_signature"
    assert "not-the-secret" not in response.text
    assert DEFAULT_SECRET not in response.text


def test_an_altered_parameter_is_refused(api: Any) -> None:
    response = api.get("/institutes", {"page": 1}, tamper={"page": 2})
    assert response.status_code == 401
    assert _code(response) == "invalid_signature"


def test_an_unsigned_path_id_is_refused(seeded: Sandbox, caller: Any) -> None:
    # Signing without the path id is the classic mistake: the id must be in the string.
    client = caller(seeded)
    assert client.get("/institutes/1").status_code == 200
    response = client.get("/institutes/1", sign_path_id=False)
    assert _code(response) == "invalid_signature"


@pytest.mark.parametrize("missing", ["timestamp", "nonce", "signature"])
def test_a_missing_signature_parameter_is_refused(api: Any, missing: str) -> None:
    response = api.get("/institutes", omit=(missing,))
    assert response.status_code == 401
    assert _code(response) == f"missing_{missing}"


def test_a_stale_timestamp_is_refused(api: Any) -> None:
    ten_minutes_ago = time.time_ns() // 1_000_000 - 600_000
    response = api.get("/institutes", timestamp=ten_minutes_ago)
    assert response.status_code == 401
    assert _code(response) == "stale_timestamp"
    assert "behind" in response.json()["error"]["message"]


def test_a_timestamp_in_the_future_or_in_seconds_is_refused(api: Any) -> None:
    ahead = api.get("/institutes", timestamp=time.time_ns() // 1_000_000 + 600_000)
    assert _code(ahead) == "stale_timestamp"
    in_seconds = api.get("/institutes", timestamp=int(time.time()))
    assert _code(in_seconds) == "stale_timestamp"


def test_the_timestamp_window_is_configurable(
    proctorexam_sandbox_factory: Any, caller: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(timestamp_window=3600)
    ten_minutes_ago = time.time_ns() // 1_000_000 - 600_000
    assert caller(sandbox).get("/institutes", timestamp=ten_minutes_ago).status_code == 200


def test_a_reused_nonce_is_refused(api: Any) -> None:
    assert api.get("/institutes", nonce=424242).status_code == 200
    again = api.get("/institutes", nonce=424242)
    assert again.status_code == 401
    assert _code(again) == "reused_nonce"


def test_a_refused_request_does_not_burn_its_nonce(api: Any) -> None:
    assert _code(api.get("/institutes", nonce=777, secret="forged")) == "invalid_signature"
    assert api.get("/institutes", nonce=777).status_code == 200


@pytest.mark.parametrize("nonce", ["abc", "12a", "-5", "1.5"])
def test_a_non_numeric_nonce_is_refused(api: Any, nonce: str) -> None:
    response = api.get("/institutes", nonce=nonce)
    assert response.status_code == 401
    assert _code(response) == "invalid_nonce"


def test_a_non_numeric_timestamp_is_refused(api: Any) -> None:
    assert _code(api.get("/institutes", timestamp="yesterday")) == "invalid_timestamp"


def test_json_numbers_and_digit_strings_are_both_numeric(api: Any) -> None:
    now = time.time_ns() // 1_000_000
    created = api.post("/institutes", {"name": "A", "short_name": "a"}, timestamp=str(now))
    assert created.status_code == 201


@pytest.mark.parametrize("accept", ["*/*", "application/json", "application/vnd.procwise.v2"])
def test_a_missing_accept_header_is_refused(api: Any, accept: str) -> None:
    # httpx sends "Accept: */*" when none is given: that is what "missing" looks like.
    response = api.get("/institutes", headers={"Accept": accept})
    assert response.status_code == 406
    assert _code(response) == "not_acceptable"


def test_an_accept_header_listing_the_version_among_others_is_accepted(api: Any) -> None:
    accept = "application/json, application/vnd.procwise.v3; q=0.9"
    assert api.get("/institutes", headers={"Accept": accept}).status_code == 200


def test_an_unknown_token_is_refused(proctorexam_sandbox: Sandbox, caller: Any) -> None:
    response = caller(proctorexam_sandbox, token="who-is-this").get("/institutes")
    assert response.status_code == 401
    assert _code(response) == "unknown_token"
    assert "who-is-this" not in response.text


@pytest.mark.parametrize("header", ["", "Bearer sandbox-token", "Token sandbox-token"])
def test_a_malformed_authorization_header_is_refused(api: Any, header: str) -> None:
    response = api.get("/institutes", headers={"Authorization": header})
    assert response.status_code == 401
    assert _code(response) == "missing_token"


def test_a_quoted_token_is_accepted(api: Any) -> None:
    response = api.get("/institutes", headers={"Authorization": 'Token token="sandbox-token"'})
    assert response.status_code == 200


def test_users_added_at_runtime_sign_with_their_own_secret(
    proctorexam_sandbox: Sandbox, caller: Any
) -> None:
    user = proctorexam_sandbox.add_user("second-token", "second-secret")
    assert "second" not in repr(user)
    client = caller(proctorexam_sandbox, token="second-token", secret="second-secret")
    assert client.get("/institutes").status_code == 200
    wrong = caller(proctorexam_sandbox, token="second-token", secret=DEFAULT_SECRET)
    assert _code(wrong.get("/institutes")) == "invalid_signature"


def test_users_can_be_given_at_start(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    sandbox = proctorexam_sandbox_factory(users=[SandboxUser("t", "s")])
    assert caller(sandbox, token="t", secret="s").get("/institutes").status_code == 200
    assert caller(sandbox).get("/institutes").status_code == 401
    assert sandbox.env()["PROCTOREXAM_API_TOKEN"] == "t"


def test_malformed_requests_are_400s(api: Any) -> None:
    headers = {"Content-Type": "application/json"}
    broken = api.http.post("/institutes", content=b"{not json", headers=headers)
    assert broken.status_code == 400
    assert _code(broken) == "invalid_json"
    listed = api.http.post("/institutes", content=b"[1]", headers=headers)
    assert _code(listed) == "invalid_json"
    twice = api.http.post("/institutes", content=b'{"a": 1, "a": 2}', headers=headers)
    assert _code(twice) == "repeated_parameter"
    form = api.http.post("/institutes", content=b"name=x", headers={"Content-Type": "text/plain"})
    assert form.status_code == 415
    nested = api.post("/institutes", {"name": "A", "short_name": "a", "tokens": {"x": 1}})
    assert nested.status_code == 400
