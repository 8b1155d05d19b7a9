"""The drift report as a versioned JSON document: what ``drift --format json`` prints.

Dashboards and scripts read it; ``schemas/drift.schema.json`` (:data:`DRIFT_SCHEMA`) describes
it. Like the plan document it never holds a sensitive value: such a field is written as
``"sensitive": true`` with no ``desired`` or ``live`` at all.

``format_version`` is ``MAJOR.MINOR``: a minor version only adds properties, which readers
ignore.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from reconciler.documents.basis import (
    BASIS_SCHEMA,
    NOT_COMPARED_SCHEMA,
    basis_document,
    not_compared_document,
)
from reconciler.documents.plan import PLAN_SCHEMA, field_document, location_document
from reconciler.documents.versioned import DocumentKind
from reconciler.model import DriftCategory, DriftedObject, DriftReport, FieldChange

__all__ = ["DRIFT_FORMAT_VERSION", "DRIFT_SCHEMA", "drift_to_document"]

DRIFT_FORMAT_VERSION: Final = "1.1"

#: The drift document: for dashboards and scripts to read; the reconciler never reads it back.
DRIFT: Final = DocumentKind(
    name="drift",
    title="drift report",
    version=DRIFT_FORMAT_VERSION,
    schema=lambda: DRIFT_SCHEMA,
    remedy="Check for drift again with `reconciler drift PATH --format json`.",
)


def drift_to_document(report: DriftReport) -> dict[str, Any]:
    """Return ``report`` as a JSON-ready document that :data:`DRIFT_SCHEMA` describes.

    Key order is fixed and values go through :func:`~reconciler.documents.plan.json_value`, so the
    same report always gives the same text.
    """
    return {
        **DRIFT.header(),
        "generated_at": report.generated_at,
        "summary": {category.value: report.count(category) for category in DriftCategory},
        "declared": report.declared,
        "live_count": report.live_count,
        "ignored": {"objects": report.ignored.objects, "fields": report.ignored.fields},
        "objects": [_object_document(o) for o in report.objects],
        "against": basis_document(report.basis),
        "not_compared": not_compared_document(report.not_compared),
    }


def _object_document(obj: DriftedObject) -> dict[str, Any]:
    return {
        "address": obj.address,
        "category": obj.category.value,
        "kind": obj.kind,
        "identity": obj.identity,
        "ref": obj.ref,
        "location": location_document(obj.location),
        "fields": [_field_document(f) for f in obj.fields],
    }


def _field_document(field: FieldChange) -> dict[str, Any]:
    # In a drift report a field's `after` is the desired value and `before` the live one.
    return field_document(field, (("desired", field.after), ("live", field.before)))


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
_LOCATED: dict[str, Any] = {"anyOf": [{"$ref": "#/$defs/location"}, {"type": "null"}]}

_FIELD: dict[str, Any] = {
    "description": (
        "One declared field: for a changed object, one that differs; for a missing one, every"
        " declared field. A sensitive field (write-only, or read from the environment) holds"
        " no values: it still counts as drift."
    ),
    "type": "object",
    "required": ["name", "sensitive", "location"],
    "properties": {
        "name": {"description": "The field's name, as the YAML spells it.", "type": "string"},
        "desired": {"description": "The value the configuration asks for."},
        "live": {"description": "The live value (null for a missing object, or when unset)."},
        "sensitive": {"description": "True when the values are left out.", "type": "boolean"},
        "template": {
            "description": "For a value read through ${env:NAME}: the value as written.",
            "type": "string",
        },
        "location": {"description": "Where the YAML asks for the value.", **_LOCATED},
        "layer": {
            "description": (
                "The shared layer that set the value: defaults, `defaults <glob>` or"
                " `group <name>`; absent when the object sets it itself."
            ),
            "type": "string",
        },
    },
    "if": {"properties": {"sensitive": {"const": True}}},
    "then": {"not": {"anyOf": [{"required": ["desired"]}, {"required": ["live"]}]}},
    "else": {"required": ["desired", "live"]},
}

_OBJECT: dict[str, Any] = {
    "description": "One object that drifted, in exactly one category.",
    "type": "object",
    "required": ["address", "category", "kind", "identity", "ref", "location", "fields"],
    "properties": {
        "address": {"description": "`<kind>.<identity>`, e.g. `institute.pe`.", "type": "string"},
        "category": {
            "description": (
                "changed: a declared field differs; missing: declared, not live; present:"
                " tombstoned, still live; unmanaged: live, not declared, not ignored."
            ),
            "enum": [c.value for c in DriftCategory],
        },
        "kind": {"description": "The resource kind's name.", "type": "string"},
        "identity": {"description": "The object's identity within its kind.", "type": "string"},
        "ref": {
            "description": "The provider's handle of the live object; null when missing.",
            "type": ["string", "null"],
        },
        "location": {
            "description": "Where the YAML declares the object; null when unmanaged.",
            **_LOCATED,
        },
        "fields": {
            "description": "The fields concerned (changed and missing objects only).",
            "type": "array",
            "items": {"$ref": "#/$defs/field"},
        },
    },
}

#: The JSON Schema (Draft 2020-12) of a drift document: published as ``schemas/drift.schema.json``.
DRIFT_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "reconciler drift report",
    "description": (
        "What `reconciler drift --format json` prints: how the live objects differ from the"
        " configuration. Sensitive values are never included. Readers must ignore properties"
        " they do not know: a new minor format version only adds properties."
    ),
    "type": "object",
    "required": [
        "format_version",
        "generated_at",
        "summary",
        "declared",
        "live_count",
        "ignored",
        "objects",
    ],
    "properties": {
        "format_version": DRIFT.version_schema("`MAJOR.MINOR` of this format."),
        "generated_at": {
            "description": "When the live objects were read, ISO 8601 in UTC.",
            "type": "string",
        },
        "summary": {
            "description": "How many objects drifted, per category (derived from objects).",
            "type": "object",
            "required": [c.value for c in DriftCategory],
            "properties": {c.value: _COUNT for c in DriftCategory},
        },
        "declared": {"description": "Objects the configuration declares.", **_COUNT},
        "live_count": {"description": "Live objects read.", **_COUNT},
        "ignored": {
            "description": (
                "What the [ignore] settings kept out of the report: live objects never reported"
                " as unmanaged, and fields whose live value differs but that something else"
                " manages."
            ),
            "type": "object",
            "required": ["objects", "fields"],
            "properties": {
                "objects": {"description": "Live objects ignored.", **_COUNT},
                "fields": {"description": "Differing fields ignored.", **_COUNT},
            },
            "additionalProperties": False,
        },
        "objects": {
            "description": "Every drifted object, by category, then kind, then identity.",
            "type": "array",
            "items": {"$ref": "#/$defs/object"},
        },
        "against": BASIS_SCHEMA,
        "not_compared": NOT_COMPARED_SCHEMA,
    },
    "$defs": {
        "field": _FIELD,
        "location": copy.deepcopy(PLAN_SCHEMA["$defs"]["location"]),
        "object": _OBJECT,
    },
}
