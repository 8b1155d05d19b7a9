"""Which objects a ``--target`` names: plain addresses (``institute.pe``) or address globs."""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Sequence

from reconciler.errors import SettingsError

__all__ = ["TargetMatcher"]


class TargetMatcher:
    """Matches addresses against ``--target`` values; with none, everything matches."""

    def __init__(self, targets: Sequence[str]) -> None:
        self.targets = tuple(targets)
        self.hits: set[str] = set()

    def __call__(self, address: str) -> bool:
        if not self.targets:
            return True
        for target in self.targets:
            if fnmatch.fnmatchcase(address, target):
                self.hits.add(target)
                return True
        return False

    def check(self, addresses: Collection[str]) -> None:
        """Every target must name or match some object among ``addresses`` (declared ones)."""
        unmatched = [t for t in self.targets if not fnmatch.filter(addresses, t)]
        if unmatched:
            raise SettingsError(
                f"--target {', '.join(unmatched)}: matches no declared object; a target is an"
                " address (institute.pe) or an address glob (institute.uni-*)."
            )
