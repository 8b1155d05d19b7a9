"""What the command line offers in help and shell completion: formats and target addresses.

The formats are contributed by plugins, so ``--format``'s help and its completions are worked
out when they are asked for, from the installed reporters. ``--target`` completes the
addresses declared in the configuration named on the line so far; the YAML is only read for
its keys, so a half-written or invalid configuration still completes.

Completion itself is click's: ``_RECONCILER_COMPLETE=bash_source reconciler`` prints the
script for bash (``zsh_source``, ``fish_source`` for the others), as the README shows.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

from reconciler.errors import ReconcilerError

__all__ = ["FormatOption", "complete_targets", "installed_formats"]


def installed_formats(renders: str = "plan") -> dict[str, str]:
    """The installed formats that render ``renders`` (plan or drift), with their descriptions.

    Only installed plugins count here, not a project's local ones: help and completion run
    before the configuration is read.
    """
    from reconciler.plugin.hooks import Hooks
    from reconciler.plugin.manager import build_plugin_manager

    try:
        reporters = Hooks(*build_plugin_manager()).reporters
    except ReconcilerError:
        return {}
    return {
        name: reporters[name].description
        for name in sorted(reporters)
        if renders in reporters[name].renders
    }


class FormatOption(click.Option):
    """``--format``: its help lists the installed formats, and completion offers them.

    ``renders`` says what the command renders (``plan`` or ``drift``).
    """

    def __init__(self, *args: Any, renders: str = "plan", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.renders = renders

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        names = ", ".join(installed_formats(self.renders)) or "none"
        return record[0], f"{record[1]} Installed: {names}."

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        return [
            CompletionItem(name, help=description)
            for name, description in installed_formats(self.renders).items()
            if name.startswith(incomplete)
        ]


def complete_targets(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The ``KIND.NAME`` addresses the configuration at the command's PATH declares, and
    their kinds (``--target user`` selects every user)."""
    # While an option waits for its value, click leaves the arguments before it unparsed.
    given = [ctx.params.get("path"), *(ctx.params.get("paths") or ()), *ctx.args]
    paths = [Path(p) for p in given if isinstance(p, str | Path) and Path(p).exists()]
    if not paths:
        return []
    path = paths[0]
    from ruamel.yaml import YAML  # only when completing: every command imports this module
    from ruamel.yaml.error import YAMLError

    from reconciler.loading.desired import config_files
    from reconciler.pipeline.project import Project

    try:
        project = Project.open(path)
        files = config_files(path)
    except ReconcilerError:
        return []
    by_section = {kind.section: kind.name for kind in project.kinds.values()}
    addresses: set[str] = set()
    yaml = YAML(typ="safe", pure=True)
    for file in files:
        data: Any = None
        with contextlib.suppress(OSError, UnicodeDecodeError, YAMLError):
            data = yaml.load(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        for section, objects in data.items():
            if section in by_section and isinstance(objects, dict):
                addresses.update(f"{by_section[section]}.{key}" for key in objects)
                addresses.add(by_section[section])  # a kind selects all of its objects
    return [CompletionItem(a) for a in sorted(addresses) if a.startswith(incomplete)]
