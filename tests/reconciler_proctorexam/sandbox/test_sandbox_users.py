"""The sandbox's users and identity providers over real sockets: shapes, signing, uniqueness,
the silent drop of unpermitted updates, credentials, roles and the seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler_proctorexam.sandbox import Sandbox

SEED: dict[str, Any] = {
    "institutes": [
        {"id": 1, "name": "Utrecht University", "short_name": "uu"},
        {"id": 2, "name": "Other", "short_name": "other"},
    ],
    "identity_providers": [
        {"id": 7, "name": "UU SAML", "idp_sso_target_url": "https://idp.example/sso"},
    ],
    "users": [
        {
            "id": 1,
            "institute_id": 1,
            "email": "alice@uu.example",
            "name": "Alice",
            "role": "administrator",
            "omniauth_config_id": 7,
            "api_token": "alice-token-0123",
            "secret_key": "alice-secret-0123",
        },
        {"id": 2, "institute_id": 2, "email": "olga@other.example", "name": "Olga"},
    ],
}


@pytest.fixture
def sandbox(proctorexam_sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return proctorexam_sandbox_factory(seed=SEED)


@pytest.fixture
def su(sandbox: Sandbox, caller: Any) -> Any:
    return caller(sandbox)


def users_path(institute: int, user: int | None = None) -> tuple[str, dict[str, str]]:
    path = f"/institutes/{institute}/users" + (f"/{user}" if user is not None else "")
    signed = {"institute_id": str(institute)}
    if user is not None:
        signed["id"] = str(user)
    return path, signed


def get(api: Any, institute: int, user: int | None = None, **params: Any) -> Any:
    path, signed = users_path(institute, user)
    return api.get(path, params, path_params=signed)


def test_the_list_holds_the_documented_fields_and_no_report_settings(su: Any) -> None:
    response = get(su, 1)
    assert response.status_code == 200
    assert response.headers["X-Pagination-Item-Count"] == "1"
    (item,) = response.json()["users"]
    assert set(item) == {
        "id",
        "email",
        "name",
        "role",
        "logo_image",
        "institute_name",
        "omniauth_config_id",
    }
    assert (item["email"], item["institute_name"], item["omniauth_config_id"]) == (
        "alice@uu.example",
        "Utrecht University",
        7,
    )


def test_the_show_object_adds_report_settings_and_credentials(su: Any) -> None:
    user = get(su, 1, 1).json()["user"]
    assert user["api_token"] == "alice-token-0123"
    assert user["secret_key"] == "alice-secret-0123"
    assert user["receives_reports"] is False
    assert user["report_frequency"] is None


def test_both_path_parameters_are_signed(su: Any) -> None:
    path, _ = users_path(1, 1)
    unsigned = su.get(path, path_params={"institute_id": "1"})  # id left out of the signature
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "invalid_signature"
    wrong = su.get(path, path_params={"institute_id": "2", "id": "1"})
    assert wrong.status_code == 401


def test_a_user_of_another_institute_is_not_found(su: Any) -> None:
    response = get(su, 2, 1)
    assert response.status_code == 404
    assert "Couldn't find User" in response.json()["error"]["message"]
    assert get(su, 99).status_code == 404


def create(api: Any, institute: int, **values: Any) -> Any:
    path, signed = users_path(institute)
    return api.post(path, values, path_params=signed)


def test_create_needs_a_password_without_an_identity_provider(su: Any, sandbox: Sandbox) -> None:
    bare = create(su, 1, email="bob@uu.example", name="Bob", role="teacher")
    assert bare.status_code == 422
    assert bare.json() == {"password": ["can't be blank"]}
    made = create(
        su,
        1,
        email="Bob@UU.example",
        name="Bob",
        role="teacher",
        password="long-enough",
        password_confirmation="long-enough",
    )
    assert made.status_code == 201
    user = made.json()["user"]
    assert user["email"] == "bob@uu.example"  # kept in lower case
    assert len(user["api_token"]) == 32  # made up for the new user
    assert len(user["secret_key"]) == 64
    assert "password" not in user
    with_sso = create(su, 1, email="cy@uu.example", name="Cy", role="teacher", omniauth_config_id=7)
    assert with_sso.status_code == 201


def test_e_mails_are_unique_across_the_service(su: Any) -> None:
    again = create(su, 2, email="ALICE@uu.example", name="A", role="teacher", omniauth_config_id=7)
    assert again.status_code == 422
    assert again.json() == {"email": ["has already been taken"]}


def test_create_refuses_unknown_roles_frequencies_and_providers(su: Any) -> None:
    response = create(
        su,
        1,
        email="x@uu.example",
        name="X",
        role="dean",
        omniauth_config_id=99,
        report_frequency="hourly",
        colour="red",
    )
    assert response.status_code == 422
    assert set(response.json()) == {"role", "omniauth_config_id", "report_frequency", "colour"}


def test_an_update_keeps_the_permitted_fields_and_silently_drops_the_rest(
    su: Any, sandbox: Sandbox
) -> None:
    path, signed = users_path(1, 1)
    response = su.patch(
        path,
        {"role": "teacher", "name": "Renamed", "receives_reports": True, "report_frequency": "day"},
        path_params=signed,
    )
    assert response.status_code == 200
    user = response.json()["user"]
    assert (user["role"], user["name"]) == ("administrator", "Alice")  # dropped, no error
    assert (user["receives_reports"], user["report_frequency"]) == (True, "day")
    (write,) = [r for r in sandbox.requests if r.method == "PATCH"]
    assert write.fields == ("receives_reports", "report_frequency")


def test_an_administrator_sees_only_its_own_institutes_users(sandbox: Sandbox, caller: Any) -> None:
    sandbox.add_user("admin-token", "admin-secret", institute_id=1)
    admin = caller(sandbox, token="admin-token", secret="admin-secret")
    assert get(admin, 1).status_code == 200
    for response in (get(admin, 2), get(admin, 2, 2), create(admin, 2, email="z@x.example")):
        assert response.status_code == 403
    assert [u["email"] for u in sandbox.institute_users()] == [
        "alice@uu.example",
        "olga@other.example",
    ]


def test_identity_providers_come_from_the_seed(su: Any) -> None:
    response = su.get("/identity_providers")
    assert response.status_code == 200
    assert response.json()["identity_providers"] == SEED["identity_providers"]
    assert response.headers["X-Pagination-Item-Count"] == "1"


def test_users_persist_in_the_state_file(
    proctorexam_sandbox_factory: Callable[..., Sandbox], caller: Any, tmp_path: Any
) -> None:
    state = tmp_path / "state.json"
    first = proctorexam_sandbox_factory(seed=SEED, state_file=state)
    made = create(
        caller(first), 1, email="dan@uu.example", name="Dan", role="proctor", omniauth_config_id=7
    )
    assert made.status_code == 201
    first.stop()
    second = proctorexam_sandbox_factory(seed=SEED, state_file=state)
    assert [u["email"] for u in second.institute_users()] == [
        "alice@uu.example",
        "olga@other.example",
        "dan@uu.example",
    ]
    assert get(caller(second), 1).json()["users"][1]["email"] == "dan@uu.example"
