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

Substitution runs on each file as read (:func:`substitute_file`), before the files are put
together and before ``${env:…}`` references are resolved. It replaces values in place: an
aliased list shared between objects takes the same values for each of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from reconciler.loading.limits import Limits
from reconciler.loading.references import Reference
from reconciler.loading.yamlfile import ParsedFile, read_file, span_at
from reconciler.model import Location
from reconciler.records import Problem

__all__ = ["VAR_TOKEN", "read_variables", "substitute_file"]

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


def substitute_file(
    parsed: ParsedFile, variables: Mapping[str, Any] | None, where: str = ""
) -> ParsedFile:
    """``parsed`` with every ``${var:NAME}`` of its values replaced (in place), and a located
    problem for each reference that failed. ``variables`` is ``None`` when no vars file is
    configured (every reference then fails, saying how to configure one)."""
    if not parsed.var_references or not parsed.complete or parsed.value is None:
        return parsed
    failures: list[Reference] = []
    _in_place(parsed.value, (), variables or {}, variables is not None, where, failures)
    if not failures:
        return parsed
    problems = [*parsed.problems]
    for failure in failures:
        span = span_at(parsed.tree, failure.path)
        line, column = (span[2], span[3]) if span is not None else (parsed.line, parsed.column)
        shown = _shown(failure.path)
        problems.append(Problem(f"{shown}: {failure.message}", Location(parsed.name, line, column)))
    return ParsedFile(
        parsed.name,
        parsed.value,
        parsed.tree,
        parsed.complete,
        parsed.line,
        parsed.column,
        tuple(problems),
    )


def _shown(path: Path_) -> str:
    """``institutes.pe.name``, ``defaults."group:x".retention``, ``x.languages[1]``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            name = f'"{step}"' if any(c in step for c in ":.*?[") else step
            out += f".{name}" if out else name
    return out


def _in_place(
    container: Any,
    path: Path_,
    variables: Mapping[str, Any],
    configured: bool,
    where: str,
    failures: list[Reference],
) -> None:
    """Replace the references inside ``container`` (a mapping or a list), depth first."""
    # Assigning to a key or an index that exists does not disturb the iteration.
    items = container.items() if type(container) is dict else enumerate(container)
    for key, value in items:
        kind = type(value)
        if kind is str:
            if "${var:" in value:
                container[key] = _text(value, (*path, key), variables, configured, where, failures)
        elif kind is dict or kind is list:
            _in_place(value, (*path, key), variables, configured, where, failures)


def _text(
    value: str,
    path: Path_,
    variables: Mapping[str, Any],
    configured: bool,
    where: str,
    failures: list[Reference],
) -> Any:
    """One text holding ``${var:``: the variable's value, typed, or the text with each
    reference replaced by its value as text."""

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
