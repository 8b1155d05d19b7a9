"""Live values that are secrets because the configuration reads them through ``${env:…}``.

Once applied, ``callback_url: "https://hooks.example/cb?k=${env:HOOK_KEY}"`` is live with the
key in it: that live value is as secret as the variable. Whatever is written down or shown
from the live state (a snapshot, a saved plan's objects, what moved since a plan) leaves
those fields out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from reconciler.model import DesiredState, LiveObject

__all__ = ["env_fields", "withhold_env_values"]


def env_fields(desired: DesiredState) -> dict[str, frozenset[str]]:
    """Each object's address with the fields it reads through ``${env:…}``, where any."""
    return {o.address: frozenset(o.templates) for o in desired.objects if o.templates}


def withhold_env_values(
    live: Mapping[str, Sequence[LiveObject]], desired: DesiredState
) -> dict[str, Sequence[LiveObject]]:
    """``live`` without the values of the fields ``desired`` reads through ``${env:…}``."""
    held = env_fields(desired)
    if not held:
        return dict(live)
    return {
        kind: [
            replace(o, fields={k: v for k, v in o.fields.items() if k not in held[o.address]})
            if o.address in held
            else o
            for o in objects
        ]
        for kind, objects in live.items()
    }
