"""``${env:NAME}`` references: secrets come from the environment, never from the YAML.

A reference may be a whole string or part of one (``https://${env:HOST}/hook``); ``$${`` writes
a literal ``${``. Values are never changed in place: an aliased list is shared between
objects, so a resolved value is a new one. Whoever resolves a reference learns that the value
came from the environment, so that the field can be kept out of every message and report.

What may be read, and whether an unset variable is an error, is the caller's
:class:`~reconciler.loading.envaccess.EnvAccess`; a plain mapping reads every variable and
requires each (a saved plan's values at apply time). An unset variable that is not required
is named in :attr:`Resolution.unset`, and the value is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from reconciler.loading.envaccess import EnvAccess

__all__ = ["REFERENCE", "Reference", "Resolution", "referenced_names", "resolve"]

#: ``$${`` (an escaped ``${``) or ``${`` and, when well formed, ``env:NAME}``.
_TOKEN: Final = re.compile(r"\$\$\{|\$\{(?:env:([A-Za-z_][A-Za-z0-9_]*)\})?")
#: ``${env:NAME}``, but not the escaped ``$${env:NAME}`` (a literal).
REFERENCE: Final = re.compile(r"(?<!\$)\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")

#: A path inside a field's value: mapping keys and list indices.
Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference that could not be resolved, where it is inside the value, and why."""

    path: Path
    message: str


@dataclass(slots=True)
class Resolution:
    """The resolved value, whether any part came from the environment, and what failed.

    ``unset`` names the variables that are not set (when the access does not require them);
    the value then still holds their references.
    """

    value: Any = field(repr=False)
    from_env: bool = False
    failures: list[Reference] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)


def resolve(value: Any, environ: Mapping[str, str] | EnvAccess) -> Resolution:
    """Resolve every reference inside ``value`` (a string, or lists and mappings of them)."""
    access = environ if isinstance(environ, EnvAccess) else EnvAccess.strict(environ)
    result = Resolution(value)
    result.value = _walk(value, (), access, result)
    return result


def referenced_names(value: Any) -> list[str]:
    """The variables ``value`` (as written) refers to, sorted, each once."""
    names: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, str):
            names.update(REFERENCE.findall(item))
        elif isinstance(item, list):
            for sub in item:
                walk(sub)
        elif isinstance(item, dict):
            for sub in item.values():
                walk(sub)

    walk(value)
    return sorted(names)


def _walk(value: Any, path: Path, access: EnvAccess, result: Resolution) -> Any:
    kind = type(value)
    if kind is str:
        return _string(value, path, access, result) if "$" in value else value
    if kind is list:
        items = [_walk(item, (*path, i), access, result) for i, item in enumerate(value)]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if kind is dict:
        mapping = {k: _walk(v, (*path, k), access, result) for k, v in value.items()}
        return mapping if any(mapping[k] is not v for k, v in value.items()) else value
    return value


def _string(text: str, path: Path, access: EnvAccess, result: Resolution) -> str:
    environ = access.environ

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
        refused = access.refusal(name)
        if refused is not None:
            result.failures.append(Reference(path, f"${{env:{name}}}: {refused}"))
            return match.group(0)
        resolved = environ.get(name)
        if resolved is None:
            if access.require:
                result.failures.append(
                    Reference(
                        path,
                        f"the environment variable {name} is not set (referenced as"
                        f" ${{env:{name}}}); export it before running",
                    )
                )
            elif name not in result.unset:
                result.unset.append(name)
            return match.group(0)
        result.from_env = True
        return resolved

    if "${" not in text:
        return text
    return _TOKEN.sub(replace, text)
