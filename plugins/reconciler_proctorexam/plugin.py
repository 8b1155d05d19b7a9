"""The ``proctorexam`` plugin: the institute and user kinds, their provider, checks and the
sandbox command.

Registered through the ``reconciler.plugins`` entry point like any third-party plugin. The
sandbox (uvicorn, starlette) is imported only when it is used, so that ``plan`` against the
real service does not pay for it at start-up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import click

from reconciler import (
    DesiredState,
    DoctorRequest,
    DoctorStep,
    Plan,
    Problem,
    Provider,
    Refusal,
    ResourceKind,
    hookimpl,
    load_settings,
)
from reconciler_proctorexam.config import READINGS
from reconciler_proctorexam.emails import live_email_look_alikes
from reconciler_proctorexam.institute import check_institutes, institute_kind, live_look_alikes
from reconciler_proctorexam.provider import NAME, provider
from reconciler_proctorexam.user import check_users, identity_provider_kind, user_kind


@contextlib.contextmanager
def _sandbox(config_dir: Path, *, reset: bool, tls: bool = False) -> Iterator[Mapping[str, str]]:
    from reconciler_proctorexam.sandbox.local import sandbox_for_config

    # The sandbox takes the readings the project chose, so that --sandbox runs match them.
    options = load_settings(config_dir).providers.get(NAME, {})
    readings = {k: v for k, v in options.items() if k in READINGS and isinstance(v, str)}
    with sandbox_for_config(config_dir, reset=reset, readings=readings, tls=tls) as environ:
        yield environ


@hookimpl
def reconciler_resource_kinds() -> Sequence[ResourceKind]:
    return [institute_kind(), user_kind(), identity_provider_kind()]


@hookimpl
def reconciler_providers() -> Sequence[Provider]:
    return [provider(sandbox=_sandbox)]


@hookimpl
def reconciler_validate(
    state: DesiredState, kinds: Mapping[str, ResourceKind]
) -> Sequence[Problem]:
    return [*check_institutes(state, kinds), *check_users(state, kinds)]


@hookimpl
def reconciler_check_plan(plan: Plan, kinds: Mapping[str, ResourceKind]) -> Sequence[Refusal]:
    return [*live_look_alikes(plan), *live_email_look_alikes(plan)]


@hookimpl
def reconciler_doctor(request: DoctorRequest) -> Sequence[DoctorStep] | None:
    if request.provider != NAME:
        return None
    # Imported here, like the client: only doctor pays for it.
    from reconciler_proctorexam.doctor import probe

    return probe(request)


@hookimpl
def reconciler_add_commands(cli: click.Group) -> None:
    from reconciler_proctorexam.sandbox.command import sandbox_command

    cli.add_command(sandbox_command, name="sandbox")
