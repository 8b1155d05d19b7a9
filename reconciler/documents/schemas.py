"""The JSON Schemas the project publishes under ``schemas/``, for editors and check-jsonschema.

Each resource kind's plugin owns the schema of one object's fields; this module wraps those
into the schema of a whole YAML config file, and publishes them together with the schemas of
the documents the reconciler writes (plan, saved plan, drift report, live snapshot, doctor
report). ``reconciler schema`` prints them and a test keeps ``schemas/`` equal to what it
prints, so the published files cannot drift from the code.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, Final

from reconciler.documents.doctor import DOCTOR_SCHEMA
from reconciler.documents.drift import DRIFT_SCHEMA
from reconciler.documents.plan import PLAN_SCHEMA
from reconciler.documents.problems import VALIDATION_SCHEMA
from reconciler.documents.savedplan import SAVED_PLAN_SCHEMA
from reconciler.documents.snapshot import SNAPSHOT_SCHEMA
from reconciler.errors import PluginError
from reconciler.loading.validation import is_closed
from reconciler.records import ResourceKind

__all__ = [
    "DRAFT_2020_12",
    "config_schema",
    "dump_schema",
    "kind_schema",
    "published_schemas",
]

DRAFT_2020_12: Final = "https://json-schema.org/draft/2020-12/schema"

_CONFIG_FILE: Final = "config.schema.json"
_PLAN_FILE: Final = "plan.schema.json"
_VALIDATION_FILE: Final = "validation.schema.json"
_SETTINGS_FILE: Final = "settings.schema.json"
_DRIFT_FILE: Final = "drift.schema.json"
_SNAPSHOT_FILE: Final = "snapshot.schema.json"
_SAVED_PLAN_FILE: Final = "saved-plan.schema.json"
_DOCTOR_FILE: Final = "doctor.schema.json"

_GROUP: Final[dict[str, Any]] = {
    "description": (
        "The groups (under defaults: as group:NAME) whose values this object takes, in"
        " precedence order: a later group wins."
    ),
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    ],
}

_TOMBSTONE: Final[dict[str, Any]] = {
    "description": (
        "A tombstone: the object must not exist. Apply deletes it, and only when deletes are"
        " allowed (`--allow-delete`)."
    ),
    "type": "object",
    "required": ["absent"],
    "properties": {
        "absent": {"description": "Always true: delete this object.", "const": True},
    },
    "additionalProperties": False,
}


def kind_schema(kind: ResourceKind) -> dict[str, Any]:
    """The standalone schema of one object of ``kind``, as written under its identity key.

    The kind's own schema, with ``$schema`` and, unless the kind sets them, a title and the
    kind's description added. The kind's record is not modified.
    """
    schema = copy.deepcopy(dict(kind.schema))
    schema.setdefault("$schema", DRAFT_2020_12)
    schema.setdefault("title", f"{kind.name} ({kind.section}.<{kind.identity}> in a config file)")
    if kind.description:
        schema.setdefault("description", kind.description)
    return schema


def config_schema(kinds: Mapping[str, ResourceKind]) -> dict[str, Any]:
    """The schema of one YAML file of a config directory, with every kind of ``kinds``.

    Top-level keys are ``defaults`` and one section per kind. A section maps each object's
    identity to either the kind's fields or a tombstone ``{absent: true}``. ``defaults`` holds
    fields applied to every object of the directory whose kind has that field, so each of its
    fields must be a field of some kind, and none is required; and layers of such fields keyed
    by an address glob or ``group:NAME``, which an object joins with ``group:`` (see
    :mod:`reconciler.loading.layers`).
    """
    defs: dict[str, Any] = {"tombstone": copy.deepcopy(_TOMBSTONE), "group": _GROUP}
    properties: dict[str, Any] = {}
    defaults_refs: dict[str, list[str]] = {}
    for name in sorted(kinds):
        kind = kinds[name]
        pointer = f"#/$defs/{_pointer_token(name)}"
        defs[name] = _embedded(kind, pointer)
        if isinstance(defs[name].get("properties"), dict):
            defs[name]["properties"].setdefault("group", {"$ref": "#/$defs/group"})
        for field in sorted(kind.schema.get("properties") or {}):
            ref = f"{pointer}/properties/{_pointer_token(field)}"
            defaults_refs.setdefault(field, []).append(ref)
        properties[kind.section] = {
            "description": (
                f"The {kind.name} objects this repository manages, each under its"
                f" {kind.identity}. A live {kind.name} that is not listed is left alone."
            ),
            "type": "object",
            "additionalProperties": {
                "anyOf": [{"$ref": pointer}, {"$ref": "#/$defs/tombstone"}],
            },
        }
        if kind.identity_schema:
            properties[kind.section]["propertyNames"] = dict(kind.identity_schema)
    defaults: dict[str, Any] = {
        "description": (
            "Field values applied to every object of the config directory whose kind has the"
            " field, unless the object sets the field itself."
        ),
        "type": "object",
        "properties": {
            field: {"$ref": refs[0]} if len(refs) == 1 else {"anyOf": [{"$ref": r} for r in refs]}
            for field, refs in sorted(defaults_refs.items())
        },
    }
    layer = {
        "description": "Field values for the objects this layer reaches.",
        "type": "object",
        "properties": copy.deepcopy(defaults["properties"]),
    }
    if all(is_closed(kind.schema) for kind in kinds.values()):
        defaults["additionalProperties"] = False
        layer["additionalProperties"] = False
    defaults["patternProperties"] = {
        "^group:": {**layer, "description": "A group's values: for the objects that join it."},
        "[.*?\\[]": {
            **layer,
            "description": "An address glob's values: for the objects it matches.",
        },
    }
    return {
        "$schema": DRAFT_2020_12,
        "title": "reconciler configuration file",
        "description": (
            "One YAML file of a reconciler config directory: the desired state of the objects"
            " it lists. Fields not mentioned are not managed."
        ),
        "type": "object",
        "properties": {"defaults": defaults, **properties},
        "additionalProperties": False,
        "$defs": defs,
    }


def published_schemas(
    kinds: Mapping[str, ResourceKind], settings: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Every published schema by file name: the config, the documents, settings, one per kind.

    ``settings`` is the schema of ``reconciler.toml``
    (:func:`reconciler.settings.schema.settings_schema`). A kind whose file name would replace
    one of the reconciler's own is a :class:`PluginError`. Kinds that are only read, never
    declared, have no schema.
    """
    kinds = {name: kind for name, kind in kinds.items() if kind.declarable}
    schemas: dict[str, dict[str, Any]] = {
        _CONFIG_FILE: config_schema(kinds),
        _PLAN_FILE: copy.deepcopy(PLAN_SCHEMA),
        _SAVED_PLAN_FILE: copy.deepcopy(SAVED_PLAN_SCHEMA),
        _DRIFT_FILE: copy.deepcopy(DRIFT_SCHEMA),
        _SNAPSHOT_FILE: copy.deepcopy(SNAPSHOT_SCHEMA),
        _DOCTOR_FILE: copy.deepcopy(DOCTOR_SCHEMA),
        _VALIDATION_FILE: copy.deepcopy(dict(VALIDATION_SCHEMA)),
    }
    if settings is not None:
        schemas[_SETTINGS_FILE] = dict(settings)
    for name in sorted(kinds):
        file_name = f"{name}.schema.json"
        if file_name in schemas:
            raise PluginError(
                f"resource kind {name!r} cannot be published: its schema file {file_name} is"
                " the reconciler's own; the plugin that defines it must rename the kind."
            )
        schemas[file_name] = kind_schema(kinds[name])
    return dict(sorted(schemas.items()))


