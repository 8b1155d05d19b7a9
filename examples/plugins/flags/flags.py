"""A provider for a feature-flag service's JSON API, built on the provider toolkit.

The service (any that speaks this shape) has one kind, the flag, keyed by its ``key``::

    GET   /flags              {"flags": [{"key": "new-ui", "enabled": true, "rollout": 50}]}
    GET   /flags/{key}        {"flag": {...}}
    POST  /flags              {"flag": {...}}       a new flag
    PATCH /flags/{key}        {"flag": {...}}       only the fields sent

Everything a real service needs beyond that (retries with ``Retry-After``, a pace learnt from
429s, timeouts, a cap on answers, a create that is never sent twice, messages without the
token) comes from :mod:`reconciler.http`: this file only names paths and fields.

Copy it into a project and name it in ``reconciler.toml``::

    [plugins]
    local = ["flags.py"]

    [providers.flags]
    base_url = "https://flags.example.com/api"   # the token comes from FLAGS_API_TOKEN

Then declare flags::

    flags:
      new-ui:
        enabled: true
        rollout: 50
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from reconciler import (
    LiveObject,
    Provider,
    ProviderContext,
    ProviderError,
    ProviderSession,
    ResourceKind,
    Scope,
    SettingsError,
    hookimpl,
)
from reconciler.http import HttpSettings, Reply, RequestRunner, RetryPolicy

KIND = "flag"
TOKEN_VAR = "FLAGS_API_TOKEN"

FLAG_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "enabled": {"type": "boolean"},
        "rollout": {"type": "integer", "minimum": 0, "maximum": 100},
        "description": {"type": "string"},
    },
    "additionalProperties": False,
}


@hookimpl
def reconciler_resource_kinds() -> Sequence[ResourceKind]:
    return [
        ResourceKind(
            name=KIND,
            section="flags",
            provider="flags",
            schema=FLAG_SCHEMA,
            identity="key",
            # The service has no delete: removing a flag from the YAML is an error, not a plan.
            can_delete=False,
            description="A feature flag of the flag service.",
        )
    ]


@hookimpl
def reconciler_providers() -> Sequence[Provider]:
    return [
        Provider(name="flags", kinds=(KIND,), connect=connect, credential_variables=(TOKEN_VAR,))
    ]


@contextlib.asynccontextmanager
async def connect(context: ProviderContext) -> AsyncIterator[ProviderSession]:
    """One runner (one connection pool, one pace) for the whole command."""
    base_url = str(context.options.get("base_url", "")).rstrip("/")
    token = context.environ.get(TOKEN_VAR, "")
    if not base_url or not token:
        raise SettingsError(f"set base_url under [providers.flags] and {TOKEN_VAR}.")
    settings = HttpSettings(
        base_url,
        parallelism=context.parallelism,
        retry=RetryPolicy(max_retries=int(context.options.get("max_retries", 5))),
        # Proxy variables are for the outside world; a server on this machine is reached directly.
        trust_env=httpx.URL(base_url).host not in ("127.0.0.1", "localhost"),
    )

    def sign(request: httpx.Request) -> httpx.Request:
        # Called for every attempt: a scheme with a timestamp or nonce would be fresh each time.
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    async with RequestRunner(settings, sign=sign) as runner:
        yield FlagSession(runner)


class FlagSession:
    """Reads and writes flags through one :class:`RequestRunner`."""

    def __init__(self, runner: RequestRunner) -> None:
        self.runner = runner

    async def list(self, kind: ResourceKind, scope: Scope | None = None) -> Sequence[LiveObject]:
        reply = await self.runner.request("GET", "/flags")
        return [_live(flag) for flag in _body(reply, "flags")]

    async def read(self, kind: ResourceKind, identity: str) -> LiveObject | None:
        for live in await self.list(kind):
            if live.identity == identity:
                return live
        return None

    async def create(
        self, kind: ResourceKind, identity: str, values: Mapping[str, Any]
    ) -> LiveObject:
        async def made_after_all() -> Reply | None:
            # The answer was lost: the flag is looked for, and the POST is never sent again.
            found = await self.read(kind, identity)
            return None if found is None else Reply(200, httpx.Headers(), {"flag": found.fields})

        reply = await self.runner.request(
            "POST",
            "/flags",
            json={"key": identity, **values},
            address=f"{KIND}.{identity}",
            confirm=made_after_all,
        )
        return _live(_body(reply, "flag"))

    async def update(
        self, kind: ResourceKind, live: LiveObject, values: Mapping[str, Any]
    ) -> LiveObject:
        reply = await self.runner.request(
            "PATCH", f"/flags/{quote(live.ref, safe='')}", json=dict(values), address=live.address
        )
        return _live(_body(reply, "flag"))

    async def delete(self, kind: ResourceKind, live: LiveObject) -> None:
        raise ProviderError("the flag service has no delete.", address=live.address)


def _live(flag: Mapping[str, Any]) -> LiveObject:
    key = str(flag.get("key", ""))
    fields = {k: v for k, v in flag.items() if k in FLAG_SCHEMA["properties"]}
    return LiveObject(KIND, key, key, fields, fingerprint=str(sorted(fields.items())))


def _body(reply: Reply, key: str) -> Any:
    if not isinstance(reply.body, dict) or key not in reply.body:
        raise ProviderError(f"unexpected answer from the flag service: no {key!r} in it.")
    return reply.body[key]
