"""``[safety]`` in ``reconciler.toml``: the published schema covers it, ``validate`` checks it."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from reconciler.testing import CliResult

Run = Callable[..., CliResult]
Write = Callable[..., Path]

FULL = """
[safety]
allow_delete = false
max_change_share = 0.3
min_objects = 10
max_changes = 500
protect = ["institute.pe", "institute.uni-*"]
protect_fields = ["name"]

[safety.institute]
max_change_share = 0.3
min_objects = 10
max_changes = 50

[safety.user]
max_change_share = 0.5
"""


def settings_schema(run_reconciler: Run) -> dict[str, object]:
    result = run_reconciler("schema", "settings")
    assert result.exit_code == 0, result.stderr
    schema: dict[str, object] = json.loads(result.stdout)
    return schema


def test_the_settings_schema_covers_the_safety_tables(run_reconciler: Run) -> None:
    schema = settings_schema(run_reconciler)
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(tomllib.loads(FULL))
    safety = schema["properties"]["safety"]["properties"]  # type: ignore[index]
    assert safety["max_change_share"]["default"] == 0.3
    assert safety["min_objects"]["default"] == 10
    for wrong in (
        "[safety.identity_provider]\nmax_changes = 1\n",  # only read: never counted
        "[safety.institue]\nmax_changes = 1\n",
        "[safety.institute]\nmax_change = 1\n",
        "[safety]\nmax_change_share = 1.5\n",
    ):
        assert not validator.is_valid(tomllib.loads(wrong)), wrong


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[safety.institue]\nmax_changes = 5\n",
            "reconciler.toml:1:1: [safety.institue]: no loaded plugin provides the kind"
            " 'institue'; did you mean 'institute'?",
        ),
        (
            "[safety.identity_provider]\nmax_changes = 5\n",
            "reconciler.toml:1:1: [safety.identity_provider]: identity_provider objects are only"
            " read, never changed, so they are never counted by the bulk-change guard",
        ),
    ],
)
def test_validate_locates_a_kind_table_that_cannot_apply(
    write_config: Write, run_reconciler: Run, toml: str, message: str
) -> None:
    path = write_config({"i.yaml": "institutes:\n  pe: {name: PE}\n", "reconciler.toml": toml})
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert message in result.stderr
