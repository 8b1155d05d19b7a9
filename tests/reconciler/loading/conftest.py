"""Two small kinds for the loading tests, and a helper that loads a config directory.

``campus`` is institute-like (a list of language tags, a write-only key, a deprecated and a
read-only field); ``gadget`` is a second kind, so that ``defaults:`` and sections can be seen
crossing kinds. Paths in problems are relative (the tests run in their ``tmp_path``), so that
assertions can spell out ``config/a.yaml:3:5`` exactly.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.loading import Limits, load_desired
from reconciler.model import DesiredState
from reconciler.records import ResourceKind

CAMPUS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {"tag": {"type": "string", "pattern": "^[a-z]{2}-[A-Z]{2}$"}},
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "reminder_emails_enabled": {"type": "boolean"},
        "exam_link_emails_enabled": {"type": "boolean"},
        "default_language": {"$ref": "#/$defs/tag"},
        "custom_languages": {
            "type": "array",
            "items": {"$ref": "#/$defs/tag"},
            "uniqueItems": True,
        },
        "api_key": {"type": ["string", "null"], "minLength": 8},
        "callback_url": {"type": ["string", "null"], "pattern": "^https?://"},
        "retention": {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": "^[1-9][0-9]*$"},
            ]
        },
        "threshold": {"type": "integer", "minimum": 0, "maximum": 10},
        "plan": {"enum": ["basic", "premium"]},
    },
}

GADGET_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["size"],
    "properties": {
        "size": {"type": "integer"},
        "reminder_emails_enabled": {"type": "boolean"},
        "label": {"type": ["string", "null"]},
        "settings": {
            "type": "object",
            "properties": {"depth": {"type": "integer"}},
            "additionalProperties": False,
        },
    },
}


def campus_kind() -> ResourceKind:
    return ResourceKind(
        name="campus",
        section="campuses",
        provider="test",
        schema=CAMPUS_SCHEMA,
        identity="short_name",
        read_only=frozenset({"id", "created_at", "default_locale"}),
        write_only=frozenset({"api_key"}),
        deprecated={"default_locale": "use default_language", "legacy": "remove it"},
    )


def gadget_kind() -> ResourceKind:
    return ResourceKind(
        name="gadget", section="gadgets", provider="test", schema=GADGET_SCHEMA, identity="slug"
    )


@pytest.fixture
def kinds() -> dict[str, ResourceKind]:
    return {kind.name: kind for kind in (campus_kind(), gadget_kind())}


Load = Callable[..., DesiredState]


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kinds: dict[str, ResourceKind]) -> Load:
    """``load({"a.yaml": text, ...}, env={...}, limits=...)``: write ``config/`` and load it."""
    monkeypatch.chdir(tmp_path)

    def run(
        files: Mapping[str, str | bytes],
        *,
        env: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        path: str = "config",
    ) -> DesiredState:
        directory = Path("config")
        directory.mkdir(exist_ok=True)
        for name, content in files.items():
            target = directory / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(textwrap.dedent(content), encoding="utf-8")
        return load_desired(Path(path), kinds, env or {}, limits=limits or Limits())

    return run


@pytest.fixture
def problems(load: Load) -> Callable[..., list[str]]:
    """Like ``load`` but expects a ConfigError and returns its problems as text."""

    def run(files: Mapping[str, str | bytes], **options: object) -> list[str]:
        with pytest.raises(ConfigError) as caught:
            load(files, **options)
        return [str(p) for p in caught.value.problems]

    return run
