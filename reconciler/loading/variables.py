"""``${var:NAME}``: typed, non-secret values from an environment's vars file.

::

    # reconciler.toml of an environment
    vars = "vars.yaml"

    # vars.yaml
    retention: 12                 # a number stays a number
    languages: [de-DE, fr-FR]     # a list stays a list

    # any config file
    session_retention_period: ${var:retention}
    custom_languages: ${var:languages}
    callback_url: https://${var:host}/callback     # inside text: the value as text

A value that is one reference and nothing else takes the variable's value with its type; a
reference inside text takes it as text (a number or a word, never a list or a mapping). An
unknown variable is an error located at the reference. Secrets stay ``${env:NAME}``: variables
are written in a file beside the YAML, and shown in plans like any value.

Substitution runs before ``${env:…}`` references are resolved, and never changes a value in
place (an aliased list is shared between objects).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from reconciler.loading.limits import Limits
from reconciler.loading.references import Reference
from reconciler.loading.yamlfile import read_file
from reconciler.model import Location
from reconciler.records import Problem

__all__ = ["VAR_TOKEN", "read_variables", "substitute"]

#: One ``${var:NAME}`` reference.
VAR_TOKEN: Final = re.compile(r"\$\{var:([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Path_ = tuple[str | int, ...]


def read_variables(
    files: list[Path], limits: Limits
) -> tuple[dict[str, Any], dict[str, Location], list[Problem]]:
    """The variables of ``files`` (a base's first: a later file's value wins), where each was
    written, and every problem of the files, located."""
    values: dict[str, Any] = {}
    where: dict[str, Location] = {}
    problems: list[Problem] = []
    for path in files:
        parsed = read_file(path, limits)
        problems.extend(parsed.problems)
        if not parsed.complete:
            continue
        if parsed.value is None:
            continue
        if not isinstance(parsed.value, dict) or not isinstance(parsed.tree, dict):
            problems.append(
                Problem(
                    "a vars file is a mapping of variable name to value (retention: 12)",
                    Location(parsed.name, parsed.line, parsed.column),
                )
            )
            continue
        for name, value in parsed.value.items():
            kline, kcol, vline, vcol, _ = parsed.tree[name]
            if _NAME.fullmatch(name) is None:
                problems.append(
                    Problem(
                        f"{name!r} is not a variable name (letters, digits and _)",
                        Location(parsed.name, kline, kcol),
                    )
                )
                continue
            values[name] = value
            where[name] = Location(parsed.name, vline, vcol)
    return values, where, problems


def has_reference(value: Any) -> bool:
    """Whether ``value`` (a string, or lists and mappings of them) holds ``${var:``."""
    kind = type(value)
    if kind is str:
        return "${var:" in value
    if kind is list:
        return any(has_reference(item) for item in value)
    if kind is dict:
        return any(has_reference(item) for item in value.values())
    return False


def substitute(
    value: Any, variables: Mapping[str, Any] | None, where: str = ""
) -> tuple[Any, list[Reference]]:
    """``value`` with every ``${var:NAME}`` replaced, and every reference that failed.

    ``where`` names the vars file(s), for the message about an unknown variable.
    """
    failures: list[Reference] = []
    out = _walk(value, (), variables or {}, variables is not None, where, failures)
    return out, failures


def _walk(
    value: Any,
    path: Path_,
    variables: Mapping[str, Any],
    configured: bool,
    where: str,
    failures: list[Reference],
) -> Any:
    kind = type(value)
    if kind is list:
        return [
            _walk(v, (*path, i), variables, configured, where, failures)
            for i, v in enumerate(value)
        ]
    if kind is dict:
        return {
            k: _walk(v, (*path, k), variables, configured, where, failures)
            for k, v in value.items()
        }
    if kind is not str or "${var:" not in value:
        return value

    def unknown(name: str) -> None:
        if configured:
            hint = f"define it in {where}" if where else "define it in the vars file"
        else:
            hint = 'name a vars file in reconciler.toml (vars = "vars.yaml") and define it there'
        failures.append(Reference(path, f"unknown variable {name} (${{var:{name}}}); {hint}"))

    whole = VAR_TOKEN.fullmatch(value)
    if whole is not None:
        name = whole.group(1)
        if name not in variables:
            unknown(name)
            return None
        return variables[name]

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            unknown(name)
            return ""
        found = variables[name]
        if isinstance(found, (list, dict)) or found is None:
            failures.append(
                Reference(
                    path,
                    f"${{var:{name}}} is {'empty' if found is None else 'a list or mapping'}"
                    " and cannot stand inside text; use it as the whole value",
                )
            )
            return ""
        if isinstance(found, bool):
            return "true" if found else "false"
        return str(found)

    return VAR_TOKEN.sub(replace, value)
