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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from reconciler.loading.validation import did_you_mean
from reconciler.model import Location
from reconciler.records import Problem

__all__ = ["GROUP_FIELD", "GROUP_PREFIX", "Layer", "Layers", "groups_of", "layer_key"]

D = TypeVar("D")

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


class Layers:
    """The glob and group layers of a configuration, by name, and which of them were used."""

    def __init__(self) -> None:
        self.globs: dict[str, Layer] = {}
        self.groups: dict[str, Layer] = {}

    def __bool__(self) -> bool:
        return bool(self.globs or self.groups)

    def layer(self, kind: str, name: str, location: Location) -> Layer:
        """The layer of that kind and name, made at ``location`` if it is new."""
        layers = self.groups if kind == "group" else self.globs
        found = layers.get(name)
        if found is None:
            found = layers[name] = Layer(kind, name, location)
        return found

    def all(self) -> list[Layer]:
        return [*self.globs.values(), *self.groups.values()]

    def merged(
        self,
        defaults: Mapping[str, D],
        address: str,
        shown: str,
        groups: Sequence[tuple[str, Location]],
    ) -> tuple[dict[str, D], list[Problem]]:
        """What an object takes: ``defaults``, then the globs its ``address`` matches, then its
        ``groups``, each replacing what the one before set; and a problem per unknown group,
        at its name (``shown`` is the object as messages name it)."""
        merged = dict(defaults)
        problems: list[Problem] = []
        for layer in self.globs.values():
            if layer.matches(address):
                layer.used = True
                merged.update(layer.fields)
        for name, where in groups:
            group = self.groups.get(name)
            if group is None:
                hint = did_you_mean(name, self.groups)
                problems.append(
                    Problem(
                        f"{shown}.{GROUP_FIELD}: unknown group {name!r} (a group is declared"
                        f' under defaults: as "group:NAME"){hint}',
                        where,
                    )
                )
                continue
            group.used = True
            merged.update(group.fields)
        return merged, problems

    def unused_globs(self) -> list[Problem]:
        """An address glob that no object matched: most likely a typo, never silent."""
        return [
            Problem(
                f'defaults."{layer.name}": this address glob matches no declared object'
                " (addresses are KIND.NAME, e.g. institute.uni-*); fix it or remove it",
                layer.location,
            )
            for layer in self.globs.values()
            if not layer.used
        ]
