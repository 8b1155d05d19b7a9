"""The typed facade between the core and ``pm.hook``.

Core code calls ``hooks.check_plan(plan, kinds)``, never ``pm.hook.reconciler_check_plan``,
so that mypy sees every call and its types. The registration hooks are collected one plugin
at a time, so that a clash names both plugins, and cached: they run once per process.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import click
import pluggy

from reconciler.errors import PluginError
from reconciler.model import Change, DesiredState, DriftReport, Plan
from reconciler.plugins import PluginInfo
from reconciler.records import (
    ApplyResult,
    ChangeOutcome,
    DoctorRequest,
    DoctorStep,
    Problem,
    Provider,
    Refusal,
    Reporter,
    ResourceKind,
)

__all__ = ["Hooks"]

R = TypeVar("R")


class Hooks:
    """Every hook the core calls, with its real types."""

    def __init__(self, pm: pluggy.PluginManager, infos: Sequence[PluginInfo] = ()) -> None:
        self.pm = pm
        self.infos = tuple(infos)

    # Registration ---------------------------------------------------------------------------

    # Each registration hook runs once; these keep who returned what.

    @functools.cached_property
    def _kind_records(self) -> list[tuple[str, ResourceKind]]:
        return self._collect("reconciler_resource_kinds", ResourceKind)

    @functools.cached_property
    def _provider_records(self) -> list[tuple[str, Provider]]:
        return self._collect("reconciler_providers", Provider)

    @functools.cached_property
    def _reporter_records(self) -> list[tuple[str, Reporter]]:
        return self._collect("reconciler_reporters", Reporter)

    @functools.cached_property
    def resource_kinds(self) -> Mapping[str, ResourceKind]:
        """Kinds by name; two kinds with the same name or YAML section are a PluginError."""
        contributed = self._kind_records
        kinds = _unique(contributed, lambda k: k.name, "resource kind")
        _unique(contributed, lambda k: k.section, "YAML section")
        return kinds

    @functools.cached_property
    def providers(self) -> Mapping[str, Provider]:
        """Providers by name; a kind claimed by two providers is a PluginError."""
        contributed = self._provider_records
        providers = _unique(contributed, lambda p: p.name, "provider")
        claims = [(plugin, (kind, p)) for plugin, p in contributed for kind in p.kinds]
        _unique(claims, lambda kp: kp[0], "provider of kind")
        return providers

    @functools.cached_property
    def reporters(self) -> Mapping[str, Reporter]:
        """Reporters by format name; two of the same name, or one rendering nothing, are errors."""
        for plugin, reporter in self._reporter_records:
            if not reporter.renders:
                raise PluginError(
                    f"plugin {plugin!r}: format {reporter.name!r} renders nothing; a Reporter"
                    " sets render_plan, render_drift or both."
                )
        return _unique(self._reporter_records, lambda r: r.name, "format")

    def contributions(self) -> dict[str, list[str]]:
        """What each plugin contributes, as ``kind:institute``-style labels, for listings."""
        out: dict[str, list[str]] = {name: [] for name in self.plugin_names()}
        for plugin, kind in self._kind_records:
            out[plugin].append(f"kind:{kind.name}")
        for plugin, provider in self._provider_records:
            out[plugin].append(f"provider:{provider.name}")
        for plugin, reporter in self._reporter_records:
            out[plugin].append(f"format:{reporter.name}")
        return out

    def plugin_names(self) -> list[str]:
        return [name for name, _ in self.pm.list_name_plugin()]

    def hooks_of(self, plugin_name: str) -> list[str]:
        plugin = self.pm.get_plugin(plugin_name)
        callers = self.pm.get_hookcallers(plugin) or []
        return sorted(caller.name for caller in callers)

    def add_commands(self, cli: click.Group) -> None:
        """Let plugins add sub-commands; replacing a command that exists is an error."""
        before = dict(cli.commands)
        self.pm.hook.reconciler_add_commands(cli=cli)
        replaced = sorted(n for n, c in before.items() if cli.commands.get(n) is not c)
        if replaced:
            raise PluginError(
                f"a plugin replaced the command(s) {', '.join(replaced)}; a plugin may add"
                " commands but not take over existing ones."
            )

    # Loading --------------------------------------------------------------------------------

    def validate(self, state: DesiredState, kinds: Mapping[str, ResourceKind]) -> list[Problem]:
        results: list[Iterable[Problem]] = self.pm.hook.reconciler_validate(
            state=state, kinds=kinds
        )
        return [problem for problems in results for problem in problems]

    # Planning -------------------------------------------------------------------------------

    def check_plan(self, plan: Plan, kinds: Mapping[str, ResourceKind]) -> list[Refusal]:
        results: list[Iterable[Refusal]] = self.pm.hook.reconciler_check_plan(
            plan=plan, kinds=kinds
        )
        return [refusal for refusals in results for refusal in refusals]

    def after_report(self, report: Plan | DriftReport, refusals: Sequence[Refusal]) -> None:
        self.pm.hook.reconciler_after_report(report=report, refusals=tuple(refusals))

    # Applying -------------------------------------------------------------------------------

    def before_change(self, change: Change) -> None:
        self.pm.hook.reconciler_before_change(change=change)

    def after_change(self, outcome: ChangeOutcome) -> None:
        self.pm.hook.reconciler_after_change(outcome=outcome)

    def after_apply(self, result: ApplyResult) -> None:
        self.pm.hook.reconciler_after_apply(result=result)

    # Diagnosing -----------------------------------------------------------------------------

    def doctor(self, request: DoctorRequest) -> list[DoctorStep]:
        """Every step the plugins report for ``request.provider``, labelled with it.

        Plugin by plugin, in registration order, so that a wrong return value names its plugin.
        """
        steps = []
        arguments = {"request": request}
        for impl in self.pm.hook.reconciler_doctor.get_hookimpls():
            result: Any = impl.function(*(arguments[name] for name in impl.argnames))
            for step in result or ():
                if not isinstance(step, DoctorStep):
                    raise PluginError(
                        f"plugin {impl.plugin_name!r}: reconciler_doctor returned {step!r}"
                        f" for provider {request.provider!r}, not a DoctorStep."
                    )
                steps.append(dataclasses.replace(step, provider=request.provider))
        return steps

    # ----------------------------------------------------------------------------------------

    def _collect(self, hook_name: str, record_type: type[R]) -> list[tuple[str, R]]:
        """Call a registration hook plugin by plugin, keeping who returned what."""
        caller = getattr(self.pm.hook, hook_name)
        collected: list[tuple[str, R]] = []
        # get_hookimpls() lists in registration order: built-ins first, local files last.
        for impl in caller.get_hookimpls():
            records: Any = impl.function()
            for record in records or ():
                if not isinstance(record, record_type):
                    raise PluginError(
                        f"plugin {impl.plugin_name!r}: {hook_name} returned {record!r},"
                        f" not a {record_type.__name__}."
                    )
                collected.append((impl.plugin_name, record))
        return collected


def _unique(
    contributed: Sequence[tuple[str, R]], key: Callable[[R], str], what: str
) -> dict[str, R]:
    """Index records by ``key``; the same key from two plugins names both in the error."""
    out: dict[str, R] = {}
    owner: dict[str, str] = {}
    for plugin, record in contributed:
        name = key(record)
        if name in out:
            raise PluginError(
                f"{what} {name!r} is contributed by both plugin {owner[name]!r} and plugin"
                f" {plugin!r}; disable one of them by name in the project settings."
            )
        out[name] = record
        owner[name] = plugin
    return out
