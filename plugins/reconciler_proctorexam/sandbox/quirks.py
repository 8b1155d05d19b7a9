"""Switches that make the sandbox keep or show less than it is sent, as a real service may.

Each is off by default, and each makes a tool that trusts a ``200`` say something untrue:

- ``drop_on_create`` / ``drop_on_update``: fields of a create or an update that are checked and
  then silently not kept, as Rails' strong parameters drop what a controller does not permit
  (the answer shows the value the object kept);
- ``omit_from_list`` / ``omit_from_show`` / ``omit_from_write``: fields left out of list
  answers, show answers (``GET`` of one object) or the answers to a create or an update, as a
  service whose pages do not carry every field.

They apply to institutes and users alike; ``short_name`` and ``email`` (the identities) are
never dropped. Requiring a password on every user create is a reading of the contract, not a
quirk: ``user_password`` in :class:`~reconciler_proctorexam.sandbox.readings.Readings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Quirks"]

_IDENTITIES = frozenset({"short_name", "email", "id"})


@dataclass(frozen=True, slots=True)
class Quirks:
    """Which fields the sandbox drops from writes and leaves out of answers; none by default."""

    drop_on_create: frozenset[str] = frozenset()
    drop_on_update: frozenset[str] = frozenset()
    omit_from_list: frozenset[str] = frozenset()
    omit_from_show: frozenset[str] = frozenset()
    omit_from_write: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        drop_on_create: Iterable[str] = (),
        drop_on_update: Iterable[str] = (),
        omit_from_list: Iterable[str] = (),
        omit_from_show: Iterable[str] = (),
        omit_from_write: Iterable[str] = (),
    ) -> Quirks:
        return cls(
            frozenset(drop_on_create),
            frozenset(drop_on_update),
            frozenset(omit_from_list),
            frozenset(omit_from_show),
            frozenset(omit_from_write),
        )

    def kept(self, values: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
        """``values`` less the fields this sandbox drops from a create (or an update)."""
        dropped = (self.drop_on_create if create else self.drop_on_update) - _IDENTITIES
        return {k: v for k, v in values.items() if k not in dropped}

    def listed(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """A list answer's item, less the fields left out of lists."""
        return {k: v for k, v in item.items() if k not in self.omit_from_list - _IDENTITIES}

    def shown(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """A show answer's object, less the fields left out of show answers."""
        return {k: v for k, v in item.items() if k not in self.omit_from_show - _IDENTITIES}

    def answered(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """A write's answer, less the fields left out of those."""
        return {k: v for k, v in item.items() if k not in self.omit_from_write - _IDENTITIES}
