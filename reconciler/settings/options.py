"""Checking the ``[providers.<name>]`` and ``[plugins.<name>]`` tables against their owners.

The core knows the keys of its own tables (:mod:`reconciler.settings.config`); a provider's or a
plugin's table belongs to that provider or plugin, which describes it with a JSON Schema
(:attr:`Provider.options_schema <reconciler.records.Provider.options_schema>`,
:func:`~reconciler.plugin.hookspecs.reconciler_settings_schema`). This module checks each table
against its owner's schema once the plugins are loaded, so that ``validate`` reports a typo
or an out-of-range value, located in ``reconciler.toml``, before any connection is made. A
table nobody owns (a misspelt provider or plugin name) is an error with a "did you mean".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from reconciler.errors import PluginError
from reconciler.fastschema import Validator, schema_error
from reconciler.loading.validation import did_you_mean, is_closed, schema_message
from reconciler.records import Problem, Provider
from reconciler.settings.config import Settings

__all__ = ["option_problems"]


def option_problems(
    settings: Settings,
    providers: Mapping[str, Provider],
    plugins: Collection[str],
    plugin_schemas: Mapping[str, Mapping[str, Any]],
) -> list[Problem]:
    """Every problem of the provider and plugin tables of ``settings``, located.

    A problem with a plugin's own table carries that plugin's name in ``plugin``.
    """
    problems: list[Problem] = []
    plugins = sorted(set(plugins))
    for name, table in settings.providers.items():
        provider = providers.get(name)
        if provider is None:
            problems.append(
                Problem(
                    f"[providers.{name}]: no provider is named {name!r}"
                    f"{did_you_mean(name, providers)} (providers: {', '.join(sorted(providers))})",
                    settings.locate("providers", name),
                )
            )
        elif provider.options_schema is not None:
            owner = f"provider {name!r}"
            problems += _check(settings, provider.options_schema, table, ("providers", name), owner)
    for name, provider in sorted(providers.items()):
        # What a schema cannot say, in the provider's own words, at its table.
        if provider.check_options is not None:
            messages = provider.check_options(settings.providers.get(name, {}))
            where = settings.locate("providers", name)
            problems += [Problem(message, where) for message in messages]
    for name, table in settings.plugin_settings.items():
        if name in settings.disabled_plugins:
            continue
        if name not in plugins:
            problems.append(
                Problem(
                    f"[plugins.{name}]: no plugin is named {name!r}{did_you_mean(name, plugins)}"
                    f" (plugins: {', '.join(sorted(plugins))})",
                    settings.locate("plugins", name),
                )
            )
        elif name in plugin_schemas:
            owner = f"plugin {name!r}"
            found = _check(settings, plugin_schemas[name], table, ("plugins", name), owner)
            problems += [dataclasses.replace(p, plugin=name) for p in found]
    return problems


def _check(
    settings: Settings,
    schema: Mapping[str, Any],
    table: Mapping[str, Any],
    path: tuple[str, str],
    owner: str,
) -> list[Problem]:
    # The fast path (reconciler.fastschema): jsonschema is loaded only to word a refusal.
    problem = schema_error(schema)
    if problem is not None:
        raise PluginError(
            f"the settings schema of {owner} is not a valid Draft 2020-12 schema: {problem};"
            " fix the plugin or disable it."
        )
    problems: list[Problem] = []
    shown = ".".join(path)
    known = schema.get("properties") or {}
    checked = dict(table)
    if is_closed(schema):
        for key in table:
            if key not in known:
                # The close match when there is one, else the whole list.
                hint = did_you_mean(key, known) or f" (settings: {', '.join(sorted(known))})"
                problems.append(
                    Problem(
                        f"{shown}.{key} is not a setting of {owner}{hint}",
                        settings.locate(*path, key),
                    )
                )
                del checked[key]
    validator = Validator(schema)
    if validator.is_valid(checked):
        return problems
    for error in validator.iter_errors(checked):
        steps = [str(step) for step in error.absolute_path]
        name = ".".join([shown, *steps])
        where = settings.locate(*path, *steps[:1])
        problems.append(Problem(f"{name}: {schema_message(error, False)}", where))
    return problems
