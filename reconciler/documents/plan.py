"""The plan as a versioned JSON document: what ``plan --format json`` prints.

The document is also the heart of a saved plan (:mod:`reconciler.documents.savedplan`, which wraps
it
and reads it back with :func:`plan_from_document`), so it keeps what apply needs (each
object's provider ``ref`` and ``fingerprint``, to refuse a stale object) and nothing that must
not be written down: a sensitive field is saved as ``"sensitive": true`` with no ``before`` or
``after`` at all. A plan read back from a document holds :data:`REDACTED` in place of those
values, and apply must take them from elsewhere again (:func:`redacted_fields` says which).

``format_version`` is ``MAJOR.MINOR``: a minor version only adds properties, which readers
ignore; a new major version is refused by older readers.
"""

from __future__ import annotations

import datetime
import enum
import json
from collections.abc import Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any, Final

from reconciler.collector import gc_paused
from reconciler.documents.basis import (
    BASIS_SCHEMA,
    NOT_COMPARED_SCHEMA,
    basis_document,
    location_document,
    not_compared_document,
)
from reconciler.documents.targeting import TARGETING_SCHEMA, targeting_document, targeting_from
from reconciler.documents.versioned import DocumentKind
from reconciler.model import (
    Action,
    Change,
    FieldChange,
    Ignored,
    LiveRef,
    Location,
    Plan,
)

if TYPE_CHECKING:
    from reconciler.records import Refusal

__all__ = [
    "PLAN_FORMAT_VERSION",
    "PLAN_SCHEMA",
    "REDACTED",
    "Redacted",
    "field_document",
    "json_value",
    "location_document",
    "plan_from_document",
    "plan_to_document",
    "redacted_fields",
    "shown_value",
]

PLAN_FORMAT_VERSION: Final = "1.2"

#: The plan document; read back only inside a saved plan, which names the file.
PLAN: Final = DocumentKind(
    name="plan",
    title="plan document",
    version=PLAN_FORMAT_VERSION,
    schema=lambda: PLAN_SCHEMA,
    remedy="Make the plan again with `reconciler plan`; do not edit it.",
)


class Redacted(enum.Enum):
    """The type of :data:`REDACTED`: an enum, so that mypy can narrow ``value is REDACTED``."""

    VALUE = "redacted"

    def __repr__(self) -> str:
        return "<redacted: read it from the configuration again>"


#: Stands for a sensitive value that a saved plan does not hold. It is deliberately not JSON
#: serialisable, so that a provider handed it by mistake fails instead of writing a placeholder.
REDACTED: Final = Redacted.VALUE


def redacted_fields(change: Change) -> tuple[str, ...]:
    """The fields of ``change`` whose value apply must read from the configuration again."""
    return tuple(f.name for f in change.fields if f.after is REDACTED)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def plan_to_document(plan: Plan, refusals: Sequence[Refusal] = ()) -> dict[str, Any]:
    """Return ``plan`` as a JSON-ready document that :data:`PLAN_SCHEMA` describes.

    ``refusals`` are the guard and policy refusals of the plan, if any. Key order is fixed and
    values are converted by :func:`json_value`, so the same plan always gives the same text.
    Sensitive values are never part of the result.
    """
    return {
        **PLAN.header(),
        "summary": {action.value: plan.count(action) for action in Action},
        "changes": [_change_document(change) for change in plan.changes],
        "unmanaged": [_unmanaged_document(ref) for ref in plan.unmanaged],
        "live_count": plan.live_count,
        "ignored": {"objects": plan.ignored.objects, "fields": plan.ignored.fields},
        "refusals": [
            {"message": r.message, "plugin": r.plugin, "address": r.address} for r in refusals
        ],
        "against": basis_document(plan.basis),
        "not_compared": not_compared_document(plan.not_compared),
        "live_counts": dict(sorted(plan.live_counts.items())),
        "partial": plan.partial,
        "targeting": targeting_document(plan.targeting),
    }


