"""The plan document: a faithful round trip, a valid schema, and no secret ever written."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from reconciler import Action, Change, FieldChange, LiveRef, Location, Plan, ReconcilerError
from reconciler.documents.plan import (
    PLAN_SCHEMA,
    REDACTED,
    json_value,
    plan_from_document,
    plan_to_document,
    redacted_fields,
)

SECRET = "pf-S3CRET-c0ffee-91b7"


def _plan(secret: str | None = None) -> Plan:
    fields = [
        FieldChange("custom_languages", ["no-NO"], ["fr-FR", "no-NO"], Location("a.yaml", 5, 5)),
        FieldChange("exam_link_emails_enabled", True, False, Location("a.yaml", 6, 5)),
        FieldChange("callback_url", "https://x.example", None),
        FieldChange("session_retention_period", "6", 12, Location("_.yaml", 2, 3)),
        FieldChange("ratio", 0.5, 1.25, Location("a.yaml", 7, 5)),
    ]
    if secret is not None:
        fields.append(FieldChange("tawk_api_key", None, secret, Location("a.yaml", 8, 5), True))
    return Plan(
        changes=(
            Change(
                Action.CREATE,
                "institute",
                "new",
                (FieldChange("name", None, "New", Location("a.yaml", 11, 5)),),
                Location("a.yaml", 10, 3),
            ),
            Change(Action.DELETE, "institute", "old", (), Location("a.yaml", 20, 3), "9", "fp-9"),
            Change(
                Action.UPDATE, "institute", "pe", tuple(fields), Location("a.yaml", 3, 3), "7", "fp"
            ),
        ),
        unmanaged=(LiveRef("institute", "demo", "5"),),
        live_count=3,
    )


def _validate(doc: Any) -> None:
    jsonschema.Draft202012Validator(PLAN_SCHEMA).validate(doc)


# Round trip ----------------------------------------------------------------------------------


def test_a_plan_without_secrets_survives_the_round_trip() -> None:
    plan = _plan()
    doc = plan_to_document(plan)
    assert plan_from_document(json.loads(json.dumps(doc))) == plan


def test_a_document_survives_the_round_trip() -> None:
    doc = json.loads(json.dumps(plan_to_document(_plan(SECRET))))
    assert plan_to_document(plan_from_document(doc)) == doc


def test_ref_and_fingerprint_are_kept_per_change() -> None:
    back = plan_from_document(plan_to_document(_plan()))
    assert [(c.ref, c.fingerprint) for c in back.changes] == [
        (None, None),
        ("9", "fp-9"),
        ("7", "fp"),
    ]


def test_empty_plan_round_trips() -> None:
    plan = Plan(changes=())
    assert plan_from_document(plan_to_document(plan)) == plan


# Secrets ---------------------------------------------------------------------------------------


def test_no_sensitive_value_is_written() -> None:
    doc = plan_to_document(_plan(SECRET))
    text = json.dumps(doc)
    assert SECRET not in text
    (field,) = [f for c in doc["changes"] for f in c["fields"] if f["name"] == "tawk_api_key"]
    assert field == {
        "name": "tawk_api_key",
        "sensitive": True,
        "location": {"file": "a.yaml", "line": 8, "column": 5},
    }


def test_a_sensitive_field_comes_back_marked_for_re_reading() -> None:
    back = plan_from_document(plan_to_document(_plan(SECRET)))
    update = back.changes[2]
    (field,) = [f for f in update.fields if f.sensitive]
    assert field.before is REDACTED
    assert field.after is REDACTED
    assert redacted_fields(update) == ("tawk_api_key",)
    assert redacted_fields(back.changes[0]) == ()
    assert SECRET not in repr(back)
    # The marker cannot be sent anywhere by mistake: it is not JSON.
    with pytest.raises(TypeError):
        json.dumps(update.values())


def test_a_document_holding_a_sensitive_value_is_refused_without_quoting_it() -> None:
    doc = plan_to_document(_plan(SECRET))
    (field,) = [f for f in doc["changes"][2]["fields"] if f["sensitive"]]
    field["after"] = SECRET
    with pytest.raises(ReconcilerError) as caught:
        plan_from_document(doc, source="plan.json")
    message = str(caught.value)
    assert SECRET not in message
    assert "plan.json is not a valid plan document" in message
    assert "/changes/2/fields/5: a sensitive field must not hold values" in message


# Schema -----------------------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(PLAN_SCHEMA)
    assert PLAN_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_property_of_the_schema_is_described() -> None:
    undocumented: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if not (isinstance(sub, dict) and sub.get("description")):
                    undocumented.append(f"{path}/properties/{name}")
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}/{i}")

    walk(PLAN_SCHEMA, "#")
    # The conditional parts (if/then) only restate types; every real property is described.
    assert [p for p in undocumented if "/if/" not in p and "/then/" not in p] == []
    assert all(d.get("description") for d in PLAN_SCHEMA["$defs"].values())
    assert PLAN_SCHEMA["description"]


def test_documents_validate_against_the_schema() -> None:
    _validate(plan_to_document(_plan(SECRET)))
    _validate(plan_to_document(Plan(changes=())))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["changes"][0].update(action="replace"), "/changes/0/action: must be one of"),
        (lambda d: d["changes"][1].update(ref=None), "/changes/1/ref: must be of type string"),
        (lambda d: d["changes"][2]["fields"][0].pop("before"), "'before' is a required property"),
        (
            lambda d: d["changes"][0]["location"].update(line=0),
            "/changes/0/location/line: must be at least 1",
        ),
        (lambda d: d.pop("unmanaged"), "'unmanaged' is a required property"),
        (
            lambda d: d["changes"][1]["fields"].append(d["changes"][0]["fields"][0]),
            "at most 0 item(s)",
        ),
    ],
)
def test_malformed_documents_are_refused_with_the_place(mutate: Any, expected: str) -> None:
    doc = copy.deepcopy(plan_to_document(_plan()))
    mutate(doc)
    with pytest.raises(ReconcilerError, match="not a valid plan document") as caught:
        plan_from_document(doc)
    assert expected in str(caught.value)


def test_another_major_version_is_refused() -> None:
    doc = plan_to_document(_plan())
    doc["format_version"] = "2.0"
    with pytest.raises(ReconcilerError, match=r"plan format '2.0'.*reads format 1\.x"):
        plan_from_document(doc, source="plan.json")


def test_a_newer_minor_version_with_extra_properties_is_read() -> None:
    doc = plan_to_document(_plan())
    doc["format_version"] = "1.7"
    doc["generated_by"] = "a later reconciler"
    doc["changes"][0]["reason"] = "new in 1.7"
    assert plan_from_document(doc) == _plan()


@pytest.mark.parametrize("doc", [None, [], "plan", {"changes": []}])
def test_something_else_entirely_is_refused(doc: Any) -> None:
    with pytest.raises(ReconcilerError, match="is not a plan document"):
        plan_from_document(doc)


# Values ----------------------------------------------------------------------------------------


def test_yaml_values_become_plain_json_types() -> None:
    loaded = YAML().load("a: [x, y]\nb: 1.5\nc: 12\nd: true\ne: {k: v}\nf: null\ng: text\n")
    converted = json_value(loaded)
    assert converted == {
        "a": ["x", "y"],
        "b": 1.5,
        "c": 12,
        "d": True,
        "e": {"k": "v"},
        "f": None,
        "g": "text",
    }
    assert type(converted) is dict
    assert type(converted["a"]) is list
    assert type(converted["b"]) is float
    assert type(converted["c"]) is int


def test_an_unknown_value_type_names_the_type_but_not_the_value() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return SECRET

    with pytest.raises(TypeError, match="of type Opaque") as caught:
        json_value({"k": Opaque()})
    assert SECRET not in str(caught.value)
    with pytest.raises(TypeError):
        json_value(REDACTED)
