"""The steps of the pipeline over one config directory, each small and delegating.

``load`` (YAML and validation, no network), ``refresh`` (live state through the providers),
``plan`` (the pure diff) or ``drift`` (the same diff, as a report), ``refusals`` (safety guards
and policies) and ``apply``. :class:`~reconciler.pipeline.project.Project` adds the runs that
call them in order; the command line calls those.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from reconciler.collector import gc_paused
from reconciler.engine.applying import OnOutcome, apply_plan
from reconciler.engine.dependencies import check_declared, kind_levels, needed_kinds, scopes
from reconciler.engine.drift import make_drift
from reconciler.engine.envneeds import check_sendable
from reconciler.engine.journal import ApplyJournal, default_directory
from reconciler.engine.livechecks import live_problems
from reconciler.engine.planning import make_plan
from reconciler.engine.targeting import select
from reconciler.errors import ConfigError, PlanRefused, SettingsError
from reconciler.loading import read_desired
from reconciler.loading.envaccess import BUILTIN_CREDENTIALS, EnvAccess
from reconciler.model import Action, DesiredState, DriftReport, LiveObject, Plan
from reconciler.plugin.hooks import Hooks
from reconciler.plugin.manager import build_plugin_manager
from reconciler.plugin.unmarked import unmarked_local_hooks
from reconciler.records import (
    ApplyResult,
    Problem,
    Provider,
    ProviderContext,
    ProviderSession,
    ReadProgress,
    Refusal,
    ResourceKind,
)
from reconciler.settings.config import SETTINGS_FILE, Settings, read_settings
from reconciler.settings.environments import Environment, environment
from reconciler.settings.guards import Overrides, ProtectBase, check_safety
from reconciler.settings.ignoring import check_ignore_rules
from reconciler.settings.options import option_problems
from reconciler.settings.ownership import drift_pending, without_unmanaged
from reconciler.settings.safety import kind_table_problems

__all__ = ["NO_LOCAL_PLUGINS_VAR", "Steps"]

#: Set (to anything but 0) by ``--no-local-plugins``: load no Python file from the config
#: directory, whatever its settings say (for pull requests from forks).
NO_LOCAL_PLUGINS_VAR = "RECONCILER_NO_LOCAL_PLUGINS"

# Named as the project's module, where the steps are used from: what the log lines say, and
# what a logging filter names, does not depend on which module a step lives in.
log = logging.getLogger("reconciler.pipeline.project")


@dataclass
class Steps:
    """The config at ``path``, its settings, its plugins and the environment it runs in, and
    each step of the pipeline over it (see the module's docstring)."""

    path: Path
    settings: Settings
    hooks: Hooks
    environ: dict[str, str] = field(repr=False)
    #: Problems of ``reconciler.toml`` itself, reported by :meth:`load` with the YAML's.
    settings_problems: Sequence[Problem] = ()
    #: The local plugin files not loaded (``--no-local-plugins``), as the settings name them.
    skipped_plugins: tuple[str, ...] = ()
    _environment: Environment | None = field(default=None, init=False, repr=False)

    def environment(self) -> Environment:
        """The bases the configuration extends and its vars, read once (see
        :mod:`reconciler.settings.environments`)."""
        if self._environment is None:
            self._environment = environment(self.settings)
        return self._environment

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        environ: Mapping[str, str] | None = None,
        entry_points_group: str | None = "reconciler.plugins",
        plugins: Sequence[tuple[str, object]] = (),
    ) -> Self:
        """Read the settings beside ``path`` and build the plugin manager they describe."""
        if not path.exists():
            raise SettingsError(f"{path}: no such file or directory.")
        settings, problems = read_settings(path)
        env = dict(os.environ if environ is None else environ)
        local_files = settings.local_plugins
        skipped: tuple[str, ...] = ()
        if local_files and env.get(NO_LOCAL_PLUGINS_VAR, "") not in ("", "0"):
            # An untrusted pull request may add a Python file and name it in the settings.
            log.warning(
                "not loading the project's local plugins (%s is set): %s",
                NO_LOCAL_PLUGINS_VAR,
                ", ".join(str(p) for p in local_files),
            )
            skipped = tuple(_shown_path(p, settings.base_dir) for p in local_files)
            local_files = ()
        pm, infos = build_plugin_manager(
            entry_points_group=entry_points_group,
            plugins=plugins,
            local_files=local_files,
            disabled=settings.disabled_plugins,
        )
        return cls(path, settings, Hooks(pm, infos), env, tuple(problems), skipped)

    @classmethod
    def open_or_default(cls, path: Path) -> Self:
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

    def check_local_plugins(self) -> None:
        """Raise every local plugin function named like a hook without ``@hookimpl``."""
        problems = unmarked_local_hooks(self.hooks)
        if problems:
            raise ConfigError(problems)

    def env_access(self, *, require: bool = False) -> EnvAccess:
        """What the configuration's ``${env:NAME}`` may read: never a credential variable.

        With ``require``, an unset variable is an error (``validate --require-env``);
        otherwise a value is needed only when a change must send it.
        """
        declared = (v for p in self.hooks.providers.values() for v in p.credential_variables)
        allow = self.settings.env_allow
        return EnvAccess(
            self.environ,
            tuple(dict.fromkeys([*BUILTIN_CREDENTIALS, *declared])),
            allow,
            require,
            str(self.settings.locate("env", "allow")) if allow is not None else "",
        )

    def load(self, *, require_env: bool = False) -> DesiredState:
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
        problems = [
            *self.settings_problems,
            *options,
            *unmarked_local_hooks(self.hooks),
            *kind_table_problems(settings.safety, self.kinds, settings.locate),
        ]
        # A plugin whose table has problems is configured with none: it is not used this run.
        broken = {p.plugin for p in options if p.plugin is not None}
        self.hooks.configure(
            {k: v for k, v in settings.plugin_settings.items() if k not in broken},
            settings.base_dir,
        )
        with gc_paused():
            env = self.environment()
            state, found = read_desired(
                self.path,
                self.kinds,
                self.env_access(require=require_env),
                secret_files=[*settings.secret_files, *env.vars_files],
                bases=env.bases,
                variables=env.variables,
                vars_where=env.vars_where,
            )
            problems += env.problems
            problems += found
            problems += settings.ownership.problems(state)
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
    def sandbox(
        self, kinds: Collection[str], *, reset: bool = False, tls: bool = False
    ) -> Iterator[None]:
        """Run the local emulators of the providers of ``kinds`` and point them at those.

        ``tls`` asks each emulator to serve https; it is passed only when asked for, so a
        plugin's factory written before the option still starts without it.
        """
        with contextlib.ExitStack() as stack:
            started = False
            providers = {p.name: p for p in map(self.provider_for, sorted(kinds))}
            for provider in providers.values():
                if provider.sandbox is None:
                    continue
                if tls and not _takes_tls(provider.sandbox):
                    raise SettingsError(
                        f"--tls: the sandbox of provider {provider.name!r} cannot serve https;"
                        " run it without --tls."
                    )
                started_env = (
                    provider.sandbox(self.path, reset=reset, tls=True)
                    if tls
                    else provider.sandbox(self.path, reset=reset)
                )
                self.environ.update(stack.enter_context(started_env))
                started = True
            if not started:
                raise SettingsError(
                    "--sandbox: no provider of the kinds this configuration declares"
                    f" ({', '.join(sorted(kinds)) or 'none'}) offers a sandbox."
                )
            yield

    def tenants(self, kinds: Collection[str]) -> dict[str, str]:
        """Each provider of ``kinds`` by name, with the tenant it points at (a base URL).

        Providers that cannot say, or whose settings name none, are left out.
        """
        out: dict[str, str] = {}
        for provider in {p.name: p for p in map(self.provider_for, sorted(kinds))}.values():
            if provider.tenant is None:
                continue
            context = ProviderContext(
                options=self.settings.providers.get(provider.name, {}),
                environ=self.environ,
                parallelism=self.settings.parallelism,
                base_dir=self.settings.base_dir,
            )
            tenant = provider.tenant(context)
            if tenant:
                out[provider.name] = tenant
        return out

    def needed_kinds(self, desired: DesiredState) -> list[str]:
        """The kinds ``desired`` declares or tombstones, and the kinds they refer to."""
        return needed_kinds(desired, self.kinds)

    @contextlib.asynccontextmanager
    async def sessions(
        self, kinds: Collection[str], *, progress: ReadProgress | None = None
    ) -> AsyncIterator[dict[str, ProviderSession]]:
        """Open one session per provider of ``kinds``, and map each kind to its session.

        Only the kinds a configuration declares (:attr:`DesiredState.kinds`) or a plan changes
        are connected: a configuration of a plugin's own kind needs no other provider's
        settings or credentials. ``progress`` is handed to each provider (``export`` shows it).
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
                        progress=progress,
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
        targets: Sequence[str] = (),
        excludes: Sequence[str] = (),
    ) -> Plan:
        """The plan; ``targets`` and ``excludes`` (:mod:`reconciler.engine.targeting`) narrow it."""
        # Live objects outside the directory's [scope] belong to another: never planned.
        live = self.settings.ownership.in_scope(live, desired.kinds)
        targeting = None
        selected: frozenset[str] = frozenset()
        if targets or excludes:
            selected, targeting = select(desired, live, self.kinds, targets, excludes)
        the_plan = make_plan(
            desired, live, self.kinds, targets=selected, ignore=self.settings.ignore
        )
        if targeting is not None:
            the_plan = dataclasses.replace(the_plan, targeting=targeting)
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
        only_managed: bool = False,
    ) -> DriftReport:
        """The drift of the objects in scope; unmanaged ones left out with ``only_managed`` or
        ``[drift] unmanaged = "ignore"``."""
        ownership = self.settings.ownership
        live = ownership.in_scope(live, desired.kinds)
        report = make_drift(
            desired, live, self.kinds, ignore=self.settings.ignore, generated_at=generated_at
        )
        if only_managed or ownership.unmanaged == "ignore":
            report = without_unmanaged(report)
        return report

    def drift_pending(self, report: DriftReport) -> bool:
        """Whether ``report`` makes ``drift`` exit 2 (unmanaged objects only with "fail")."""
        return drift_pending(report, self.settings.ownership.unmanaged)

    def refusals(
        self,
        plan: Plan,
        *,
        allow_delete: bool = False,
        overrides: Overrides | None = None,
        base: ProtectBase | None = None,
    ) -> list[Refusal]:
        """Every reason a safety guard or a policy plugin gives not to apply ``plan``.

        ``overrides`` are the command line's one-shot ones; ``base`` what ``[safety] protect``
        said before this change (see :meth:`protect_base`).
        """
        given = overrides or Overrides()
        given = dataclasses.replace(
            given, allow_delete=given.allow_delete or allow_delete or self.settings.allow_delete
        )
        refusals = check_safety(
            plan,
            self.settings.safety,
            plan.live_counts,
            overrides=given,
            read_only={name for name, kind in self.kinds.items() if not kind.declarable},
            base=base,
        )
        return refusals + self.hooks.check_plan(plan, self.kinds)

    def protect_base(self, plan: Plan) -> ProtectBase | None:
        """What ``[safety] protect`` said at the git merge base, when ``plan`` deletes anything."""
        if not any(c.action is Action.DELETE for c in plan.changes):
            return None
        from reconciler.engine.protectbase import protect_at_base

        return protect_at_base(self.settings.base_dir / SETTINGS_FILE, self.environ)

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
        check_sendable(plan)
        return True

    def journal(self, kinds: Collection[str]) -> ApplyJournal:
        """The apply journal of the tenants of ``kinds`` (:mod:`reconciler.engine.journal`)."""
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
        check_sendable(plan)  # already checked before any prompt; never a write without it
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


def _shown_path(path: Path, base_dir: Path) -> str:
    """A local plugin's file as the settings name it: relative to the project's directory."""
    try:
        return str(path.relative_to(base_dir))
    except ValueError:
        return str(path)


def _tenant_names(project: Steps, kinds: Collection[str]) -> dict[str, str]:
    """Each kind's tenant, as its provider names it (kinds of a provider that does not: none)."""
    named = project.tenants(kinds)
    names: dict[str, str] = {}
    for kind in sorted(kinds):
        provider = project.provider_for(kind)
        if provider.name in named:
            names[kind] = f"{provider.name} {named[provider.name]}"
    return names


def _problem_order(problem: Problem) -> tuple[str, int, int, str]:
    loc = problem.location
    return (loc.file, loc.line, loc.column, problem.message) if loc else ("", 0, 0, problem.message)


def _takes_tls(factory: Callable[..., object]) -> bool:
    """Whether a plugin's sandbox factory accepts ``tls`` (newer than the option, or not)."""
    import inspect

    parameters = inspect.signature(factory).parameters.values()
    return any(p.name == "tls" or p.kind is p.VAR_KEYWORD for p in parameters)
