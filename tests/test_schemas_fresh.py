"""Every file under ``schemas/`` is exactly what ``reconciler schema`` prints, and no other.

After changing a kind's schema or the plan format, regenerate the files with
``UPDATE_GOLDEN=1 pytest tests/test_schemas_fresh.py`` and commit them with the change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from reconciler.documents.schemas import dump_schema
from reconciler.plugin.hooks import Hooks
from reconciler.plugin.manager import build_plugin_manager

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@pytest.fixture(scope="module")
def expected() -> dict[str, str]:
    """The published schemas of the built-in kinds, loaded as a user's run loads them."""
    pm, infos = build_plugin_manager()
    schemas = Hooks(pm, infos).published_schemas()
    return {name: dump_schema(schema) for name, schema in schemas.items()}


def test_schema_files_are_fresh(expected: dict[str, str]) -> None:
    if os.environ.get("UPDATE_GOLDEN") == "1":
        SCHEMAS.mkdir(exist_ok=True)
        for stale in SCHEMAS.glob("*.json"):
            if stale.name not in expected:
                stale.unlink()
        for name, text in expected.items():
            (SCHEMAS / name).write_text(text, encoding="utf-8", newline="")
    files = sorted(SCHEMAS.iterdir()) if SCHEMAS.is_dir() else []
    on_disk = {p.name: p.read_bytes().decode("utf-8") for p in files if p.is_file()}
    assert sorted(on_disk) == sorted(expected), (
        "schemas/ does not hold exactly the published schemas;"
        " run UPDATE_GOLDEN=1 pytest tests/test_schemas_fresh.py"
    )
    outdated = [name for name, text in expected.items() if on_disk[name] != text]
    assert outdated == [], f"out of date: {outdated}; run UPDATE_GOLDEN=1 pytest {__file__}"


def test_the_built_in_kinds_and_the_documents_are_published(expected: dict[str, str]) -> None:
    published = {"config", "plan", "saved-plan", "snapshot", "settings", "institute"}
    assert {f"{name}.schema.json" for name in published} <= set(expected)


def test_every_published_schema_is_a_valid_draft_2020_12_schema() -> None:
    for path in sorted(SCHEMAS.glob("*.json")):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text("utf-8")))
