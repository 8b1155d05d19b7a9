"""A local emulator of the ProctorExam v3 institutes API, strict where the real one is silent.

Everything the project tests over HTTP runs against this server: it verifies signatures with
its own implementation of the recipe (never the client's), enforces the roles, validates every
field, keeps its state in memory or in a state file, and injects faults on demand.

Public API::

    Sandbox(seed=..., users=..., faults=..., state_file=..., reset=..., timestamp_window=...,
            update_method="PATCH", delete_params="query", list_rendering="ruby",
            clock_offset=0.0, user_password="without_identity_provider", quirks=Quirks(),
            host="127.0.0.1", port=0)
                                             # a context manager; .base_url, .institutes(),
                                             # .requests, .set_faults(), .add_user(), .env()
    SandboxUser(token, secret, institute_id=None)   # None: superuser
    Faults(latency=..., jitter=..., rate_429=..., rate_5xx=..., rate_drop_before=...,
           rate_drop_after=..., rps_limit=..., seed=...)
    Quirks.of(drop_on_create=..., drop_on_update=..., omit_from_list=..., omit_from_show=...)
    RequestRecord(method, path, query, status, fault, delivered, fields, received_at)
    DEFAULT_TOKEN, DEFAULT_SECRET             # the superuser of a sandbox given no users
    sandbox_for_config(config_dir, reset=...) # what ``--sandbox`` starts

The ``reconciler sandbox`` command lives in :mod:`reconciler_proctorexam.sandbox.command`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler_proctorexam.sandbox.auth import SandboxUser
    from reconciler_proctorexam.sandbox.defaults import DEFAULT_SECRET, DEFAULT_TOKEN
    from reconciler_proctorexam.sandbox.errors import SandboxError
    from reconciler_proctorexam.sandbox.faults import Faults
    from reconciler_proctorexam.sandbox.local import sandbox_for_config
    from reconciler_proctorexam.sandbox.quirks import Quirks
    from reconciler_proctorexam.sandbox.requestlog import RequestRecord
    from reconciler_proctorexam.sandbox.server import Sandbox

#: Where each public name lives. They are imported on first use (PEP 562), so that importing
#: the ``sandbox`` command, or a light module of this package, does not load uvicorn and
#: starlette: only running a sandbox does.
_HOMES = {
    "DEFAULT_SECRET": "defaults",
    "DEFAULT_TOKEN": "defaults",
    "Faults": "faults",
    "Quirks": "quirks",
    "RequestRecord": "requestlog",
    "Sandbox": "server",
    "SandboxError": "errors",
    "SandboxUser": "auth",
    "sandbox_for_config": "local",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "DEFAULT_SECRET",
    "DEFAULT_TOKEN",
    "Faults",
    "Quirks",
    "RequestRecord",
    "Sandbox",
    "SandboxError",
    "SandboxUser",
    "sandbox_for_config",
]
