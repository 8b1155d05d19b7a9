"""The institute kind: its schema, its normalisers and the checks a schema cannot make."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from reconciler.model import DesiredObject, DesiredState, Location
from reconciler_proctorexam.institute import (
    DEPRECATED,
    READ_ONLY,
    WRITABLE,
    check_institutes,
    institute_kind,
)

KIND = institute_kind()
VALIDATOR = jsonschema.Draft202012Validator(
    KIND.schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def test_kind_record() -> None:
    assert (KIND.name, KIND.section, KIND.provider, KIND.identity) == (
        "institute",
        "institutes",
        "proctorexam",
        "short_name",
    )
    assert KIND.write_only == {"tawk_api_key"}
    assert set(DEPRECATED) == {"default_exam_languages", "default_locale", "student_experience"}
    assert "default_language" in KIND.deprecated["default_locale"]
    assert {"id", "created_at", "updated_at", "tokens", "token_value"} <= KIND.read_only
    assert not WRITABLE & READ_ONLY
    assert not WRITABLE & set(DEPRECATED)
    jsonschema.Draft202012Validator.check_schema(KIND.schema)


def test_schema_properties_are_exactly_the_writable_fields() -> None:
    assert set(KIND.schema["properties"]) == WRITABLE
    assert KIND.schema["additionalProperties"] is False
    assert "short_name" not in KIND.schema["properties"]
    assert "absent" not in KIND.schema["properties"]


GOOD: dict[str, Any] = {
    "name": "ProctorExam",
    "callback_url": "https://hooks.example.com/pe",
    "tawk_url": None,
    "tawk_api_key": "k-123",
    "global_proctor": True,
    "global_reviewer": False,
    "check_requirements_emails_enabled": True,
    "reminder_emails_enabled": True,
    "exam_link_emails_enabled": False,
    "exam_changed_emails_enabled": True,
    "exam_finalized_emails_enabled": True,
    "default_language": "en-GB",
    "custom_languages": ["no-NO", "fr-FR"],
    "session_retention_period": 6,
    "pre_assigned_proctor_fallback_threshold": 0,
    "connected_proctor_fallback_threshold": 3,
    "block_students_until_proctor_connected": False,
}


def test_schema_accepts_every_writable_field() -> None:
    assert list(VALIDATOR.iter_errors(GOOD)) == []
    assert list(VALIDATOR.iter_errors({"session_retention_period": "12"})) == []
    assert list(VALIDATOR.iter_errors({})) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "   "},
        {"name": 7},
        {"callback_url": "not a url"},
        {"callback_url": "ftp://example.com"},
        {"global_proctor": "yes"},
        {"default_language": "english please"},
        {"default_language": 1},
        {"custom_languages": "no-NO"},
        {"custom_languages": ["no-NO", "no-NO"]},
        {"custom_languages": ["no NO"]},
        {"session_retention_period": 0},
        {"session_retention_period": "six"},
        {"session_retention_period": "06"},
        {"session_retention_period": True},
        {"pre_assigned_proctor_fallback_threshold": -1},
        {"connected_proctor_fallback_threshold": 1.5},
        {"default_locale": "en-GB"},
        {"id": 3},
        {"short_name": "pe"},
        {"unknown_field": 1},
    ],
)
def test_schema_refuses(fields: dict[str, Any]) -> None:
    assert list(VALIDATOR.iter_errors(fields)) != []


def test_language_list_normaliser() -> None:
    norm = KIND.normalize
    assert norm("custom_languages", ["no-NO", "fr-FR"]) == frozenset({"fr-FR", "no-NO"})
    assert norm("custom_languages", ["fr-FR", "no-NO"]) == norm(
        "custom_languages", ["no-NO", "fr-FR"]
    )
    assert norm("custom_languages", "no-NO, fr-FR") == frozenset({"fr-FR", "no-NO"})
    assert norm("custom_languages", None) == frozenset()
    assert norm("custom_languages", []) == frozenset()
    assert norm("default_exam_languages", "fr,nl,es") == frozenset({"fr", "nl", "es"})
    assert norm("default_exam_languages", "en-GB") == frozenset({"en-GB"})


def test_number_normaliser() -> None:
    norm = KIND.normalize
    assert norm("session_retention_period", "6") == norm("session_retention_period", 6) == 6
    assert norm("session_retention_period", " 12 ") == 12
    assert norm("session_retention_period", "six") == "six"
    assert norm("session_retention_period", None) is None
    assert norm("connected_proctor_fallback_threshold", "0") == 0


def test_booleans_and_other_fields_are_kept_as_they_are() -> None:
    for value in (True, False, None, "x"):
        assert KIND.normalize("reminder_emails_enabled", value) is value
    assert KIND.normalize("student_experience", {"a": 1}) == {"a": 1}


def _institute(identity: str, line: int, **fields: Any) -> DesiredObject:
    location = Location("institutes.yaml", line, 3)
    return DesiredObject(
        kind="institute",
        identity=identity,
        fields=fields,
        location=location,
        locations={name: Location("institutes.yaml", line + 1, 5) for name in fields},
    )


def _check(*objects: DesiredObject) -> list[str]:
    state = DesiredState(objects=tuple(sorted(objects, key=lambda o: o.identity)))
    return [str(p) for p in check_institutes(state, {"institute": KIND})]


def test_duplicate_names_are_located_at_the_second() -> None:
    problems = _check(
        _institute("b-second", 10, name="Same School"),
        _institute("a-first", 1, name="Same School"),
        _institute("c-other", 20, name="Other School"),
    )
    assert problems == [
        "institutes.yaml:11:5: institute 'b-second' has the same name 'Same School' as institute"
        " 'a-first' (at institutes.yaml:2:5); names are unique on ProctorExam (compared without"
        " case): rename one of them. [proctorexam]"
    ]


def test_duplicate_names_ignore_case_and_spacing() -> None:
    assert (
        len(_check(_institute("a", 1, name="Same  School"), _institute("b", 5, name="same school")))
        == 1
    )


def test_tombstones_and_distinct_names_pass() -> None:
    gone = DesiredObject(
        kind="institute",
        identity="old",
        fields={"name": "Same"},
        location=Location("x.yaml", 9, 3),
        absent=True,
    )
    assert _check(_institute("a", 1, name="Same"), gone) == []
    assert _check(_institute("a", 1, name="One"), _institute("b", 5, name="Two")) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("default_language", "en_GB", "'en_GB' should be written 'en-GB'"),
        ("default_language", "EN-gb", "'EN-gb' should be written 'en-GB'"),
        ("custom_languages", ["no-NO", "xx-NO"], "'xx' is not an ISO 639-1 language code"),
        ("custom_languages", ["zh-hant-tw"], "should be written 'zh-Hant-TW'"),
        ("default_language", "en-GBR", "has no valid region"),
    ],
)
def test_language_tags_that_look_wrong(field: str, value: Any, message: str) -> None:
    problems = _check(_institute("pe", 1, **{field: value}))
    assert len(problems) == 1
    assert problems[0].startswith(f"institutes.yaml:2:5: institute 'pe', {field}: ")
    assert message in problems[0]


@pytest.mark.parametrize("tag", ["en-GB", "no-NO", "fr", "es-419", "zh-Hant-TW", "haw-US"])
def test_good_language_tags_pass(tag: str) -> None:
    assert _check(_institute("pe", 1, default_language=tag, custom_languages=[tag])) == []
