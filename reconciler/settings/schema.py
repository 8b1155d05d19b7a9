"""The published JSON Schema of ``reconciler.toml`` (``reconciler schema settings``).

The core's own tables are described here; each ``[providers.<name>]`` table is its provider's
:attr:`~reconciler.records.Provider.options_schema` and each ``[plugins.<name>]`` table its
plugin's :func:`~reconciler.plugin.hookspecs.reconciler_settings_schema`, embedded as they are. The
schema is for editors (Taplo, Even Better TOML) and CI; ``validate`` checks the same rules and
locates what breaks them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.records import Provider
from reconciler.settings.safety import DEFAULT_LIMITS

__all__ = ["settings_schema"]

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def settings_schema(
    providers: Mapping[str, Provider],
    plugin_schemas: Mapping[str, Mapping[str, Any]],
    kind_names: Sequence[str] = (),
) -> dict[str, Any]:
    """The schema of ``reconciler.toml`` with the tables of ``providers`` and plugins.

    ``kind_names`` are the kinds a ``[safety.<kind>]`` table may name (those that change).
    """
    provider_tables = {
        name: _embedded(p.options_schema, f"Options of the {name} provider.")
        for name, p in sorted(providers.items())
    }
    plugin_tables = {
        name: _embedded(schema, f"Settings of the {name} plugin.")
        for name, schema in sorted(plugin_schemas.items())
    }
    return {
        "$schema": _DRAFT_2020_12,
        "title": "reconciler.toml",
        "description": "Project settings, beside the YAML of a config directory.",
        "type": "object",
        "properties": {
            "extends": {
                "description": (
                    "The base config directory this one extends (its YAML first, then this"
                    " directory's), relative to this file."
                ),
                "type": "string",
                "minLength": 1,
            },
            "vars": {
                "description": "The YAML file of the ${var:NAME} values, relative to this file.",
                "type": "string",
                "minLength": 1,
            },
            "scope": {
                "description": "What this directory owns: live objects outside are never its.",
                "type": "object",
                "properties": {
                    "objects": {
                        "description": 'Address globs, e.g. ["institute.uni-*"].',
                        "type": "array",
                        "items": {"type": "string", "minLength": 1},
                    }
                },
                "additionalProperties": False,
            },
            "drift": {
                "type": "object",
                "properties": {
                    "unmanaged": {
                        "description": (
                            "Live objects in scope that nothing declares: listed without"
                            " failing (report), left out (ignore), or drift (fail)."
                        ),
                        "enum": ["report", "ignore", "fail"],
                        "default": "report",
                    }
                },
                "additionalProperties": False,
            },
            "providers": {
                "description": "One table per provider: [providers.<name>].",
                "type": "object",
                "properties": provider_tables,
                "additionalProperties": False,
            },
            "apply": {
                "type": "object",
                "properties": {
                    "parallelism": {
                        "description": "Concurrent changes (and requests) at most.",
                        "type": "integer",
                        "minimum": 1,
                        "default": 4,
                    },
                    "journal": {
                        "description": (
                            "The apply journal's directory (creates whose outcome is unknown),"
                            " relative to the project; $XDG_STATE_HOME/reconciler/journal by"
                            " default."
                        ),
                        "type": "string",
                        "minLength": 1,
                    },
                },
                "additionalProperties": False,
            },
            "safety": _safety_schema(kind_names),
            "env": {
                "description": "What ${env:NAME} in the configuration may read.",
                "type": "object",
                "properties": {
                    "allow": {
                        "description": (
                            "Shell-style globs (e.g. PE_*) of the only environment variables a"
                            " configuration may read; without it, any but the tool's own"
                            " credentials (PROCTOREXAM_*, RECONCILER_* and those providers"
                            " declare)."
                        ),
                        "type": "array",
                        "items": {"type": "string"},
                    }
                },
                "additionalProperties": False,
            },
            "plugins": {
                "description": (
                    "Local plugin files, plugins to disable, and one table of settings per"
                    " plugin: [plugins.<name>]."
                ),
                "type": "object",
                "properties": {
                    "local": {
                        "description": "Plugin files, relative to reconciler.toml.",
                        "type": "array",
                        "items": {"type": "string"},
                    },
                    "disable": {
                        "description": "Plugins not to load, by name.",
                        "type": "array",
                        "items": {"type": "string"},
                    },
                    **plugin_tables,
                },
                "additionalProperties": {
                    "description": "The settings of a plugin that gives no schema for them.",
                    "type": "object",
                },
            },
        },
        "additionalProperties": False,
    }


def _embedded(schema: Mapping[str, Any] | None, description: str) -> dict[str, Any]:
    if schema is None:
        return {"description": description, "type": "object"}
    out = copy.deepcopy(dict(schema))
    out.pop("$schema", None)
    out.setdefault("description", description)
    return out


def _limits_properties(defaults: bool) -> dict[str, Any]:
    where = "every kind without a table of its own" if defaults else "this kind"
    share: dict[str, Any] = {
        "description": (
            f"Refuse a plan that creates, updates or deletes more than this share of the live"
            f" objects of {where} (--max-change-share overrides it for one run)."
        ),
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": 1,
    }
    minimum: dict[str, Any] = {
        "description": "The share is checked only from this many live objects of the kind on.",
        "type": "integer",
        "minimum": 0,
    }
    most: dict[str, Any] = {
        "description": (
            "Refuse a plan with more changes of the kind than this, whatever its size"
            " (--force-changes overrides it for one run)."
        ),
        "type": "integer",
        "minimum": 1,
    }
    if defaults:
        share["default"] = DEFAULT_LIMITS.max_change_share
        minimum["default"] = DEFAULT_LIMITS.min_objects
    return {"max_change_share": share, "min_objects": minimum, "max_changes": most}


def _safety_schema(kind_names: Sequence[str]) -> dict[str, Any]:
    kind_table = {
        "description": "One kind's own limits, over the [safety] defaults.",
        "type": "object",
        "properties": _limits_properties(defaults=False),
        "additionalProperties": False,
    }
    return {
        "description": (
            "Safety guards: deletes, bulk-change limits (on by default), protected objects."
        ),
        "type": "object",
        "properties": {
            "allow_delete": {
                "description": "Let tombstones delete live objects (or --allow-delete).",
                "type": "boolean",
                "default": False,
            },
            **_limits_properties(defaults=True),
            "protect": {
                "description": (
                    "Address globs of objects never deleted unless --allow-delete=ADDRESS"
                    " names them."
                ),
                "type": "array",
                "items": {"type": "string"},
            },
            "protect_fields": {
                "description": "Fields never updated on a protected object.",
                "type": "array",
                "items": {"type": "string"},
            },
            **dict.fromkeys(sorted(kind_names), kind_table),
        },
        "additionalProperties": False,
    }
