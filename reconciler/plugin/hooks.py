"""The typed facade between the core and ``pm.hook``.

Core code calls ``hooks.check_plan(plan, kinds)``, never ``pm.hook.reconciler_check_plan``,
so that mypy sees every call and its types. Every hook is called plugin by plugin
(:mod:`reconciler.plugin.hookcall`): a failure or a wrong return value is a
:class:`~reconciler.errors.PluginError` naming the plugin and the hook, and a problem or refusal
returned without ``plugin=`` is labelled with the plugin that returned it. The registration
hooks are collected one plugin at a time, so that a clash names both plugins, and cached: they
run once per process.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from reconciler.errors import PluginError
from reconciler.model import Change, DesiredState, DriftReport, Plan
from reconciler.plugin.hookcall import call_each, nothing, optional_mapping, records_of
from reconciler.plugin.manager import PluginInfo
from reconciler.plugin.registration import unmarked_hooks
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

if TYPE_CHECKING:
    import click  # the type of reconciler_add_commands' argument; never imported at run time

__all__ = ["Hooks"]

R = TypeVar("R")


class Hooks:
    """Every hook the core calls, with its real types."""

    def __init__(self, pm: pluggy.PluginManager, infos: Sequence[PluginInfo] = ()) -> None:
        self.pm = pm
        self.infos = tuple(infos)
        self._by_name = {info.name: info for info in self.infos}

    def describe(self, plugin_name: str) -> str:
        """How messages name a plugin: its name and where it came from."""
        info = self._by_name.get(plugin_name)
        return info.describe() if info is not None else f"plugin {plugin_name!r}"

    def _call(
        self, hook_name: str, check: Callable[[Any], R], /, **kwargs: Any
    ) -> list[tuple[str, R]]:
        return call_each(self.pm, hook_name, kwargs, check, self.describe)

    # Registration ---------------------------------------------------------------------------

    # Each registration hook runs once; these keep who returned what.

    @functools.cached_property
    def _kind_records(self) -> list[tuple[str, ResourceKind]]:
        return self._records("reconciler_resource_kinds", ResourceKind)

    @functools.cached_property
    def _provider_records(self) -> list[tuple[str, Provider]]:
        return self._records("reconciler_providers", Provider)

    @functools.cached_property
    def _reporter_records(self) -> list[tuple[str, Reporter]]:
        return self._records("reconciler_reporters", Reporter)

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
                    f"{self.describe(plugin)}: format {reporter.name!r} renders nothing; a Reporter"
                    " sets render_plan, render_drift or both."
                )
        return _unique(self._reporter_records, lambda r: r.name, "format")

    @functools.cached_property
    def settings_schemas(self) -> Mapping[str, Mapping[str, Any]]:
        """The JSON Schema of each plugin's own ``[plugins.<name>]`` table, by plugin name."""
        given = self._call("reconciler_settings_schema", optional_mapping)
        return {plugin: schema for plugin, schema in given if schema is not None}

    def published_schemas(self) -> dict[str, dict[str, Any]]:
        """Every JSON Schema ``reconciler schema`` prints, for these plugins, by file name."""
        from reconciler.documents.schemas import published_schemas
        from reconciler.settings.schema import settings_schema

        changing = [name for name, kind in self.resource_kinds.items() if kind.declarable]
        settings = settings_schema(self.providers, self.settings_schemas, changing)
        return published_schemas(self.resource_kinds, settings)

    def contributions(self) -> dict[str, list[str]]:
        """What each plugin contributes, as ``kind:institute``-style labels, for listings."""
        out: dict[str, list[str]] = {name: [] for name in self.plugin_names()}
        for plugin, kind in self._kind_records:
            out[plugin].append(f"kind:{kind.name}")
        for plugin, provider in self._provider_records:
            out[plugin].append(f"provider:{provider.name}")
        for plugin, reporter in self._reporter_records:
            out[plugin].append(f"format:{reporter.name}")
        for plugin in self.settings_schemas:
            out[plugin].append(f"settings:[plugins.{plugin}]")
        return out

    def plugin_names(self) -> list[str]:
        return [name for name, _ in self.pm.list_name_plugin()]

    def hooks_of(self, plugin_name: str) -> list[str]:
        plugin = self.pm.get_plugin(plugin_name)
        callers = self.pm.get_hookcallers(plugin) or []
        return sorted(caller.name for caller in callers)

    def warnings(self) -> list[str]:
        """Likely mistakes that are not errors: functions named like hooks without @hookimpl."""
        return [
            f"{self.describe(name)}: {warning}"
            for name, plugin in self.pm.list_name_plugin()
            for warning in unmarked_hooks(self.pm, plugin)
        ]

    def add_commands(self, cli: click.Group) -> None:
        """Let plugins add sub-commands; replacing a command that exists is an error."""
        caller = self.pm.hook.reconciler_add_commands
        for plugin in dict.fromkeys(i.plugin_name for i in reversed(caller.get_hookimpls())):
            before = dict(cli.commands)
            call_each(
                self.pm,
                "reconciler_add_commands",
                {"cli": cli},
                nothing,
                self.describe,
                only=plugin,
            )
            replaced = sorted(n for n, c in before.items() if cli.commands.get(n) is not c)
            if replaced:
                raise PluginError(
                    f"{self.describe(plugin)} replaced the command(s) {', '.join(replaced)};"
                    " a plugin may add commands but not take over existing ones: give its"
                    " command another name."
                )

    # Loading --------------------------------------------------------------------------------

    def configure(self, settings: Mapping[str, Mapping[str, Any]], base_dir: Path) -> None:
        """Hand each plugin its own ``[plugins.<name>]`` table (empty when there is none)."""
        call_each(
            self.pm,
            "reconciler_configure",
            {"base_dir": base_dir},
            nothing,
            self.describe,
            per_plugin=lambda plugin: {"settings": settings.get(plugin, {})},
        )

    def validate(self, state: DesiredState, kinds: Mapping[str, ResourceKind]) -> list[Problem]:
        found = self._call("reconciler_validate", records_of(Problem), state=state, kinds=kinds)
        return [_labelled(problem, plugin) for plugin, problems in found for problem in problems]

    # Planning -------------------------------------------------------------------------------

    def check_plan(self, plan: Plan, kinds: Mapping[str, ResourceKind]) -> list[Refusal]:
        found = self._call("reconciler_check_plan", records_of(Refusal), plan=plan, kinds=kinds)
        return [_labelled(refusal, plugin) for plugin, refusals in found for refusal in refusals]

    def after_report(self, report: Plan | DriftReport, refusals: Sequence[Refusal]) -> None:
        self._call("reconciler_after_report", nothing, report=report, refusals=tuple(refusals))

    # Applying -------------------------------------------------------------------------------

    def before_change(self, change: Change) -> None:
        self._call("reconciler_before_change", nothing, change=change)

    def after_change(self, outcome: ChangeOutcome) -> None:
        self._call("reconciler_after_change", nothing, outcome=outcome)

    def after_apply(self, result: ApplyResult) -> None:
        self._call("reconciler_after_apply", nothing, result=result)

    # Diagnosing -----------------------------------------------------------------------------

    def doctor(self, request: DoctorRequest) -> list[DoctorStep]:
        """Every step the plugins report for ``request.provider``, labelled with it.

        Plugin by plugin, in registration order, so that a wrong return value names its plugin.
        """
        found = self._call("reconciler_doctor", records_of(DoctorStep), request=request)
        found.reverse()  # registration order: the built-in provider's steps first
        return [
            dataclasses.replace(step, provider=request.provider)
            for _, steps in found
            for step in steps
        ]

    # ----------------------------------------------------------------------------------------

    def _records(self, hook_name: str, record_type: type[R]) -> list[tuple[str, R]]:
        """Call a registration hook plugin by plugin, keeping who returned what."""
        found = self._call(hook_name, records_of(record_type))
        # Registration order (built-ins first, local files last) decides which of two clashing
        # plugins a message names first.
        found.reverse()
        return [(plugin, record) for plugin, records in found for record in records]


def _labelled(record: R, plugin: str) -> R:
    """``record`` with ``plugin=`` set to the plugin that returned it, unless it says one."""
    if getattr(record, "plugin", None) is None:
        return dataclasses.replace(record, plugin=plugin)  # type: ignore[type-var]
    return record


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
