"""Shared layers of ``defaults:``: by address glob and by named group, in a fixed precedence.

::

    defaults:
      reminder_emails_enabled: true      # kind defaults: every object whose kind has the field
      "institute.uni-*":                 # an address glob: every object whose address matches
        default_language: de-DE
      "group:universities":              # a named group: every object that joins it
        session_retention_period: 12
    institutes:
      uni-utrecht:
        group: universities              # or a list, [universities, eu], in precedence order

A value is taken from the first of these that sets it, highest first: the object itself, then
its groups (the last one it lists first), then the address globs that match it (the last one
written first), then the kind defaults. So the order is fixed and reads top to bottom like the
YAML: kind defaults, address globs in the order written, groups in the order the object lists
them, the object. Every field a layer set names that layer in the plan (its provenance), beside
the ``file:line:col`` of the value.

A key of ``defaults:`` is a layer when it starts with ``group:`` or holds a dot or a glob
character (``*?[``), which no field name does; anything else is a field of the kind defaults.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Final

from reconciler.model import Location

__all__ = ["GROUP_FIELD", "GROUP_PREFIX", "Layer", "groups_of", "layer_key"]

#: The key prefix of a named group's defaults, and the field by which an object joins groups.
GROUP_PREFIX: Final = "group:"
GROUP_FIELD: Final = "group"
_GLOB_CHARS: Final = frozenset(".*?[")
_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def layer_key(key: str) -> tuple[str, str] | None:
    """``("group", name)`` or ``("glob", pattern)`` for a layer's key; ``None`` for a field."""
    if key.startswith(GROUP_PREFIX):
        return ("group", key[len(GROUP_PREFIX) :].strip())
    if _GLOB_CHARS.intersection(key):
        return ("glob", key)
    return None


@dataclass(slots=True)
class Layer:
    """One glob's or group's defaults; ``fields`` maps a field to the loader's default record.

    ``used`` records whether any object took the layer: a glob that matches nothing is an
    error (a typo would otherwise silently change nothing).
    """

    kind: str
    name: str
    location: Location
    fields: dict[str, Any] = field(default_factory=dict)
    used: bool = False
    _match: Any = None

    @property
    def label(self) -> str:
        """How the plan names the layer: ``group universities``, ``defaults institute.uni-*``."""
        return f"group {self.name}" if self.kind == "group" else f"defaults {self.name}"

    @property
    def key(self) -> str:
        return f"{GROUP_PREFIX}{self.name}" if self.kind == "group" else self.name

    def matches(self, address: str) -> bool:
        if self._match is None:
            self._match = re.compile(fnmatch.translate(self.name)).match
        return self._match(address) is not None


def groups_of(value: Any) -> tuple[list[str], str | None]:
    """The group names an object's ``group:`` value lists, or a message saying what is wrong."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return [], (
            f"{GROUP_FIELD}: expected a group name or a list of them (group: universities),"
            " not " + ("a mapping" if isinstance(value, dict) else repr(value))
        )
    for name in names:
        if _NAME.fullmatch(name) is None:
            return [], f"{GROUP_FIELD}: {name!r} is not a group name (letters, digits, _ . -)"
    if len(set(names)) != len(names):
        return [], f"{GROUP_FIELD}: a group is listed twice; list each once"
    return names, None
