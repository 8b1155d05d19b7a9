"""Create, read, update and delete round trips, and every documented refusal."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler_proctorexam.sandbox import Sandbox

SECTION_5_FIELDS = [
    "id", "name", "created_at", "updated_at", "short_name", "logo_image_file_name",
    "logo_image_content_type", "logo_image_file_size", "logo_image_updated_at", "callback_url",
    "tawk_url", "check_requirements_emails_enabled", "reminder_emails_enabled",
    "exam_link_emails_enabled", "exam_changed_emails_enabled", "exam_finalized_emails_enabled",
    "global_proctor", "global_reviewer", "token_value", "tawk_api_key", "default_exam_languages",
    "default_locale", "default_language", "custom_languages", "logo_image", "tokens",
    "session_retention_period", "pre_assigned_proctor_fallback_threshold",
    "connected_proctor_fallback_threshold", "block_students_until_proctor_connected",
]  # fmt: skip


def _create(api: Any, **values: Any) -> dict[str, Any]:
    response = api.post("/institutes", {"name": "ProctorExam", "short_name": "pe", **values})
    assert response.status_code == 201, response.text
    return dict(response.json()["institute"])


def test_create_read_update_delete(api: Any, proctorexam_sandbox: Sandbox) -> None:
    created = _create(api, global_proctor=True, custom_languages=["no-NO"])
    assert list(created) == SECTION_5_FIELDS
    assert created["id"] == 1
    assert created["global_proctor"] is True

    read = api.get("/institutes/1")
    assert read.status_code == 200
    assert read.json() == {"institute": created}

    updated = api.patch("/institutes/1", {"reminder_emails_enabled": False, "tawk_url": "t"})
    assert updated.status_code == 200
    body = updated.json()["institute"]
    assert body["reminder_emails_enabled"] is False
    assert body["tawk_url"] == "t"
    assert body["created_at"] == created["created_at"]
    assert proctorexam_sandbox.institutes() == [body]

    deleted = api.delete("/institutes/1")
    assert deleted.status_code == 200
    assert deleted.json() == {}
    assert api.get("/institutes/1").status_code == 404
    assert proctorexam_sandbox.institutes() == []


def test_updated_at_moves_on_every_update(api: Any) -> None:
    stamps = [_create(api)["updated_at"]]
    for _ in range(3):  # even within one millisecond, and even when nothing changes
        response = api.patch("/institutes/1", {"name": "ProctorExam"})
        stamps.append(response.json()["institute"]["updated_at"])
    assert stamps == sorted(set(stamps))


def test_values_are_rendered_as_the_live_api_does(api: Any) -> None:
    created = _create(api, session_retention_period=12, default_language="fr-FR")
    assert created["session_retention_period"] == "12"
    assert created["default_locale"] == created["default_exam_languages"] == "fr-FR"
    updated = api.patch("/institutes/1", {"session_retention_period": "3"}).json()["institute"]
    assert updated["session_retention_period"] == "3"


def test_a_missing_institute_is_a_404_with_the_rails_text(api: Any) -> None:
    for response in (
        api.get("/institutes/42"),
        api.patch("/institutes/42", {"name": "x"}),
        api.delete("/institutes/42"),
        api.get("/institutes/abc"),
    ):
        assert response.status_code == 404
        expected = "Couldn't find Institute with 'id'=" + response.url.path.rsplit("/", 1)[1]
        assert response.json()["error"]["message"] == expected


@pytest.mark.parametrize("missing", ["name", "short_name"])
def test_a_create_without_name_or_short_name_is_a_422(api: Any, missing: str) -> None:
    values = {"name": "A", "short_name": "a"}
    for payload in ({k: v for k, v in values.items() if k != missing}, {**values, missing: ""}):
        response = api.post("/institutes", payload)
        assert response.status_code == 422
        message = response.json()["error"]["message"]
        assert message == f"Param is missing or the value is empty: {missing}"


def test_a_taken_name_or_short_name_is_a_422(api: Any) -> None:
    _create(api)
    same_name = api.post("/institutes", {"name": "ProctorExam", "short_name": "other"})
    assert same_name.status_code == 422
    assert same_name.json() == {"name": ["has already been taken"]}
    same_short = api.post("/institutes", {"name": "Other", "short_name": "pe"})
    assert same_short.json() == {"short_name": ["has already been taken"]}
    api.post("/institutes", {"name": "Second", "short_name": "second"})
    renamed = api.patch("/institutes/2", {"name": "ProctorExam"})
    assert renamed.json() == {"name": ["has already been taken"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("global_proctor", "yes"),
        ("reminder_emails_enabled", 1),
        ("custom_languages", "no-NO"),
        ("custom_languages", ["not a language"]),
        ("default_language", 5),
        ("session_retention_period", "six"),
        ("session_retention_period", True),
        ("connected_proctor_fallback_threshold", "1"),
        ("pre_assigned_proctor_fallback_threshold", -1),
        ("callback_url", 7),
        ("name", 5),
    ],
)
def test_a_wrongly_typed_field_is_a_422(
    seeded: Sandbox, caller: Any, field: str, value: Any
) -> None:
    response = caller(seeded).patch("/institutes/1", {field: value})
    assert response.status_code == 422
    assert response.json() == {field: ["is invalid"]}


def test_a_blank_name_on_update_is_a_422(seeded: Sandbox, caller: Any) -> None:
    assert caller(seeded).patch("/institutes/1", {"name": ""}).json() == {
        "name": ["can't be blank"]
    }


def test_unknown_and_read_only_fields_are_422s_all_at_once(seeded: Sandbox, caller: Any) -> None:
    client = caller(seeded)
    response = client.patch(
        "/institutes/1", {"student_experience": 1, "token_value": 3, "default_locale": "fr-FR"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "student_experience": ["is not a known attribute"],
        "token_value": ["is read-only"],
        "default_locale": ["is read-only"],
    }
    created = client.post("/institutes", {"name": "N", "short_name": "n", "id": 9})
    assert created.json() == {"id": ["is read-only"]}
    assert seeded.institutes()[0]["token_value"] == 0


def test_renaming_the_short_name_is_not_an_update(seeded: Sandbox, caller: Any) -> None:
    client = caller(seeded)
    renamed = client.patch("/institutes/1", {"short_name": "new"})
    assert renamed.status_code == 422
    assert renamed.json() == {"short_name": ["cannot be changed"]}
    unchanged = client.patch("/institutes/1", {"short_name": "proctorexam"})
    assert unchanged.status_code == 200


def test_a_body_id_must_match_the_path(seeded: Sandbox, caller: Any) -> None:
    client = caller(seeded)
    assert client.patch("/institutes/1", {"id": 1, "global_proctor": True}).status_code == 200
    mismatch = client.patch("/institutes/1", {"id": 2, "global_proctor": True})
    assert mismatch.status_code == 400


def test_ids_are_never_reused(api: Any) -> None:
    _create(api)
    api.delete("/institutes/1")
    assert _create(api)["id"] == 2


def test_unknown_routes_and_methods_answer_in_the_error_shape(api: Any) -> None:
    missing = api.get("/exams")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "no_such_route"
    wrong = api.http.delete("/institutes")
    assert wrong.status_code == 405


def test_the_python_helpers_change_state_behind_the_clients_back(
    proctorexam_sandbox: Sandbox, api: Any
) -> None:
    made = proctorexam_sandbox.add_institute({"name": "A", "short_name": "a"})
    changed = proctorexam_sandbox.update_institute(made["id"], {"global_proctor": True})
    assert changed["updated_at"] > made["updated_at"]
    assert api.get(f"/institutes/{made['id']}").json()["institute"]["global_proctor"] is True
    with pytest.raises(ValueError, match="token_value"):
        proctorexam_sandbox.update_institute(made["id"], {"token_value": 1})
    with pytest.raises(ValueError, match="has already been taken"):
        proctorexam_sandbox.add_institute({"name": "A", "short_name": "b"})
    proctorexam_sandbox.delete_institute(made["id"])
    with pytest.raises(KeyError):
        proctorexam_sandbox.delete_institute(made["id"])
    assert [r.method for r in proctorexam_sandbox.requests] == ["GET"]  # helpers are not HTTP
