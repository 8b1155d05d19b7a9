"""Doctor step 6: the fields a config manages, read back from one live institute.

The kind's JSON Schema says what each field looks like in YAML; the live API is expected to
return the same shapes, give or take what the normalisers absorb (``session_retention_period``
as a numeric string). Any other shape is a surprise worth knowing before the first apply: a
field that comes back in a shape the planner does not expect would show as a change on every
plan. Values are never shown, only their types: a write-only field may hold a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler import DesiredState, DoctorStep, ResourceKind, StepStatus
from reconciler import SchemaValidator as Validator
from reconciler_proctorexam.institute import KIND, WRITE_ONLY

__all__ = ["managed_fields", "managed_fields_step"]

_NAME = "managed fields"


def managed_fields(desired: DesiredState) -> list[str]:
    """Every field some institute of the config manages, sorted."""
    return sorted({name for obj in desired.of_kind(KIND) if not obj.absent for name in obj.fields})


def managed_fields_step(
    desired: DesiredState, kind: ResourceKind, live: Mapping[str, Any] | None
) -> DoctorStep:
    """Compare the shapes of the managed fields of ``live`` with the kind's schema."""
    fields = managed_fields(desired)
    if not fields:
        return DoctorStep(
            _NAME,
            StepStatus.PASSED,
            "the configuration manages no institute field, so there is nothing to read back.",
        )
    if live is None:
        return DoctorStep(
            _NAME,
            StepStatus.INCONCLUSIVE,
            "no live institute could be read, so the shapes of the managed fields were not"
            " compared.",
        )
    properties: Mapping[str, Any] = kind.schema.get("properties", {})
    who = f"institute {live.get('short_name', '?')!r}"
    surprises: list[str] = []
    notes: list[str] = []
    for field in fields:
        if field not in live:
            if field in WRITE_ONLY:
                notes.append(f"{field} is not echoed back (write-only)")
            else:
                surprises.append(f"{field} is missing from the answer")
            continue
        value = live[field]
        if field in WRITE_ONLY:
            notes.append(f"{field} is echoed back (its value is not shown)")
            continue
        schema = properties.get(field)
        if schema is None or _fits(value, schema):
            continue
        expected = _expected(schema)
        surprises.append(f"{field} is {_shape(value)}, where {expected} is expected")
    tail = f" ({'; '.join(notes)})" if notes else ""
    if surprises:
        return DoctorStep(
            _NAME,
            StepStatus.FAILED,
            f"read back from {who}: {'; '.join(surprises)}{tail}.",
            fix="report it with this output: a field in an unexpected shape may show as a"
            " change on every plan. Until then, leave that field out of the YAML.",
        )
    return DoctorStep(
        _NAME,
        StepStatus.PASSED,
        f"read back from {who}: {len(fields)} managed field(s) in the expected shapes{tail}.",
    )


def _fits(value: Any, schema: Mapping[str, Any]) -> bool:
    """Whether ``value`` has the schema's shape: its types, not its formats or patterns."""
    return Validator(_types_only(schema)).is_valid(value)


def _types_only(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with only what decides a shape: ``type``, ``anyOf`` and ``items``."""
    out: dict[str, Any] = {}
    if "type" in schema:
        out["type"] = schema["type"]
    if "anyOf" in schema:
        out["anyOf"] = [_types_only(part) for part in schema["anyOf"]]
    if "items" in schema:
        out["items"] = _types_only(schema["items"])
    return out


def _expected(schema: Mapping[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_expected(part) for part in schema["anyOf"])
    kinds = schema.get("type", "any value")
    names = kinds if isinstance(kinds, list) else [kinds]
    return " or ".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)


_TYPE_NAMES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def _shape(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else "an unexpected value"
