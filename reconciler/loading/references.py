"""``${env:NAME}`` references: secrets come from the environment, never from the YAML.

A reference may be a whole string or part of one (``https://${env:HOST}/hook``); ``$${`` writes
a literal ``${``. Values are never changed in place: an aliased list is shared between
objects, so a resolved value is a new one. Whoever resolves a reference learns that the value
came from the environment, so that the field can be kept out of every message and report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["Reference", "Resolution", "resolve"]

#: ``$${`` (an escaped ``${``) or ``${`` and, when well formed, ``env:NAME}``.
_TOKEN: Final = re.compile(r"\$\$\{|\$\{(?:env:([A-Za-z_][A-Za-z0-9_]*)\})?")

#: A path inside a field's value: mapping keys and list indices.
Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference that could not be resolved, where it is inside the value, and why."""

    path: Path
    message: str


@dataclass(slots=True)
class Resolution:
    """The resolved value, whether any part came from the environment, and what failed."""

    value: Any = field(repr=False)
    from_env: bool = False
    failures: list[Reference] = field(default_factory=list)


def resolve(value: Any, environ: Mapping[str, str]) -> Resolution:
    """Resolve every reference inside ``value`` (a string, or lists and mappings of them)."""
    result = Resolution(value)
    result.value = _walk(value, (), environ, result)
    return result


def _walk(value: Any, path: Path, environ: Mapping[str, str], result: Resolution) -> Any:
    kind = type(value)
    if kind is str:
        return _string(value, path, environ, result) if "$" in value else value
    if kind is list:
        items = [_walk(item, (*path, i), environ, result) for i, item in enumerate(value)]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if kind is dict:
        mapping = {k: _walk(v, (*path, k), environ, result) for k, v in value.items()}
        return mapping if any(mapping[k] is not v for k, v in value.items()) else value
    return value


def _string(text: str, path: Path, environ: Mapping[str, str], result: Resolution) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name = match.group(1)
        if name is None:
            # Show what was written up to the closing brace: it is YAML, not a secret.
            end = text.find("}", match.start())
            written = text[match.start() : end + 1 if end >= 0 else match.start() + 20]
            result.failures.append(
                Reference(
                    path,
                    f"{written!r} is not a reference this tool knows; write ${{env:NAME}} to"
                    " read an environment variable, or $${ for a literal '${'",
                )
            )
            return match.group(0)
        resolved = environ.get(name)
        if resolved is None:
            result.failures.append(
                Reference(
                    path,
                    f"the environment variable {name} is not set (referenced as"
                    f" ${{env:{name}}}); export it before running",
                )
            )
            return match.group(0)
        result.from_env = True
        return resolved

    if "${" not in text:
        return text
    return _TOKEN.sub(replace, text)
