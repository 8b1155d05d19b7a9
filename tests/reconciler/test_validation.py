"""Schema checks of one object: readable messages, located, never quoting a secret."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from reconciler.errors import PluginError
from reconciler.loading.validation import KindSchema, describe_value, did_you_mean
from reconciler.model import Location
from reconciler.records import ResourceKind

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "maxLength": 5},
        "enabled": {"type": "boolean"},
        "token": {"type": "string", "pattern": "^tk_"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
        "ratio": {"type": "number", "exclusiveMaximum": 1},
        "mode": {"const": "fast"},
        "size": {"oneOf": [{"type": "integer"}, {"type": "null"}]},
    },
}


def make_kind(schema: dict[str, Any] = SCHEMA) -> ResourceKind:
    return ResourceKind(
        name="thing",
        section="things",
        provider="test",
        schema=schema,
        identity="slug",
        read_only=frozenset({"id"}),
        write_only=frozenset({"token"}),
        deprecated={"old": "use name"},
    )


def locate(path: Sequence[str | int], *, key: bool = False) -> tuple[str, Location]:
    """Every value at line 1; the column counts the path's length, and keys sit at column 1."""
    shown = "things.t" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path)
    return shown, Location("t.yaml", 1, 1 if key else len(path) + 1)


def check(fields: dict[str, Any], sensitive: Sequence[str] = ()) -> list[str]:
    return [str(p) for p in KindSchema(make_kind()).check(fields, locate, sensitive)]


def test_a_valid_object_has_no_problems() -> None:
    assert check({"name": "ok", "enabled": True, "tags": ["a"], "size": None}) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"enabled": "yes"}, "t.yaml:1:2: things.t.enabled: expected a boolean, got 'yes'"),
        ({"enabled": None}, "t.yaml:1:2: things.t.enabled: expected a boolean, got null"),
        (
            {"name": "longer"},
            "t.yaml:1:2: things.t.name: expected at most 5 characters, got 'longer'",
        ),
        ({"tags": ["a", 1]}, "t.yaml:1:3: things.t.tags[1]: expected a string, got 1"),
        ({"tags": ["a", "b", "c"]}, "t.yaml:1:2: things.t.tags: expected at most 2 items, got 3"),
        ({"ratio": 1}, "t.yaml:1:2: things.t.ratio: expected less than 1, got 1"),
        ({"mode": "slow"}, "t.yaml:1:2: things.t.mode: expected 'fast', got 'slow'"),
        ({"size": "6"}, "t.yaml:1:2: things.t.size: expected an integer or null, got '6'"),
        ({"size": [1]}, "t.yaml:1:2: things.t.size: expected an integer or null, got a list"),
        ({"enabled": {"a": 1}}, "t.yaml:1:2: things.t.enabled: expected a boolean, got a mapping"),
    ],
)
def test_messages_say_what_was_expected_and_what_was_given(
    fields: dict[str, Any], message: str
) -> None:
    assert check({"name": "ok", **fields}) == [message]


def test_missing_required_fields_are_located_at_the_object() -> None:
    assert check({}) == ["t.yaml:1:1: things.t: missing required field 'name'; add it"]


def test_field_names_are_checked_before_the_schema_and_located_at_the_key() -> None:
    assert check({"name": "ok", "nmae": "x", "id": 3, "old": "x", "slug": "t"}) == [
        "t.yaml:1:1: things.t.nmae is not a field of thing; did you mean 'name'?",
        "t.yaml:1:1: things.t.id is set by the service; remove it",
        "t.yaml:1:1: things.t.old is deprecated: use name",
        "t.yaml:1:1: things.t.slug is the key of the object (things.<slug>); remove it",
    ]


def test_sensitive_values_are_never_quoted() -> None:
    found = check(
        {"name": "ok", "token": "leaked-secret", "enabled": "leaked-too"},
        sensitive=["token", "enabled"],
    )
    assert found == [
        "t.yaml:1:2: things.t.enabled: expected a boolean, got (sensitive)",
        "t.yaml:1:2: things.t.token: expected text matching ^tk_, got (sensitive)",
    ]
    assert "leaked" not in "".join(found)


def test_an_open_schema_leaves_unknown_fields_to_jsonschema() -> None:
    schema = KindSchema(make_kind({"type": "object", "properties": {"a": {"type": "string"}}}))
    assert schema.closed is False
    assert schema.check({"b": 1}, locate) == []


def test_a_single_field_is_checked_alone_with_the_same_message() -> None:
    schema = KindSchema(make_kind())
    found = schema.check_field("tags", ["a", 2], locate)
    assert [str(p) for p in found] == ["t.yaml:1:3: things.t.tags[1]: expected a string, got 2"]
    assert schema.check_field("tags", ["a"], locate) == []
    assert schema.check_field("unknown", 1, locate) == []


def test_an_invalid_schema_is_the_plugins_fault() -> None:
    with pytest.raises(PluginError, match=r"the JSON Schema of kind 'thing' .* is not a valid"):
        KindSchema(make_kind({"type": "objekt"}))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (6, "6"),
        (1.5, "1.5"),
        ("yes", "'yes'"),
        ([1], "a list"),
        ({"a": 1}, "a mapping"),
        ("x" * 100, "'" + "x" * 55 + "...'"),
    ],
)
def test_values_are_described_in_yaml_terms(value: Any, shown: str) -> None:
    assert describe_value(value) == shown
    assert describe_value(value, sensitive=True) == "(sensitive)"


def test_did_you_mean_only_when_something_is_close() -> None:
    assert did_you_mean("colour", ["color", "size"]) == "; did you mean 'color'?"
    assert did_you_mean("zzz", ["color", "size"]) == ""
