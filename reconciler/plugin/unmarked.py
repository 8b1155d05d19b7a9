"""A local plugin's function named like a hook but without ``@hookimpl`` is an error.

pluggy calls only functions marked with ``@hookimpl``; an unmarked ``reconciler_check_plan``
in a team's policy file is never called, and the policy is off without a word. For a plugin
installed as a package ``reconciler plugins`` warns; for a local file (the project's own
policies) ``validate``, ``plan`` and ``apply`` refuse to run, naming the file, the function
and the fix (exit 1).
"""

from __future__ import annotations

import inspect
from pathlib import Path

from reconciler.model import Location
from reconciler.plugin.hooks import Hooks
from reconciler.plugin.registration import unmarked_hooks
from reconciler.records import Problem

__all__ = ["unmarked_local_hooks"]

_LOCAL = "local file "


def unmarked_local_hooks(hooks: Hooks) -> list[Problem]:
    """One located problem per unmarked hook-named function of each local plugin file."""
    problems: list[Problem] = []
    for info in hooks.infos:
        if not info.source.startswith(_LOCAL):
            continue
        plugin = hooks.pm.get_plugin(info.name)
        if plugin is None:
            continue
        file = info.source.removeprefix(_LOCAL)
        for message in unmarked_hooks(hooks.pm, plugin):
            name = message.split(" ", 1)[0]
            problems.append(
                Problem(
                    f"{name} in the local plugin {info.name!r}: {message.split(' ', 1)[1]};"
                    " a policy without it is silently off",
                    _where(plugin, name, file),
                    info.name,
                )
            )
    return problems


def _where(plugin: object, name: str, file: str) -> Location:
    """The line of the function's ``def``, or the file's first line."""
    try:
        _, line = inspect.getsourcelines(getattr(plugin, name))
    except (OSError, TypeError):
        line = 1
    return Location(str(Path(file)), max(line, 1), 1)
