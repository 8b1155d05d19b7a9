"""A managed field that the service did not return is not ``null``: it is an error at its line.

A live object's ``fields`` hold what the service answered. A field the YAML manages but the
answer lacks (a route that does not carry it, or a service version that dropped it) used to
read as ``None``: the plan showed a change, apply sent a write, and the next plan showed the
same change again, for ever. Here it is reported instead, at the field's YAML line, naming the
route that was read (:attr:`LiveObject.source <reconciler.model.LiveObject.source>`), with the
fix: stop managing the field, or switch the provider's reading of where it is read. Plan and
drift stop with exit 1, before anything is written. A ``null`` the service did return stays a
value like any other.

Write-only fields (a password, an API key) are never returned by design and are not checked;
nor are fields that ``[ignore.fields]`` leaves to something else.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from reconciler.model import DesiredObject, LiveObject
from reconciler.records import Problem, ResourceKind

__all__ = ["unreturned_problems"]


def unreturned_problems(
    kind: ResourceKind,
    obj: DesiredObject,
    current: LiveObject,
    skip: Collection[str] = (),
) -> list[Problem]:
    """A problem for each field ``obj`` manages that ``current`` does not carry."""
    fields: Mapping[str, object] = current.fields
    missing = [
        name
        for name in obj.fields
        if name not in fields and name not in kind.write_only and name not in skip
    ]
    if not missing:
        return []
    route = current.source or "the provider's reading of the live object"
    return [
        Problem(
            f"{obj.address}.{name} is not returned by the service (read: {route}), so it"
            " cannot be compared, and it is never taken as null. Stop managing it (remove"
            f" {name} from the YAML, or leave it to [ignore.fields]), or switch the reading"
            " of where the provider reads it; `reconciler doctor PATH` shows which fields the"
            " service returns.",
            obj.locations.get(name, obj.location),
            kind.provider,
        )
        for name in sorted(missing)
    ]
