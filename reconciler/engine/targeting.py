"""``--target`` and ``--exclude``: which declared objects a partial plan covers.

A pattern is a kind (``user``: every user declared), an address (``institute.pe``) or an
:func:`fnmatch.fnmatchcase` glob on addresses (``'institute.uni-*'``). ``--target`` keeps the
objects any target selects (every object when none is given), then ``--exclude`` takes out
those any exclude selects. A pattern that selects nothing declared is an error naming the
closest addresses, so that a typo never plans nothing and says "No changes".

A selected object that refers to one the service does not have yet (a user whose institute is
new) cannot be created alone: the object it refers to is **pulled in**, and the plan says so
(:attr:`~reconciler.model.Targeting.pulled_in`). Excluding it explicitly is an error.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping, Sequence

from reconciler.errors import SettingsError
from reconciler.model import DesiredObject, DesiredState, LiveObject, Targeting
from reconciler.records import ResourceKind

__all__ = ["select"]


def select(
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    targets: Sequence[str],
    excludes: Sequence[str] = (),
) -> tuple[frozenset[str], Targeting]:
    """The addresses a partial plan covers, and what to say about it.

    Raises :class:`SettingsError` for a pattern that selects nothing, or an exclude that
    leaves out an object a selected one needs created first.
    """
    by_address = {o.address: o for o in desired.objects}
    chosen: set[str] = set()
    for pattern in targets:
        chosen |= _matching(pattern, by_address, "--target")
    if not targets:
        chosen = set(by_address)
    excluded: set[str] = set()
    for pattern in excludes:
        excluded |= _matching(pattern, by_address, "--exclude")
    chosen -= excluded
    if not chosen:
        raise SettingsError(
            f"{' '.join(f'--exclude {e}' for e in excludes)} leaves nothing to plan; plan"
            " without it, or exclude less."
        )
    existing = {o.address for objects in live.values() for o in objects}
    pulled: list[str] = []
    pending = sorted(chosen)
    while pending:
        obj = by_address[pending.pop()]
        for parent in _parents(obj, kinds):
            if parent in chosen or parent in existing or parent not in by_address:
                continue
            if by_address[parent].absent:
                continue  # a reference to a tombstone is refused at validate
            if parent in excluded:
                raise SettingsError(
                    f"{obj.address} refers to {parent}, which does not exist yet and must be"
                    f" created first, but --exclude leaves it out; drop that --exclude, or"
                    f" --exclude {obj.address} too."
                )
            chosen.add(parent)
            pulled.append(parent)
            pending.append(parent)
    return frozenset(chosen), Targeting(tuple(targets), tuple(excludes), tuple(sorted(pulled)))


#: What makes a pattern a glob: without any of these it matches one address, itself.
_GLOB = frozenset("*?[")


def _matching(pattern: str, by_address: Mapping[str, DesiredObject], flag: str) -> set[str]:
    if "." not in pattern:
        found = {a for a, o in by_address.items() if o.kind == pattern}
    elif _GLOB.isdisjoint(pattern):
        # An address: looked up, not matched against every address (``apply FILE`` re-plans
        # with each of its changes as a target, which would otherwise cost n * n matches).
        found = {pattern} if pattern in by_address else set()
    else:
        found = {a for a in by_address if fnmatch.fnmatchcase(a, pattern)}
    if found:
        return found
    kinds = sorted({o.kind for o in by_address.values()})
    candidates = list(by_address) if "." in pattern else [*kinds, *by_address]
    scored = [(difflib.SequenceMatcher(None, pattern, c).ratio(), c) for c in candidates]
    close = [c for score, c in sorted(scored, key=lambda sc: (-sc[0], sc[1]))[:5] if score >= 0.5]
    hint = f" Closest: {', '.join(close)}." if close else ""
    raise SettingsError(
        f"{flag} {pattern}: matches nothing the configuration declares.{hint} A pattern is a"
        " kind (user), an address (institute.pe) or a glob ('institute.uni-*')."
    )


def _parents(obj: DesiredObject, kinds: Mapping[str, ResourceKind]) -> list[str]:
    kind = kinds.get(obj.kind)
    if kind is None or obj.absent:
        return []
    return [
        f"{target}.{obj.fields[field]}"
        for field, target in sorted(kind.references.items())
        if isinstance(obj.fields.get(field), str)
    ]
