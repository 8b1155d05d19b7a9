"""The published schemas: a config file's schema built from the kinds, stable JSON text."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import jsonschema
import pytest

from reconciler import PluginError, ResourceKind
from reconciler.documents.plan import PLAN_SCHEMA
from reconciler.documents.schemas import config_schema, dump_schema, kind_schema, published_schemas
from reconciler.documents.snapshot import SNAPSHOT_SCHEMA


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(instance)]


def test_a_config_file_with_objects_defaults_and_tombstones_validates(
    widget_kind: ResourceKind,
) -> None:
    schema = config_schema({"widget": widget_kind})
    config = {
        "defaults": {"enabled": True},
        "widgets": {
            "w1": {"name": "One", "tags": ["a", "b"], "size": "6"},
            "w2": {"absent": True},
            "w3": {},
        },
    }
    assert _errors(schema, config) == []
    assert _errors(schema, {}) == []


@pytest.mark.parametrize(
    "config",
    [
        {"gadgets": {}},  # no such section
        {"widgets": {"w1": {"colour": "red"}}},  # no such field
        {"widgets": {"w1": {"enabled": "yes"}}},  # wrong type
        {"widgets": {"w1": {"absent": False}}},  # a tombstone is only ever true
        {"widgets": {"w1": {"absent": True, "name": "x"}}},  # a tombstone holds nothing else
        {"defaults": {"colour": "red"}},  # defaults hold known fields only
        {"widgets": ["w1"]},  # a section maps identities
    ],
)
def test_config_mistakes_are_refused(widget_kind: ResourceKind, config: Any) -> None:
    assert _errors(config_schema({"widget": widget_kind}), config) != []


def test_required_fields_are_not_required_in_defaults(widget_kind: ResourceKind) -> None:
    kind = replace(widget_kind, schema={**widget_kind.schema, "required": ["name"]})
    schema = config_schema({"widget": kind})
    assert _errors(schema, {"defaults": {"enabled": False}}) == []
    assert _errors(schema, {"widgets": {"w1": {"enabled": False}}}) != []
    assert kind_schema(kind)["required"] == ["name"]


def test_local_refs_of_a_kind_still_resolve_once_embedded(widget_kind: ResourceKind) -> None:
    kind = replace(
        widget_kind,
        schema={
            "type": "object",
            "properties": {
                "lang": {"$ref": "#/$defs/lang"},
                "default": {"$ref": "#/$defs/lang"},  # a field named like a keyword
                "level": {"enum": [{"$ref": "#/not-a-reference"}, 1]},
            },
            "additionalProperties": False,
            "$defs": {"lang": {"type": "string", "pattern": "^[a-z]{2}-[A-Z]{2}$"}},
        },
    )
    schema = config_schema({"widget": kind})
    assert _errors(schema, {"widgets": {"w": {"lang": "fr-FR", "default": "en-GB"}}}) == []
    assert _errors(schema, {"widgets": {"w": {"lang": "french"}}}) != []
    assert _errors(schema, {"widgets": {"w": {"default": "french"}}}) != []
    assert _errors(schema, {"widgets": {"w": {"level": {"$ref": "#/not-a-reference"}}}}) == []
    assert _errors(schema, {"defaults": {"lang": "nope"}}) != []
    assert _errors(kind_schema(kind), {"lang": "fr-FR"}) == []


def test_two_kinds_each_get_a_section(widget_kind: ResourceKind) -> None:
    gadget = replace(
        widget_kind,
        name="gadget",
        section="gadgets",
        schema={
            "type": "object",
            "properties": {"volume": {"type": "integer"}, "name": {"type": "integer"}},
            "additionalProperties": False,
        },
    )
    schema = config_schema({"widget": widget_kind, "gadget": gadget})
    assert set(schema["properties"]) == {"defaults", "widgets", "gadgets"}
    assert _errors(schema, {"gadgets": {"g": {"volume": 3}}, "widgets": {"w": {}}}) == []
    # A defaults layer may mix the fields of both kinds; a shared field fits either kind.
    assert _errors(schema, {"defaults": {"volume": 3, "enabled": True, "name": 7}}) == []
    assert _errors(schema, {"defaults": {"name": "text"}}) == []
    assert _errors(schema, {"defaults": {"name": 1.5}}) != []
    assert _errors(schema, {"defaults": {"colour": "red"}}) != []


def test_every_config_property_is_described(widget_kind: ResourceKind) -> None:
    schema = config_schema({"widget": widget_kind})
    assert all(p["description"] for p in schema["properties"].values())
    assert schema["$defs"]["tombstone"]["properties"]["absent"]["description"]


def test_kind_schema_is_standalone_and_leaves_the_kind_alone(widget_kind: ResourceKind) -> None:
    kind = replace(widget_kind, description="A widget.")
    schema = kind_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["description"] == "A widget."
    assert "widgets.<slug>" in schema["title"]
    assert "$schema" not in kind.schema
    assert _errors(schema, {"name": "x", "tags": ["a"]}) == []


def test_published_schemas_are_named_by_file(widget_kind: ResourceKind) -> None:
    schemas = published_schemas({"widget": widget_kind})
    assert list(schemas) == [
        "config.schema.json",
        "doctor.schema.json",
        "drift.schema.json",
        "plan.schema.json",
        "saved-plan.schema.json",
        "snapshot.schema.json",
        "validation.schema.json",
        "widget.schema.json",
    ]
    assert schemas["plan.schema.json"] == PLAN_SCHEMA
    assert schemas["snapshot.schema.json"] == SNAPSHOT_SCHEMA
    assert schemas["widget.schema.json"] == kind_schema(widget_kind)


def test_a_kind_cannot_take_the_name_of_a_reconciler_schema(widget_kind: ResourceKind) -> None:
    with pytest.raises(PluginError, match=r"plan\.schema\.json"):
        published_schemas({"plan": replace(widget_kind, name="plan")})


def test_dump_is_stable_sorted_and_ends_with_a_newline(widget_kind: ResourceKind) -> None:
    text = dump_schema(config_schema({"widget": widget_kind}))
    assert text.endswith("}\n")
    assert text == dump_schema(json.loads(text))
    assert text.startswith('{\n  "$defs": ')
