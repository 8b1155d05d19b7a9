"""Which tenant a run points at: recorded in saved plans and snapshots, checked by ``apply``.

A plan made against one tenant (a staging environment, say) must not be applied to another.
Each provider that can say so names its tenant from the run's settings and environment (see
:attr:`~reconciler.records.Provider.tenant`): a base URL, never a credential. A run on
``--sandbox`` points at the local emulator, whose address changes every run: it is named
:data:`SANDBOX` instead.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final, Protocol

from reconciler.records import Provider

__all__ = ["SANDBOX", "Tenanted", "current_tenants", "tenant_mismatches"]

#: The tenant of a run on ``--sandbox``.
SANDBOX: Final = "the local sandbox (--sandbox)"


class Tenanted(Protocol):
    """What names a run's tenants: a :class:`~reconciler.pipeline.project.Project` (typed
    apart, so that the project can use this module)."""

    @property
    def skipped_plugins(self) -> tuple[str, ...]: ...

    def tenants(self, kinds: Collection[str]) -> dict[str, str]: ...

    def provider_for(self, kind: str) -> Provider: ...


def current_tenants(project: Tenanted, kinds: Collection[str], *, sandbox: bool) -> dict[str, str]:
    """Provider name to the tenant it points at, for the providers of ``kinds`` that can say;
    on ``--sandbox``, :data:`SANDBOX` for each provider that has one."""
    out = project.tenants(kinds)
    if sandbox:
        for kind in kinds:
            provider = project.provider_for(kind)
            if provider.sandbox is not None:
                out[provider.name] = SANDBOX
    return out


def tenant_mismatches(recorded: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """One line per provider whose tenant now differs from the one ``recorded``."""
    lines = []
    for name in sorted(current):
        then = recorded.get(name)
        if then is None:
            lines.append(
                f"{name}: the plan does not say which tenant it was made against; this run"
                f" points at {current[name]}"
            )
        elif then != current[name]:
            lines.append(
                f"{name}: the plan was made against {then}, but this run points at {current[name]}"
            )
    return lines
