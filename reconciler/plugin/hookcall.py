"""Calling a hook plugin by plugin, so that a failure or a wrong return value names its plugin.

pluggy calls every implementation of a hook in one go: an exception comes out of
``pm.hook.<name>(...)`` with nothing to say which plugin raised it, and the results come back
as one list with nothing to say who returned what. The :class:`~reconciler.plugin.hooks.Hooks`
facade
therefore calls each implementation itself, in pluggy's own order (``tryfirst`` ones first,
then the last registered first, ``trylast`` ones last), and for each one:

- lets a :class:`~reconciler.errors.ReconcilerError` through: the plugin chose that message;
- turns any other exception into a :class:`~reconciler.errors.PluginError` that names the
  plugin, where it came from, the hook and the exception's message, keeping the original as
  ``__cause__`` for ``-v``;
- checks the returned value against the hook's contract (``check``), inside the same guard, so
  that a generator failing half-way is caught too and a wrong value names the plugin.

Wrapper hookimpls (``hookwrapper=True``, ``wrapper=True``) are refused when a plugin is
registered (:mod:`reconciler.plugin.registration`), since they make no sense called this way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pluggy

from reconciler.errors import PluginError, ReconcilerError
from reconciler.workflowguard import one_line

__all__ = ["Contract", "call_each", "nothing", "optional_mapping", "records_of"]

T = TypeVar("T")

#: Names a plugin for messages: ``plugin 'mine' (local file policies/mine.py)``.
Describe = Callable[[str], str]


class Contract(Exception):
    """A hook returned something its specification does not allow; says what and what not."""


def call_each(
    pm: pluggy.PluginManager,
    hook_name: str,
    kwargs: Mapping[str, Any],
    check: Callable[[Any], T],
    describe: Describe,
    *,
    per_plugin: Callable[[str], Mapping[str, Any]] | None = None,
    only: str | None = None,
) -> list[tuple[str, T]]:
    """Call every implementation of ``hook_name``; return ``(plugin name, checked result)``.

    ``per_plugin``, when given, adds arguments meant for one plugin alone (its own settings);
    ``only`` calls the one plugin of that name.
    """
    caller = getattr(pm.hook, hook_name)
    out: list[tuple[str, T]] = []
    # get_hookimpls() lists in reverse call order, as pluggy's own loop reads it.
    for impl in reversed(caller.get_hookimpls()):
        if only is not None and impl.plugin_name != only:
            continue
        given = dict(kwargs)
        if per_plugin is not None:
            given.update(per_plugin(impl.plugin_name))
        try:
            value = check(impl.function(*(given[name] for name in impl.argnames)))
        except ReconcilerError:
            raise
        except Contract as exc:
            raise PluginError(
                f"{describe(impl.plugin_name)}: {hook_name} {one_line(str(exc))}; see its"
                " documentation in reconciler.plugin.hookspecs."
            ) from None
        except Exception as exc:
            raise PluginError(
                f"{describe(impl.plugin_name)} failed in {hook_name}:"
                f" {type(exc).__name__}: {one_line(str(exc))}. This is a bug in the plugin: fix"
                " it, or disable it by name under [plugins] disable in reconciler.toml (-v shows"
                " the traceback)."
            ) from exc
        out.append((impl.plugin_name, value))
    return out


def records_of(record_type: type[T]) -> Callable[[Any], list[T]]:
    """The check of a hook that returns an iterable of ``record_type`` (``None`` is empty)."""

    def check(value: Any) -> list[T]:
        if value is None:
            return []
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise Contract(
                f"returned {_shown(value)}, not a list of {record_type.__name__} records"
            )
        items = list(value)
        for item in items:
            if not isinstance(item, record_type):
                raise Contract(f"returned {_shown(item)}, not a {record_type.__name__}")
        return items

    return check


def nothing(value: Any) -> None:
    """The check of a hook that returns nothing."""
    if value is not None:
        raise Contract(f"returned {_shown(value)}; this hook returns nothing (None)")


def optional_mapping(value: Any) -> Mapping[str, Any] | None:
    """The check of a hook that returns a mapping (a JSON Schema) or ``None``."""
    if value is not None and not isinstance(value, Mapping):
        raise Contract(f"returned {_shown(value)}, not a mapping (a JSON Schema) or None")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{text} (a {type(value).__name__})"
