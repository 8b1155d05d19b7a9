"""A project: one config directory with its settings and plugins, and the pipeline over it.

The command line builds a :class:`Project` and calls its steps in order: ``load`` (YAML and
validation, no network), ``refresh`` (live state through the providers), ``plan`` (the pure
diff) or ``drift`` (the same diff, as a report), ``check`` (safety guards and policies) and
``apply``. Each step is small and delegates;
this is the one place that knows their order.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.applying import OnOutcome, apply_plan
from reconciler.collector import gc_paused
from reconciler.dependencies import check_declared, kind_levels, needed_kinds, scopes
from reconciler.drift import make_drift
from reconciler.errors import ConfigError, PlanRefused, SettingsError
from reconciler.guards import check_safety
from reconciler.hooks import Hooks
from reconciler.ignoring import check_ignore_rules
from reconciler.journal import ApplyJournal, default_directory
from reconciler.livechecks import live_problems
from reconciler.loading import read_desired
from reconciler.model import DesiredState, DriftReport, LiveObject, Plan
from reconciler.options import option_problems
from reconciler.planning import make_plan
from reconciler.plugins import build_plugin_manager
from reconciler.records import (
    ApplyResult,
    Problem,
    Provider,
    ProviderContext,
    ProviderSession,
    Refusal,
    ResourceKind,
)
from reconciler.settings import Settings, read_settings

__all__ = ["Project"]

#: Set (to anything but 0) by ``--no-local-plugins``: load no Python file from the config
#: directory, whatever its settings say (for pull requests from forks).
NO_LOCAL_PLUGINS_VAR = "RECONCILER_NO_LOCAL_PLUGINS"

log = logging.getLogger(__name__)


@dataclass
class Project:
    """The config at ``path``, its settings, its plugins and the environment it runs in."""

    path: Path
    settings: Settings
    hooks: Hooks
    environ: dict[str, str] = field(repr=False)
    #: Problems of ``reconciler.toml`` itself, reported by :meth:`load` with the YAML's.
    settings_problems: Sequence[Problem] = ()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        environ: Mapping[str, str] | None = None,
        entry_points_group: str | None = "reconciler.plugins",
        plugins: Sequence[tuple[str, object]] = (),
    ) -> Project:
        """Read the settings beside ``path`` and build the plugin manager they describe."""
        if not path.exists():
            raise SettingsError(f"{path}: no such file or directory.")
        settings, problems = read_settings(path)
        env = dict(os.environ if environ is None else environ)
        local_files = settings.local_plugins
        if local_files and env.get(NO_LOCAL_PLUGINS_VAR, "") not in ("", "0"):
            # An untrusted pull request may add a Python file and name it in the settings.
            log.warning(
                "not loading the project's local plugins (%s is set): %s",
                NO_LOCAL_PLUGINS_VAR,
                ", ".join(str(p) for p in local_files),
            )
            local_files = ()
        pm, infos = build_plugin_manager(
            entry_points_group=entry_points_group,
            plugins=plugins,
            local_files=local_files,
            disabled=settings.disabled_plugins,
        )
        return cls(path, settings, Hooks(pm, infos), env, tuple(problems))

    @classmethod
    def open_or_default(cls, path: Path) -> Project:
        """The project at ``path``, or one with default settings where nothing exists yet."""
        if path.exists():
            return cls.open(path)
        pm, infos = build_plugin_manager()
        settings = Settings(base_dir=path)
        return cls(path=path, settings=settings, hooks=Hooks(pm, infos), environ=dict(os.environ))

    @property
    def kinds(self) -> Mapping[str, ResourceKind]:
        return self.hooks.resource_kinds

    # Load -----------------------------------------------------------------------------------

    def load(self) -> DesiredState:
        """Check the settings, read and check the YAML; raise every problem at once.

        Every stage runs whatever an earlier one found, so that one ``validate`` reports it
        all: the settings (the core's tables, then each provider's and plugin's against its
        schema), the YAML and each object's schema, then the plugins' cross-object checks on
        the objects that passed their schema. No network.
        """
        kind_levels(self.kinds)  # references to unknown kinds, or in a cycle: a PluginError
        settings = self.settings
        options = option_problems(
            settings,
            self.hooks.providers,
            # A local plugin left out (--no-local-plugins) still owns its table.
            [
                *self.hooks.plugin_names(),
                *settings.disabled_plugins,
                *(p.stem for p in settings.local_plugins),
            ],
            self.hooks.settings_schemas,
        )
        problems = [*self.settings_problems, *options]
        # A plugin whose table has problems is configured with none: it is not used this run.
        broken = {p.plugin for p in options if p.plugin is not None}
        self.hooks.configure(
            {k: v for k, v in settings.plugin_settings.items() if k not in broken},
            settings.base_dir,
        )
        with gc_paused():
            state, found = read_desired(
                self.path, self.kinds, self.environ, secret_files=settings.secret_files
            )
            problems += found
            problems += check_ignore_rules(settings.ignore, state, self.kinds)
            problems += check_declared(state, self.kinds)
            problems += self.hooks.validate(state, self.kinds)
            if not problems:
                # The loaded state lives as long as the command. Frozen, it is no longer walked
                # by every collection of what the listing and the plan allocate (a sixth of a
                # 10,000-object plan's time went there); it is still freed by reference
                # counting. Frozen before collection resumes: the first collection would
                # otherwise walk everything loading made, once, for nothing.
                gc.freeze()
        if problems:
            raise ConfigError(sorted(dict.fromkeys(problems), key=_problem_order))
        return state

    # Refresh --------------------------------------------------------------------------------

    def provider_for(self, kind: str) -> Provider:
        for provider in self.hooks.providers.values():
            if kind in provider.kinds:
                return provider
        raise SettingsError(
            f"no provider serves the kind {kind!r}; is the plugin that provides it disabled?"
        )

    @contextlib.contextmanager
    def sandbox(self, kinds: Collection[str], *, reset: bool = False) -> Iterator[None]:
        """Run the local emulators of the providers of ``kinds`` and point them at those."""
        with contextlib.ExitStack() as stack:
            started = False
            providers = {p.name: p for p in map(self.provider_for, sorted(kinds))}
            for provider in providers.values():
                if provider.sandbox is None:
                    continue
                self.environ.update(stack.enter_context(provider.sandbox(self.path, reset=reset)))
                started = True
            if not started:
                raise SettingsError(
                    "--sandbox: no provider of the kinds this configuration declares"
                    f" ({', '.join(sorted(kinds)) or 'none'}) offers a sandbox."
                )
            yield

    def needed_kinds(self, desired: DesiredState) -> list[str]:
        """The kinds ``desired`` declares or tombstones, and the kinds they refer to."""
        return needed_kinds(desired, self.kinds)

    @contextlib.asynccontextmanager
    async def sessions(self, kinds: Collection[str]) -> AsyncIterator[dict[str, ProviderSession]]:
        """Open one session per provider of ``kinds``, and map each kind to its session.

        Only the kinds a configuration declares (:attr:`DesiredState.kinds`) or a plan changes
        are connected: a configuration of a plugin's own kind needs no other provider's
        settings or credentials.
        """
        async with contextlib.AsyncExitStack() as stack:
            by_provider: dict[str, ProviderSession] = {}
            out: dict[str, ProviderSession] = {}
            for kind in sorted(kinds):
                provider = self.provider_for(kind)
                if provider.name not in by_provider:
                    context = ProviderContext(
                        options=self.settings.providers.get(provider.name, {}),
                        environ=self.environ,
                        parallelism=self.settings.parallelism,
                        base_dir=self.settings.base_dir,
                    )
                    by_provider[provider.name] = await stack.enter_async_context(
                        provider.connect(context)
                    )
                out[kind] = by_provider[provider.name]
            yield out

    async def refresh(
        self, sessions: Mapping[str, ProviderSession], desired: DesiredState | None = None
    ) -> dict[str, Sequence[LiveObject]]:
        """The live objects of each kind that has a session, the kinds fetched concurrently.

        Each kind ``desired`` declares is read within its :class:`Scope`, so that a provider
        reads no more than the plan needs; a kind that is only referred to is read whole.
        """
        import asyncio  # loaded already: this runs in its event loop

        started = time.monotonic()
        names = sorted(sessions)
        scope = scopes(desired, self.kinds) if desired is not None else {}
        # The listing makes tens of thousands of objects that live as long as the command,
        # and frees almost none: collections during it walk them for nothing, so it runs
        # without, and what it made is frozen like the loaded state (the few cycles a retry's
        # exception may leave behind are then kept until the command ends).
        with gc_paused():
            listed = await asyncio.gather(
                *(sessions[n].list(self.kinds[n], scope.get(n)) for n in names)
            )
            gc.freeze()
        log.info(
            "refresh: %s in %.2fs",
            ", ".join(f"{len(objs)} {n}(s)" for n, objs in zip(names, listed, strict=True)),
            time.monotonic() - started,
        )
        return dict(zip(names, listed, strict=True))

    # Plan and check -------------------------------------------------------------------------

    def plan(
        self,
        desired: DesiredState,
        live: Mapping[str, Sequence[LiveObject]],
        *,
        targets: Collection[str] = (),
    ) -> Plan:
        declared = {o.address for o in desired.objects} if targets else set()
        unknown = sorted(set(targets) - declared)
        if unknown:
            raise SettingsError(
                f"--target {', '.join(unknown)}: not declared in {self.path};"
                " a target is KIND.NAME, e.g. institute.pe."
            )
        the_plan = make_plan(
            desired, live, self.kinds, targets=targets, ignore=self.settings.ignore
        )
        problems = live_problems(the_plan, live, self.kinds)
        if problems:
            raise ConfigError(sorted(problems, key=_problem_order))
        return the_plan

    def drift(
        self,
        desired: DesiredState,
        live: Mapping[str, Sequence[LiveObject]],
        *,
        generated_at: str = "",
    ) -> DriftReport:
        return make_drift(
            desired, live, self.kinds, ignore=self.settings.ignore, generated_at=generated_at
        )

    def refusals(self, plan: Plan, *, allow_delete: bool = False) -> list[Refusal]:
        """Every reason a safety guard or a policy plugin gives not to apply ``plan``."""
        refusals = check_safety(
            plan,
            allow_delete=allow_delete or self.settings.allow_delete,
            max_change_share=self.settings.max_change_share,
        )
        return refusals + self.hooks.check_plan(plan, self.kinds)

    def check(self, plan: Plan, *, allow_delete: bool = False) -> None:
        """Raise PlanRefused when a safety guard or a policy plugin refuses ``plan``."""
        refusals = self.refusals(plan, allow_delete=allow_delete)
        if refusals:
            raise PlanRefused(refusals)

    def ready_to_apply(self, plan: Plan, refusals: Sequence[Refusal]) -> bool:
        """Whether ``plan`` goes on to apply; raises PlanRefused when it was refused.

        A refused plan and an empty one end the apply here: ``reconciler_after_apply`` is told
        so (with the refusals, or with nothing to do) first.
        """
        if refusals:
            self.hooks.after_apply(ApplyResult((), refusals=tuple(refusals)))
            raise PlanRefused(refusals)
        if plan.empty:
            self.hooks.after_apply(ApplyResult(()))
            return False
        return True

    def journal(self, kinds: Collection[str]) -> ApplyJournal:
        """The apply journal of the tenants of ``kinds`` (:mod:`reconciler.journal`)."""
        directory = self.settings.journal or default_directory(self.environ)
        return ApplyJournal(directory, _tenant_names(self, kinds))

    async def apply(
        self,
        plan: Plan,
        sessions: Mapping[str, ProviderSession],
        *,
        on_outcome: OnOutcome | None = None,
        should_stop: Callable[[], str | None] | None = None,
        reread: bool = False,
        planned: Mapping[str, LiveObject | None] | None = None,
    ) -> ApplyResult:
        started = time.monotonic()
        journal = self.journal({change.kind for change in plan.changes})
        result = await apply_plan(
            plan,
            sessions,
            self.kinds,
            self.hooks,
            parallelism=self.settings.parallelism,
            on_outcome=on_outcome,
            should_stop=should_stop,
            reread=reread,
            journal=journal,
            planned=planned,
        )
        log.info("apply: %d change(s) in %.2fs", len(result.outcomes), time.monotonic() - started)
        return result


def _tenant_names(project: Project, kinds: Collection[str]) -> dict[str, str]:
    """Each kind's tenant, as its provider names it (kinds of a provider that does not: none)."""
    names: dict[str, str] = {}
    for kind in sorted(kinds):
        provider = project.provider_for(kind)
        if provider.tenant is None:
            continue
        context = ProviderContext(
            options=project.settings.providers.get(provider.name, {}),
            environ=project.environ,
            parallelism=project.settings.parallelism,
            base_dir=project.settings.base_dir,
        )
        tenant = provider.tenant(context)
        if tenant:
            names[kind] = f"{provider.name} {tenant}"
    return names


def _problem_order(problem: Problem) -> tuple[str, int, int, str]:
    loc = problem.location
    return (loc.file, loc.line, loc.column, problem.message) if loc else ("", 0, 0, problem.message)
