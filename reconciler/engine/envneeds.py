"""Values a change must send but that the environment does not hold: apply stops first.

``${env:NAME}`` is resolved when the configuration is read, and an unset variable is not an
error there (:mod:`reconciler.loading.envaccess`): ``validate``, ``plan`` and ``drift`` need
no value they do not send. ``apply`` does, for each change that sends one, so it checks them
all before its first write and names each with the variables to export.
"""

from __future__ import annotations

from reconciler.errors import SettingsError
from reconciler.model import Plan, Unset

__all__ = ["check_sendable", "unsendable"]


def unsendable(plan: Plan) -> list[str]:
    """``institute.new.tawk_api_key (file:line:col): PE_TAWK_KEY is not set``, per value."""
    out = []
    for change in plan.changes:
        for field in change.fields:
            if type(field.after) is Unset:
                where = f" ({field.location})" if field.location is not None else ""
                out.append(f"  {change.address}.{field.name}{where}: {field.after}")
    return out


def check_sendable(plan: Plan) -> None:
    """Raise a SettingsError (exit 1, nothing written) when a change needs an unset value."""
    missing = unsendable(plan)
    if missing:
        raise SettingsError(
            "\n".join(
                [
                    "These values must be sent and are read from the environment, which does"
                    " not hold them; nothing was written:",
                    *missing,
                    "Export the variables and apply again.",
                ]
            )
        )
