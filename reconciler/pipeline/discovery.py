"""Which project a command runs in, for the commands that take no config PATH.

``reconciler schema``, ``reconciler plugins`` and the plugins' own commands see a project's
local plugins (and not its disabled ones) when they run inside it: the project named with
``--config PATH`` (its directory, or its ``reconciler.toml``), else the current directory when
it holds a ``reconciler.toml``. Outside a project they see the installed plugins alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reconciler.errors import SettingsError
from reconciler.plugin.hooks import Hooks
from reconciler.plugin.manager import build_plugin_manager
from reconciler.settings.config import SETTINGS_FILE

__all__ = ["config_in_argv", "find_project", "project_hooks"]

CONFIG_OPTION = "--config"


def find_project(config: Path | None, cwd: Path | None = None) -> Path | None:
    """The project directory that ``--config`` names, or the current one if it is a project."""
    if config is not None:
        if config.is_file() and config.name == SETTINGS_FILE:
            return config.parent
        if config.is_dir():
            return config
        raise SettingsError(
            f"{CONFIG_OPTION} {config}: expected a config directory or its {SETTINGS_FILE}."
        )
    here = cwd if cwd is not None else Path.cwd()
    return here if (here / SETTINGS_FILE).is_file() else None


def project_hooks(config: Path | None, cwd: Path | None = None, *, local: bool = True) -> Hooks:
    """The hooks of the project a command runs in, or of the installed plugins alone.

    ``local=False`` (``--no-local-plugins``) leaves the project's local plugin files out.
    """
    project = find_project(config, cwd)
    if project is None or not local:
        return Hooks(*build_plugin_manager())
    from reconciler.pipeline.project import Project

    return Project.open(project).hooks


def config_in_argv(argv: Sequence[str]) -> Path | None:
    """The value of ``--config`` on a command line, read before click parses it.

    Needed to know a project's local plugins, and so their commands, before parsing.
    """
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == CONFIG_OPTION and index + 1 < len(argv):
            return Path(argv[index + 1])
        if arg.startswith(CONFIG_OPTION + "="):
            return Path(arg.split("=", 1)[1])
    return None
