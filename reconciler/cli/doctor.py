"""``reconciler doctor``: ask each provider to probe its live service, and report the steps.

The core knows no service. It builds each provider's context exactly as a command run would,
asks the plugins through the ``reconciler_doctor`` hook (:meth:`Hooks.doctor`), and renders
the :class:`~reconciler.records.DoctorStep` records as text or JSON. The exit code is the
worst status: 0 when every step passed, 1 when a step failed, 2 when a step was inconclusive.

``--write-probe NAME`` is the one exception to read-only: the user names one object, which
receives a no-op update (one field set to its live value). On a terminal it is confirmed first.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

import click

from reconciler.documents.doctor import FORMAT_VERSION, FORMATS, DoctorReport
from reconciler.errors import ReconcilerError, SettingsError
from reconciler.model import DesiredState
from reconciler.plugin.hooks import Hooks
from reconciler.records import DoctorRequest, DoctorStep, ProviderContext
from reconciler.settings.config import Settings

__all__ = ["FORMATS", "FORMAT_VERSION", "DoctorReport", "confirm_write_probe", "run_doctor"]


def run_doctor(
    hooks: Hooks,
    settings: Settings,
    environ: Mapping[str, str],
    *,
    desired: DesiredState | None = None,
    write_probe: str | None = None,
) -> DoctorReport:
    """Ask every provider's plugin to probe its service; raise if no plugin answers at all."""
    steps: list[DoctorStep] = []
    kinds = hooks.resource_kinds
    providers = sorted(hooks.providers.values(), key=lambda p: p.name)
    if desired is not None and desired.kinds:
        # With a config, only the providers of the kinds it uses, as plan connects only those.
        providers = [p for p in providers if desired.kinds & set(p.kinds)]
    for provider in providers:
        context = ProviderContext(
            options=settings.providers.get(provider.name, {}),
            environ=environ,
            parallelism=settings.parallelism,
            base_dir=settings.base_dir,
        )
        request = DoctorRequest(
            provider=provider.name,
            context=context,
            kinds={name: kinds[name] for name in provider.kinds if name in kinds},
            desired=desired,
            write_probe=write_probe,
        )
        steps += hooks.doctor(request)
    if not steps:
        names = ", ".join(p.name for p in providers) or "none"
        raise SettingsError(
            f"no installed plugin can probe a provider (providers: {names}); a provider's plugin"
            " implements the reconciler_doctor hook to take part."
        )
    return DoctorReport(tuple(steps))


def confirm_write_probe(name: str, providers: Sequence[str]) -> None:
    """On a terminal, ask before the one write ``--write-probe`` makes; elsewhere the flag is
    the consent."""
    if not sys.stdin.isatty():
        return
    click.echo(
        f"--write-probe sends one update to {name!r} through {', '.join(providers)}: a few"
        " fields set to the values they have now, so nothing changes."
    )
    if click.prompt("  Only 'yes' will be accepted", default="", show_default=False) != "yes":
        raise ReconcilerError("Write probe cancelled; nothing was sent.")
