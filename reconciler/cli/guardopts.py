"""The safety guards' options: ``--allow-delete[=ADDRESS]`` and the one-shot bulk overrides.

``plan`` and ``apply PATH`` take them; ``plan --out`` saves them in the saved plan, so that
``apply FILE`` applies a reviewed bulk change without being given them again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler.settings.guards import Overrides

__all__ = ["ANY", "guard_options", "overrides_from"]

#: The value of a bare ``--allow-delete``: every delete that is not protected.
ANY = "*"

F = TypeVar("F", bound=Callable[..., Any])


def _addresses(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    for given in value:
        if given != ANY and ("/" in given or "." not in given or os.path.exists(given)):
            raise click.BadParameter(
                f"{given!r} is not an address; an object is named as --allow-delete=KIND.NAME"
                " (with '='), and PATH goes before the options.",
                ctx,
                param,
            )
    return value


def _share(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise click.BadParameter(f"must be more than 0, not {value}", ctx, param)
    return value


def guard_options(func: F) -> F:
    """``--allow-delete[=ADDRESS]``, ``--max-change-share SHARE``, ``--force-changes N``."""
    func = click.option(
        "--force-changes",
        type=click.IntRange(min=0),
        metavar="N",
        help="Let this run's bulk change pass the guard if it makes at most N changes"
        " (the number you reviewed). One-shot; never a default.",
    )(func)
    func = click.option(
        "--max-change-share",
        type=float,
        callback=_share,
        metavar="SHARE",
        help="Replace every kind's [safety] max_change_share for this run, e.g. 1.0 for a"
        " reviewed bulk change. One-shot; never a default.",
    )(func)
    return click.option(
        "--allow-delete",
        "allow_delete",
        multiple=True,
        is_flag=False,
        flag_value=ANY,
        callback=_addresses,
        metavar="[=ADDRESS]",
        help="Let tombstones (absent: true) delete live objects; --allow-delete=KIND.NAME"
        " (repeatable) allows that one, even when [safety] protect protects it.",
    )(func)


def overrides_from(
    allow_delete: tuple[str, ...], max_change_share: float | None, force_changes: int | None
) -> Overrides:
    return Overrides(
        allow_delete=ANY in allow_delete,
        delete=frozenset(a for a in allow_delete if a != ANY),
        max_change_share=max_change_share,
        force_changes=force_changes,
    )
