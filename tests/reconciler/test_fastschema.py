"""The fast validator never lets through what jsonschema refuses, on every shipped schema.

The fast path is only ever asked "is this valid?"; when it says no, jsonschema walks the object
again to say why. So the property that matters is: for any instance, the problems reported
through :class:`Validator` are exactly jsonschema's. These tests check it on real valid
documents (the examples' YAML, a saved plan), on arbitrary JSON values, and on the valid
documents with one value somewhere inside swapped for an arbitrary one (nearly valid: the hard
cases).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler import fastschema
from reconciler.fastschema import Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
SHIPPED = sorted(SCHEMAS.glob("*.schema.json"))


def _yaml_documents() -> list[Any]:
    yaml = YAML(typ="safe", pure=True)
    return [
        yaml.load(p.read_text(encoding="utf-8")) for p in sorted(ROOT.glob("examples/*/*.yaml"))
    ]


def _seeds() -> list[tuple[str, Any]]:
    """Valid documents of the shipped schemas, by schema file name."""
    configs = _yaml_documents()
    institutes = [
        {k: v for k, v in fields.items() if k != "absent"}
        for doc in configs
        for fields in (doc.get("institutes") or {}).values()
        if not fields.get("absent")
    ]
    plan = json.loads((ROOT / "tests/reconciler_reports/golden/plan.json").read_text())
    return [
        *(("config.schema.json", doc) for doc in configs),
        *(("institute.schema.json", fields) for fields in institutes),
        ("plan.schema.json", plan),
    ]


SEEDS = _seeds()

pytestmark = pytest.mark.skipif(not fastschema.FAST, reason="jsonschema-rs is not installed")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _reported(validator: Validator, instance: Any) -> list[str]:
    """What a caller of the fast path reports: nothing when it says valid, else the reasons."""
    if validator.is_valid(instance):
        return []
    return sorted(e.message for e in validator.iter_errors(instance))


def _reference(schema: dict[str, Any], instance: Any) -> list[str]:
    return sorted(e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(instance))


def _load(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def test_every_shipped_schema_is_compiled_by_the_fast_path() -> None:
    assert SHIPPED
    for path in SHIPPED:
        assert Validator(_load(path))._fast is not None, path.name


@pytest.mark.parametrize(("name", "seed"), SEEDS, ids=[name for name, _ in SEEDS])
def test_valid_documents_are_valid_for_both(name: str, seed: Any) -> None:
    validator = Validator(_load(SCHEMAS / name))
    assert validator.is_valid(seed)
    assert validator.reference.is_valid(seed)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_arbitrary_values_get_the_same_problems(path: Path) -> None:
    schema = _load(path)
    validator = Validator(schema)

    @settings(max_examples=150, deadline=None)
    @given(json_values)
    def check(instance: Any) -> None:
        assert _reported(validator, instance) == _reference(schema, instance)

    check()


@pytest.mark.parametrize(("name", "seed"), SEEDS, ids=[name for name, _ in SEEDS])
def test_nearly_valid_documents_get_the_same_problems(name: str, seed: Any) -> None:
    schema = _load(SCHEMAS / name)
    validator = Validator(schema)

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def check(data: st.DataObject) -> None:
        mutated = _swap_one_value(seed, data)
        assert _reported(validator, mutated) == _reference(schema, mutated)

    check()


def _swap_one_value(instance: Any, data: st.DataObject) -> Any:
    """``instance`` with one value, somewhere inside it, replaced by an arbitrary one."""
    if isinstance(instance, dict) and instance and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(instance)))
        return {**instance, key: _swap_one_value(instance[key], data)}
    if isinstance(instance, list) and instance and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(instance) - 1))
        copy = list(instance)
        copy[index] = _swap_one_value(copy[index], data)
        return copy
    return data.draw(json_values)


@pytest.mark.parametrize(
    "value",
    [10**100, float("nan"), {1: "non-string key"}],
    ids=["huge-int", "nan", "int-key"],
)
def test_values_without_a_json_form_fall_back_to_the_reference(value: Any) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "maximum": 10}}}
    assert _reported(Validator(schema), {"n": value}) == _reference(schema, {"n": value})


def test_a_subschema_keeps_its_references_to_the_root() -> None:
    schema = {
        "$defs": {"tag": {"type": "string", "pattern": "^[a-z]+$"}},
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}}},
    }
    field = Validator(schema).evolve(schema["properties"]["tags"])
    assert field._fast is not None
    assert field.is_valid(["a", "b"])
    assert not field.is_valid(["A"])
    assert [e.message for e in field.iter_errors(["A"])] == ["'A' does not match '^[a-z]+$'"]


def _refused_by_reference(schema: dict[str, Any]) -> str | None:
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return exc.message
    return None


def _refused_by_check(schema: dict[str, Any]) -> str | None:
    return fastschema.schema_error(schema)


BROKEN_SCHEMAS = [
    {"type": "strin"},
    {"minimum": "x"},
    {"properties": []},
    {"required": "a"},
    {"pattern": "("},
    {"pattern": "\\p{L}"},
    {"properties": {"a": {"pattern": "[a-"}}},
    {"patternProperties": {"(": {}}},
    {"additionalProperties": 3},
    {"items": {"type": 1}},
    {"$defs": {"a": {"type": "x"}}},
    {"minLength": -1},
    {"uniqueItems": "yes"},
]
FINE_SCHEMAS = [
    {"pattern": "(?<=a)b"},
    {"format": "nope"},
    {"enum": []},
    {"const": {"pattern": "("}},
]


@pytest.mark.parametrize("schema", BROKEN_SCHEMAS + FINE_SCHEMAS, ids=repr)
def test_a_schema_is_refused_exactly_when_jsonschema_refuses_it(schema: dict[str, Any]) -> None:
    assert _refused_by_check(schema) == _refused_by_reference(schema)


def test_every_shipped_schema_passes_the_check() -> None:
    for path in SHIPPED:
        assert fastschema.schema_error(_load(path)) is None, path.name
