"""Fixtures for the client and provider tests: settings that point at a running sandbox.

Backoff is short so that fault tests stay quick; everything else is the real client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler.records import ProviderContext
from reconciler_proctorexam.config import ClientSettings, Credentials
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN

#: Retry tuning for tests: many quick retries, so a seeded fault run always gets through.
#: The timeout is short because a create whose answer was lost is looked for during two of them.
FAST: dict[str, Any] = {"backoff": 0.005, "backoff_cap": 0.02, "max_retries": 10, "timeout": 3.0}


def _institutes(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"name": f"Institute {i:05d}", "short_name": f"i{i:05d}"}
        for i in range(start, start + count)
    ]


@pytest.fixture
def make_institutes() -> Callable[..., list[dict[str, Any]]]:
    """``make_institutes(count, start=0)``: seedable institutes, unique names and short names."""
    return _institutes


@pytest.fixture
def settings_for() -> Callable[..., ClientSettings]:
    """Build client settings for a sandbox base URL; keyword arguments override the fields."""

    def build(base_url: str, **overrides: Any) -> ClientSettings:
        values: dict[str, Any] = {
            "base_url": base_url,
            "credentials": Credentials(DEFAULT_TOKEN, DEFAULT_SECRET, "the sandbox"),
            **FAST,
            **overrides,
        }
        return ClientSettings(**values)

    return build


@pytest.fixture
def context_for() -> Callable[..., ProviderContext]:
    """A provider context for a sandbox base URL, as the core would build it."""

    def build(base_url: str, parallelism: int = 4, **options: Any) -> ProviderContext:
        environ = {
            "PROCTOREXAM_BASE_URL": base_url,
            "PROCTOREXAM_API_TOKEN": DEFAULT_TOKEN,
            "PROCTOREXAM_SECRET_KEY": DEFAULT_SECRET,
        }
        return ProviderContext(
            options={**FAST, **options}, environ=environ, parallelism=parallelism
        )

    return build
