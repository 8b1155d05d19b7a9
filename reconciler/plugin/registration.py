"""Checking a plugin's hook implementations before it is registered, and linting the rest.

pluggy reports a hookimpl whose arguments the specification lacks with its own traceback, and
a misspelt hook only at ``check_pending()``, one at a time and without a suggestion. Here every
hookimpl of a plugin is checked against :mod:`reconciler.plugin.hookspecs` first, so that all of a
plugin's mistakes come out at once, each with the hook's real arguments or a "did you mean".

:func:`unmarked_hooks` finds the opposite mistake, which pluggy cannot see at all: a function
named like a hook but without ``@hookimpl`` is silently ignored. ``reconciler plugins`` warns
about those.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping

import pluggy

from reconciler.loading.validation import did_you_mean
from reconciler.plugin import hookspecs

__all__ = ["hook_arguments", "registration_problems", "unmarked_hooks"]

_PREFIX = "reconciler_"


@functools.cache
def hook_arguments() -> Mapping[str, tuple[str, ...]]:
    """Every hook's name and the arguments its specification passes."""
    return {
        name: tuple(inspect.signature(function).parameters)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, f"{hookspecs.PROJECT}_spec")
    }


def registration_problems(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    """What is wrong with ``plugin``'s hookimpls; empty when it can be registered."""
    specs = hook_arguments()
    problems: list[str] = []
    for name in sorted(dir(plugin)):
        opts = pm.parse_hookimpl_opts(plugin, name)
        if opts is None:
            continue
        if name not in specs:
            if not opts.get("optionalhook"):
                problems.append(
                    f"{name} is not a reconciler hook{did_you_mean(name, specs)}"
                    " (the hooks are listed in reconciler.plugin.hookspecs)"
                )
            continue
        if opts.get("hookwrapper") or opts.get("wrapper"):
            problems.append(
                f"{name} is a wrapper hookimpl; reconciler calls each plugin's hook on its own,"
                " so implement it as a plain @hookimpl"
            )
            continue
        takes = _required_arguments(getattr(plugin, name))
        unknown = [arg for arg in takes if arg not in specs[name]]
        if unknown:
            problems.append(
                f"{name}({', '.join(takes)}): {', '.join(repr(a) for a in unknown)} is not an"
                f" argument of this hook, which passes ({', '.join(specs[name])})"
                + did_you_mean(unknown[0], specs[name])
            )
    return problems


def unmarked_hooks(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    """Functions of ``plugin`` named like a hook but lacking ``@hookimpl``: ignored by pluggy."""
    specs = hook_arguments()
    found: list[str] = []
    for name in sorted(dir(plugin)):
        if not name.startswith(_PREFIX) or pm.parse_hookimpl_opts(plugin, name) is not None:
            continue
        if not inspect.isroutine(getattr(plugin, name, None)):
            continue
        hint = "" if name in specs else did_you_mean(name, specs)
        found.append(
            f"{name} has no @hookimpl, so it is never called; decorate it with @hookimpl"
            f" (from reconciler import hookimpl){hint}"
        )
    return found


def _required_arguments(function: object) -> list[str]:
    """The arguments pluggy would pass: those without a default, ``self`` excepted."""
    try:
        parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        and p.name != "self"
    ]