def json_value(value: Any) -> Any:
    """Convert a field value to plain JSON types, deterministically.

    Sets become sorted lists and tuples become lists (a language list is a set once normalised),
    mappings get sorted string keys, and subclasses of the scalar types (YAML loaders return
    them) become the plain types. Anything else is a bug in whoever produced the value.
    """
    if value is None or type(value) in (bool, int, float, str):
        return value
    # Checked in this order because bool is an int; ruamel.yaml's scalars subclass these.
    for plain in (bool, int, float, str):
        if isinstance(value, plain):
            return plain(value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, Set):
        return _sorted_values([json_value(v) for v in value])
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, datetime.date):  # datetime is a date too
        return value.isoformat()
    # The type only: the value itself might be a secret.
    raise TypeError(f"a plan value of type {type(value).__name__} cannot be written as JSON")


def _sorted_values(values: list[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:
        # Mixed types (or lists of lists): order by type, then by a stable text form.
        return sorted(values, key=lambda v: (type(v).__name__, repr(v)))


def _change_document(change: Change) -> dict[str, Any]:
    return {
        "address": change.address,
        "action": change.action.value,
        "kind": change.kind,
        "identity": change.identity,
        "ref": change.ref,
        "fingerprint": change.fingerprint,
        "location": location_document(change.location),
        "fields": [_field_document(f) for f in change.fields],
    }


def _field_document(field: FieldChange) -> dict[str, Any]:
    return field_document(field, (("before", field.before), ("after", field.after)))


def field_document(field: FieldChange, values: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """One field of a change as JSON, with its ``values`` under their names, in that order (a
    plan's ``before`` and ``after``, a drift report's ``desired`` and ``live``).

    A sensitive field holds no value: its template instead, when it has one.
    """
    if field.sensitive:
        doc: dict[str, Any] = {
            "name": field.name,
            "sensitive": True,
            "location": location_document(field.location),
        }
        if field.template is not None:
            doc["template"] = field.template
    else:
        doc = {"name": field.name}
        doc.update((name, json_value(value)) for name, value in values)
        doc["sensitive"] = False
        doc["location"] = location_document(field.location)
    if field.layer is not None:
        doc["layer"] = field.layer
    return doc


def shown_value(value: Any) -> str:
    """A value as JSON text, for a message (``"6"``, ``["fr-FR"]``)."""
    return json.dumps(json_value(value), ensure_ascii=False)


def _unmanaged_document(ref: LiveRef) -> dict[str, Any]:
    return {
        "address": ref.address,
        "kind": ref.kind,
        "identity": ref.identity,
        "ref": ref.ref,
    }


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@gc_paused()  # tens of thousands of records made, none freed
def plan_from_document(doc: Any, *, source: str = "the saved plan") -> Plan:
    """Read a document written by :func:`plan_to_document` back into a :class:`Plan`.

    ``source`` names the document in error messages (the plan file's path). The document is
    checked against :data:`PLAN_SCHEMA` first, and every problem is reported at once. Sensitive
    fields come back with :data:`REDACTED` as both values. ``summary`` and ``address`` are
    derived from the rest and not read.
    """
    PLAN.check(doc, source=source)
    return Plan(
        changes=tuple(_change_from(c) for c in doc["changes"]),
        unmanaged=tuple(LiveRef(u["kind"], u["identity"], u["ref"]) for u in doc["unmanaged"]),
        live_count=doc["live_count"],
        ignored=Ignored(**doc.get("ignored", {})),
        live_counts=dict(doc.get("live_counts", {})),
        targeting=targeting_from(doc.get("targeting")),
    )


def _change_from(doc: Mapping[str, Any]) -> Change:
    return Change(
        action=Action(doc["action"]),
        kind=doc["kind"],
        identity=doc["identity"],
        fields=tuple(_field_from(f) for f in doc["fields"]),
        location=_location_from(doc["location"]),
        ref=doc["ref"],
        fingerprint=doc["fingerprint"],
    )


def _field_from(doc: Mapping[str, Any]) -> FieldChange:
    location = _location_from(doc.get("location"))
    if doc["sensitive"]:
        return FieldChange(doc["name"], REDACTED, REDACTED, location, sensitive=True)
    return FieldChange(doc["name"], doc["before"], doc["after"], location)


def _location_from(doc: Mapping[str, Any] | None) -> Location | None:
    return None if doc is None else Location(doc["file"], doc["line"], doc["column"])


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

_LOCATION: dict[str, Any] = {
    "description": "A place in a YAML file of the configuration, as editors count it.",
    "type": "object",
    "required": ["file", "line", "column"],
    "properties": {
        "file": {"description": "The file's path as the configuration names it.", "type": "string"},
        "line": {"description": "The line, counting from 1.", "type": "integer", "minimum": 1},
        "column": {"description": "The column, counting from 1.", "type": "integer", "minimum": 1},
    },
}

_FIELD: dict[str, Any] = {
    "description": (
        "One field going from its live value to the value the configuration asks for. A"
        " sensitive field (a write-only field, or a value read from the environment) holds no"
        " values at all: apply reads the value from the configuration again."
    ),
    "type": "object",
    "required": ["name", "sensitive", "location"],
    "properties": {
        "name": {
            "description": "The field's name, as the service and the YAML spell it.",
            "type": "string",
        },
        "before": {
            "description": "The live value (null for a create, or when the field is unset).",
        },
        "after": {"description": "The value apply writes."},
        "sensitive": {
            "description": "True when the values are secret and therefore left out.",
            "type": "boolean",
        },
        "template": {
            "description": (
                "For a value read through ${env:NAME}: the value as written, with the variables'"
                " names (since format 1.2), e.g. `https://hooks.example/cb?k=${env:HOOK_KEY}`."
            ),
            "type": "string",
        },
        "location": {
            "description": "Where the YAML asks for this value (the object or a defaults layer).",
            "anyOf": [{"$ref": "#/$defs/location"}, {"type": "null"}],
        },
        "layer": {
            "description": (
                "The shared layer that set the value: defaults, `defaults <glob>` or"
                " `group <name>`; absent when the object sets it itself."
            ),
            "type": "string",
        },
    },
    "if": {"properties": {"sensitive": {"const": True}}},
    "then": {"not": {"anyOf": [{"required": ["before"]}, {"required": ["after"]}]}},
    "else": {"required": ["before", "after"]},
}

_CHANGE: dict[str, Any] = {
    "description": "A create, update or delete of one object.",
    "type": "object",
    "required": [
        "address",
        "action",
        "kind",
        "identity",
        "ref",
        "fingerprint",
        "location",
        "fields",
    ],
    "properties": {
        "address": {
            "description": "The object's address, `<kind>.<identity>` (derived; not read back).",
            "type": "string",
        },
        "action": {
            "description": "What the change does to the object.",
            "enum": [action.value for action in Action],
        },
        "kind": {"description": "The resource kind's name, e.g. `institute`.", "type": "string"},
        "identity": {
            "description": "The object's identity within its kind: its key in the YAML.",
            "type": "string",
        },
        "ref": {
            "description": (
                "The provider's handle of the live object (e.g. the API id); null for a create."
            ),
            "type": ["string", "null"],
        },
        "fingerprint": {
            "description": (
                "What the live object looked like when planned (e.g. `updated_at` or a hash);"
                " apply refuses the change if the object has moved on. Null for a create."
            ),
            "type": ["string", "null"],
        },
        "location": {
            "description": "Where the YAML declares the object (or its tombstone, for a delete).",
            "anyOf": [{"$ref": "#/$defs/location"}, {"type": "null"}],
        },
        "fields": {
            "description": (
                "The fields that change: for an update only those that differ, for a create"
                " every field the YAML manages, for a delete none."
            ),
            "type": "array",
            "items": {"$ref": "#/$defs/field"},
        },
    },
    "allOf": [
        {
            "if": {"properties": {"action": {"const": "delete"}}},
            "then": {"properties": {"fields": {"maxItems": 0}}},
        },
        {
            "if": {"properties": {"action": {"enum": ["update", "delete"]}}},
            "then": {"properties": {"ref": {"type": "string"}}},
        },
    ],
}

_UNMANAGED: dict[str, Any] = {
    "description": "A live object that no YAML declares: reported, never touched.",
    "type": "object",
    "required": ["address", "kind", "identity", "ref"],
    "properties": {
        "address": {"description": "The object's address, `<kind>.<identity>`.", "type": "string"},
        "kind": {"description": "The resource kind's name.", "type": "string"},
        "identity": {"description": "The object's identity within its kind.", "type": "string"},
        "ref": {"description": "The provider's handle of the live object.", "type": "string"},
    },
}

_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}

#: The JSON Schema (Draft 2020-12) of a plan document: published as ``schemas/plan.schema.json``.
PLAN_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "reconciler plan",
    "description": (
        "What `reconciler plan --format json` prints: the"
        " changes that would make the live objects match the configuration. Sensitive values"
        " are never included. Readers must ignore properties they do not know: a new minor"
        " format version only adds properties."
    ),
    "type": "object",
    "required": ["format_version", "summary", "changes", "unmanaged", "live_count"],
    "properties": {
        "format_version": PLAN.version_schema(),
        "summary": {
            "description": "How many changes of each action the plan holds (derived from changes).",
            "type": "object",
            "required": [action.value for action in Action],
            "properties": {
                "create": {"description": "Objects to create.", **_COUNT},
                "update": {"description": "Objects to update in place.", **_COUNT},
                "delete": {
                    "description": "Objects to delete (explicit tombstones only).",
                    **_COUNT,
                },
            },
        },
        "changes": {
            "description": "Every change, ordered by kind then identity.",
            "type": "array",
            "items": {"$ref": "#/$defs/change"},
        },
        "unmanaged": {
            "description": "Live objects that no YAML declares, ordered by kind then identity.",
            "type": "array",
            "items": {"$ref": "#/$defs/unmanaged"},
        },
        "live_count": {
            "description": "How many live objects the plan was made against.",
            **_COUNT,
        },
        "ignored": {
            "description": (
                "What the [ignore] settings kept out of the plan (since format 1.1): live objects"
                " never reported as unmanaged, and fields whose live value differs but that"
                " something else manages."
            ),
            "type": "object",
            "required": ["objects", "fields"],
            "properties": {
                "objects": {"description": "Live objects ignored.", **_COUNT},
                "fields": {"description": "Differing fields ignored.", **_COUNT},
            },
            "additionalProperties": False,
        },
        "refusals": {
            "description": (
                "Every safety guard's and policy's refusal (since format 1.1); a refused plan is"
                " printed whole, and the command exits 3."
            ),
            "type": "array",
            "items": {"$ref": "#/$defs/refusal"},
        },
        "against": BASIS_SCHEMA,
        "not_compared": NOT_COMPARED_SCHEMA,
        "live_counts": {
            "description": (
                "How many live objects of each kind the plan was made against (since format"
                " 1.2): what the bulk-change guard counts against."
            ),
            "type": "object",
            "additionalProperties": _COUNT,
        },
        "partial": {
            "description": (
                "Whether --target or --exclude narrowed the plan (since format 1.2): a partial"
                " plan says nothing about the objects it leaves out."
            ),
            "type": "boolean",
        },
        "targeting": TARGETING_SCHEMA,
    },
    "$defs": {
        "change": _CHANGE,
        "field": _FIELD,
        "location": _LOCATION,
        "refusal": {
            "description": "One reason not to apply the plan.",
            "type": "object",
            "required": ["message", "plugin", "address"],
            "properties": {
                "message": {"description": "What is wrong and what to do.", "type": "string"},
                "plugin": {
                    "description": "The guard or policy plugin that refused.",
                    "type": ["string", "null"],
                },
                "address": {
                    "description": "The object concerned, when the refusal is about one.",
                    "type": ["string", "null"],
                },
            },
        },
        "unmanaged": _UNMANAGED,
    },
}
