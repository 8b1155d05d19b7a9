"""The published JSON Schema of ``reconciler.toml`` (``reconciler schema settings``).

The core's own tables are described here; each ``[providers.<name>]`` table is its provider's
:attr:`~reconciler.records.Provider.options_schema` and each ``[plugins.<name>]`` table its
plugin's :func:`~reconciler.hookspecs.reconciler_settings_schema`, embedded as they are. The
schema is for editors (Taplo, Even Better TOML) and CI; ``validate`` checks the same rules and
locates what breaks them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from reconciler.records import Provider

__all__ = ["settings_schema"]

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def settings_schema(
    providers: Mapping[str, Provider], plugin_schemas: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The schema of ``reconciler.toml`` with the tables of ``providers`` and plugins."""
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
            "safety": {
                "type": "object",
                "properties": {
                    "allow_delete": {
                        "description": "Let tombstones delete live objects (or --allow-delete).",
                        "type": "boolean",
                        "default": False,
                    },
                    "max_change_share": {
                        "description": "Refuse a plan that changes more of the live objects.",
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": 1,
                    },
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
