"""References between kinds: what depends on what, what must exist, what a config asks about.

A kind names its reference fields (:attr:`ResourceKind.references`): a user's ``institute``
names an institute by identity. From that one declaration follow:

- the **level** of each kind (a kind that refers to nothing is level 0, one that refers to a
  level-0 kind is level 1, ...): apply creates level by level, parents first, and deletes in
  the reverse order, children first;
- the **kinds a config needs**: those it declares, and those they refer to (a config of users
  alone still reads the institutes, to find the ones it names);
- the **scope** of each kind, so that a provider reads only what the plan needs;
- the checks: a reference to a tombstone (:func:`check_declared`, before any network call),
  and a reference to an object that is neither declared nor live (:func:`check_references`,
  once the live state is known).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from reconciler.errors import PluginError
from reconciler.model import Change, DesiredObject, DesiredState, LiveObject, Location
from reconciler.records import Problem, ResourceKind, Scope

__all__ = [
    "check_declared",
    "check_references",
    "kind_levels",
    "needed_kinds",
    "parents_of",
    "scopes",
]


def kind_levels(kinds: Mapping[str, ResourceKind]) -> dict[str, int]:
    """Each kind's depth in the reference graph; a cycle or an unknown kind is a PluginError."""
    levels: dict[str, int] = {}

    def level(name: str, path: tuple[str, ...]) -> int:
        if name in levels:
            return levels[name]
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise PluginError(
                f"the kinds refer to each other in a cycle ({cycle}); no order can create"
                " them: remove one of the references from its plugin."
            )
        kind = kinds[name]
        depth = 0
        for field, target in sorted(kind.references.items()):
            if target not in kinds:
                raise PluginError(
                    f"kind {name!r} (provider {kind.provider!r}): its field {field!r} refers to"
                    f" the kind {target!r}, which no loaded plugin provides; install or enable"
                    " the plugin that does."
                )
            depth = max(depth, level(target, (*path, name)) + 1)
        levels[name] = depth
        return depth

    for name in sorted(kinds):
        level(name, ())
    return levels


def needed_kinds(desired: DesiredState, kinds: Mapping[str, ResourceKind]) -> list[str]:
    """The kinds a config declares (its sections and tombstones), and every kind they refer to."""
    wanted: set[str] = set()
    pending = [kind for kind in desired.kinds if kind in kinds]
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        wanted.add(name)
        pending.extend(t for t in kinds[name].references.values() if t in kinds)
    return sorted(wanted)


def scopes(desired: DesiredState, kinds: Mapping[str, ResourceKind]) -> dict[str, Scope]:
    """What the config declares of each kind it declares, for :meth:`ProviderSession.list`."""
    out: dict[str, Scope] = {}
    for name, kind in kinds.items():
        objects = desired.of_kind(name)
        if not objects:
            continue
        references = {
            field: frozenset(
                o.fields[field] for o in objects if isinstance(o.fields.get(field), str)
            )
            for field in kind.references
        }
        out[name] = Scope(
            identities=frozenset(o.identity for o in objects),
            fields=frozenset().union(*(o.fields for o in objects)),
            references=references,
        )
    return out


def parents_of(change: Change, kinds: Mapping[str, ResourceKind]) -> list[str]:
    """The addresses a change names through its reference fields (a create names them all)."""
    kind = kinds.get(change.kind)
    if kind is None:
        return []
    return [
        f"{kind.references[f.name]}.{f.after}"
        for f in change.fields
        if f.name in kind.references and isinstance(f.after, str)
    ]


def check_declared(desired: DesiredState, kinds: Mapping[str, ResourceKind]) -> list[Problem]:
    """Problems found without the live state: tombstones a kind cannot honour, references to
    tombstones."""
    problems: list[Problem] = []
    tombstones = {o.address: o for o in desired.objects if o.absent}
    for obj in desired.objects:
        kind = kinds.get(obj.kind)
        if kind is None:
            continue
        if obj.absent and not kind.can_delete:
            problems.append(
                Problem(
                    f"{kind.section}.{obj.identity}: a {kind.name} cannot be deleted through"
                    f" the {kind.provider} API, so a tombstone (absent: true) cannot be applied;"
                    f" remove the {kind.name} by hand in the service, then remove this entry.",
                    _where(obj, "absent"),
                    kind.provider,
                )
            )
        if not kind.references:
            continue
        for field, target, value in _references(obj, kind):
            tombstone = tombstones.get(f"{target}.{value}")
            if tombstone is not None:
                problems.append(
                    Problem(
                        f"{kind.section}.{obj.identity}.{field}: refers to {target}.{value},"
                        f" which is a tombstone (absent: true) at {tombstone.location}; point"
                        f" this {kind.name} elsewhere, or keep the {target}.",
                        _where(obj, field),
                        kind.provider,
                    )
                )
    return problems


def check_references(
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
) -> list[Problem]:
    """References to objects that are neither declared in the config nor live."""
    referring = [
        (obj, kind)
        for obj in desired.objects
        if not obj.absent and (kind := kinds.get(obj.kind)) is not None and kind.references
    ]
    if not referring:
        return []  # nothing refers to anything: no addresses to collect
    declared = {o.address for o in desired.objects if not o.absent}
    existing = {o.address for objects in live.values() for o in objects}
    problems: list[Problem] = []
    for obj, kind in referring:
        for field, target, value in _references(obj, kind):
            address = f"{target}.{value}"
            if address in declared or address in existing:
                continue
            known = _known(target, desired, live)
            if kinds[target].declarable:
                advice = f"declare it under {kinds[target].section}:, or name one that exists"
                missing = "neither declared in the configuration nor live on the service"
            else:
                advice = "name one that exists"
                missing = "not known to the service"
            problems.append(
                Problem(
                    f"{kind.section}.{obj.identity}.{field}: refers to {address}, which is"
                    f" {missing}; {advice} ({known}).",
                    _where(obj, field),
                    kind.provider,
                )
            )
    return problems


def _references(obj: DesiredObject, kind: ResourceKind) -> Iterable[tuple[str, str, str]]:
    for field, target in sorted(kind.references.items()):
        value = obj.fields.get(field)
        if isinstance(value, str):
            yield field, target, value


def _known(target: str, desired: DesiredState, live: Mapping[str, Sequence[LiveObject]]) -> str:
    names = sorted(
        {o.identity for o in desired.of_kind(target) if not o.absent}
        | {o.identity for o in live.get(target, ())}
    )
    return _listing(names, "known") if names else f"no {target} is known"


def _listing(names: Collection[str], label: str, limit: int = 10) -> str:
    shown = ", ".join(sorted(names)[:limit])
    more = f", and {len(names) - limit} more" if len(names) > limit else ""
    return f"{label}: {shown}{more}"


def _where(obj: DesiredObject, field: str) -> Location:
    return obj.locations.get(field, obj.location)
