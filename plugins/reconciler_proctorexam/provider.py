"""The ``proctorexam`` provider record: its kinds, settings and how a session is opened.

Each kind has its own provider module: institutes :mod:`.institute_provider`, users and the
identity providers users name :mod:`.user_provider`; :mod:`.session` routes a kind's calls to
the one that serves it. This module is loaded with the plugin, so it imports no httpx: only a
command that connects loads the client.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from reconciler import Provider, ProviderContext, ProviderSession, SandboxFactory
from reconciler_proctorexam.config import (
    CREDENTIAL_VARIABLES,
    OPTIONS_SCHEMA,
    check_readings,
    tenant_url,
)
from reconciler_proctorexam.institute import KIND
from reconciler_proctorexam.user import IDP_KIND
from reconciler_proctorexam.user import KIND as USER_KIND

__all__ = ["NAME", "connect", "provider", "tenant"]

NAME = "proctorexam"


def provider(sandbox: SandboxFactory | None = None) -> Provider:
    """The provider record the plugin registers; ``sandbox`` starts the local emulator."""
    return Provider(
        name=NAME,
        kinds=(KIND, USER_KIND, IDP_KIND),
        connect=connect,
        sandbox=sandbox,
        options_schema=OPTIONS_SCHEMA,
        check_options=check_readings,
        credential_variables=CREDENTIAL_VARIABLES,
        tenant=tenant,
    )


def tenant(context: ProviderContext) -> str | None:
    """The base URL the context points at, as given; None when none is set."""
    return tenant_url(context)


def connect(context: ProviderContext) -> AbstractAsyncContextManager[ProviderSession]:
    """Open a session for one command run: settings are checked before anything is sent."""
    # Imported here: httpx is most of this plugin's import time, and validate, schema and
    # plugins never open a session.
    from reconciler_proctorexam.client import ProctorExamClient
    from reconciler_proctorexam.config import resolve_settings
    from reconciler_proctorexam.session import open_session

    return open_session(ProctorExamClient(resolve_settings(context), progress=context.progress))