def dump_schema(schema: Mapping[str, Any]) -> str:
    """Stable text of a schema: sorted keys, two-space indent, a trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _embedded(kind: ResourceKind, pointer: str) -> dict[str, Any]:
    """The kind's schema placed at ``pointer`` (``#/$defs/<kind>``) of another document.

    ``$schema`` only belongs at a document's root, and the kind's local ``$ref`` pointers
    (``#/$defs/…``) are rebased so that they still point into the kind's own schema.
    """
    schema = copy.deepcopy(dict(kind.schema))
    schema.pop("$schema", None)
    if "$id" in schema:
        # An embedded resource with its own $id resolves its refs against itself.
        return schema
    rebased: dict[str, Any] = _rebase_refs(schema, pointer)
    return rebased


#: Keywords whose values are data, not schemas: a "$ref" key inside them is not a reference.
_DATA_KEYWORDS: Final = frozenset({"const", "default", "enum", "examples"})
#: Keywords whose values map names to schemas: the names are not keywords.
_NAMED_SCHEMAS: Final = frozenset({"$defs", "dependentSchemas", "patternProperties", "properties"})


def _rebase_refs(node: Any, base: str) -> Any:
    """Copy of the schema ``node`` with each local ``$ref`` prefixed by the pointer ``base``."""
    if isinstance(node, list):
        return [_rebase_refs(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            out[key] = value
        elif key in _NAMED_SCHEMAS and isinstance(value, dict):
            out[key] = {name: _rebase_refs(sub, base) for name, sub in value.items()}
        elif key == "$ref" and isinstance(value, str) and value.startswith("#"):
            out[key] = base + value[1:]
        else:
            out[key] = _rebase_refs(value, base)
    return out


def _pointer_token(name: str) -> str:
    """Escape a name for use in a JSON Pointer (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")
