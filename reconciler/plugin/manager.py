"""Building the plugin manager: built-ins first, then installed plugins, then local files.

Built-in plugins are found through the ``reconciler.plugins`` entry point exactly as a
third-party package's are; nothing in the core names them. pluggy's own entry-point loader
silently skips a second plugin of the same name, so the loading is done here, where a clash can
be reported with both sources named.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

import pluggy

from reconciler.errors import PluginError
from reconciler.plugin import hookspecs
from reconciler.plugin.registration import registration_problems

__all__ = [
    "AUTOLOAD_VAR",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "build_plugin_manager",
    "given_plugins",
]

ENTRY_POINT_GROUP = "reconciler.plugins"

#: Set (to anything but the empty string), only this project's own entry points load, not
#: those of every installed package: pytest's ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``, for tests
#: and for a run that must not see what else is installed. The test fixtures set it.
AUTOLOAD_VAR = "RECONCILER_DISABLE_PLUGIN_AUTOLOAD"

#: Plugin objects every plugin manager built in this context registers too (see
#: :func:`given_plugins`): how a test gives its own plugin to an in-process command line.
_GIVEN: contextvars.ContextVar[tuple[tuple[str, object], ...]] = contextvars.ContextVar(
    "reconciler_given_plugins", default=()
)


@contextlib.contextmanager
def given_plugins(plugins: Sequence[tuple[str, object]]) -> Iterator[None]:
    """Register these ``(name, plugin)`` pairs in every plugin manager built inside the block."""
    token = _GIVEN.set(tuple(plugins))
    try:
        yield
    finally:
        _GIVEN.reset(token)


#: The distribution whose entry points are this project's own built-ins: they load first.
_OWN_DISTRIBUTION = "reconciler"


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """Where a loaded plugin came from, for ``reconciler plugins`` and clash messages."""

    name: str
    source: str
    module: str

    def describe(self) -> str:
        """``plugin 'mine' (local file policies/mine.py)``: how messages name a plugin."""
        return f"plugin {self.name!r} ({self.source})"


def build_plugin_manager(
    *,
    entry_points_group: str | None = ENTRY_POINT_GROUP,
    plugins: Sequence[tuple[str, object]] = (),
    local_files: Sequence[Path] = (),
    disabled: Iterable[str] = (),
    autoload: bool | None = None,
) -> tuple[pluggy.PluginManager, tuple[PluginInfo, ...]]:
    """Return a plugin manager with every plugin registered, and where each came from.

    ``entry_points_group`` is the entry-point group to load (``None`` loads none: tests pass
    exactly the plugins they want in ``plugins``, as ``(name, module_or_object)`` pairs).
    ``autoload=False`` loads only this project's own entry points, the built-ins; by default
    every installed package's load, unless :data:`AUTOLOAD_VAR` is set.
    ``local_files`` are Python files named in the project settings. A name in ``disabled`` is
    neither imported nor registered; naming a plugin that does not exist is an error, since a
    typo there would silently keep a plugin the user meant to turn off.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    disabled_names = set(disabled)
    seen: dict[str, PluginInfo] = {}
    infos: list[PluginInfo] = []
    refused: list[str] = []

    def register(info: PluginInfo, load: Callable[[], object]) -> None:
        """Register what ``load`` returns; a disabled plugin is never even imported."""
        if info.name in seen:
            raise PluginError(
                f"two plugins are named {info.name!r}: {seen[info.name].source} and"
                f" {info.source}. Uninstall one of them, or disable one by name in the project"
                " settings."
            )
        seen[info.name] = info
        if info.name in disabled_names:
            return
        plugin = load()
        problems = registration_problems(pm, plugin)
        if problems:
            refused.append("\n".join([f"{info.describe()}:", *(f"    {p}" for p in problems)]))
            return
        try:
            pm.register(plugin, name=info.name)
        except pluggy.PluginValidationError as exc:  # pragma: no cover - caught above
            raise PluginError(f"{info.describe()}: {exc}") from None
        infos.append(info)

    if entry_points_group is not None:
        found = entry_points(group=entry_points_group)
        own = [ep for ep in found if _distribution(ep) == _OWN_DISTRIBUTION]
        if autoload is None:
            autoload = not os.environ.get(AUTOLOAD_VAR)
        others = sorted((ep for ep in found if ep not in own), key=lambda ep: ep.name)
        if not autoload:
            others = []
        for ep in [*own, *others]:
            source = f"entry point {ep.value!r} of {_distribution(ep) or 'an unknown package'}"
            info = PluginInfo(name=ep.name, source=source, module=ep.module)
            register(info, functools.partial(_load_entry_point, ep, source))
    for name, plugin in [*plugins, *_GIVEN.get()]:
        module = getattr(plugin, "__name__", type(plugin).__name__)
        register(PluginInfo(name, "given directly", module), functools.partial(_given, plugin))
    for path in local_files:
        info = PluginInfo(path.stem, f"local file {path}", f"reconciler_local_{path.stem}")
        register(info, functools.partial(_load_file, path))

    unknown = disabled_names - seen.keys()
    if unknown:
        raise PluginError(
            f"cannot disable {', '.join(sorted(unknown))}: no plugin of that name is installed"
            f" (loaded: {', '.join(sorted(seen))})."
        )
    if refused:
        raise PluginError(
            "\n".join(
                [
                    "cannot register the plugin(s) below; fix them, or disable them by name"
                    " under [plugins] disable in reconciler.toml:",
                    *(f"  {r}" for r in refused),
                ]
            )
        )
    return pm, tuple(infos)


def _distribution(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return None if dist is None else str(dist.name)


def _given(plugin: object) -> object:
    return plugin


def _load_entry_point(ep: EntryPoint, source: str) -> object:
    try:
        return ep.load()
    except Exception as exc:
        raise PluginError(f"cannot load plugin {ep.name!r} ({source}): {exc}") from exc


def _load_file(path: Path) -> ModuleType:
    """Import a local plugin file under a private module name, so it shadows nothing."""
    if not path.is_file():
        raise PluginError(f"local plugin file {path} does not exist; check the project settings.")
    module_name = f"reconciler_local_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import local plugin file {path}: not a Python file.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise PluginError(f"cannot import local plugin file {path}: {exc}") from exc
    return module
