"""Building the plugin manager: built-ins first, then installed plugins, then local files.

Built-in plugins are found through the ``reconciler.plugins`` entry point exactly as a
third-party package's are; nothing in the core names them. pluggy's own entry-point loader
silently skips a second plugin of the same name, so the loading is done here, where a clash can
be reported with both sources named.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

import pluggy

from reconciler import hookspecs
from reconciler.errors import PluginError
from reconciler.registration import registration_problems

__all__ = ["ENTRY_POINT_GROUP", "PluginInfo", "build_plugin_manager"]

ENTRY_POINT_GROUP = "reconciler.plugins"

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
) -> tuple[pluggy.PluginManager, tuple[PluginInfo, ...]]:
    """Return a plugin manager with every plugin registered, and where each came from.

    ``entry_points_group`` is the entry-point group to load (``None`` loads none: tests pass
    exactly the plugins they want in ``plugins``, as ``(name, module_or_object)`` pairs).
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
        others = sorted((ep for ep in found if ep not in own), key=lambda ep: ep.name)
        for ep in [*own, *others]:
            source = f"entry point {ep.value!r} of {_distribution(ep) or 'an unknown package'}"
            info = PluginInfo(name=ep.name, source=source, module=ep.module)
            register(info, functools.partial(_load_entry_point, ep, source))
    for name, plugin in plugins:
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
