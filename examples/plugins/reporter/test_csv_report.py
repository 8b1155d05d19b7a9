"""The CSV format through the shipped fixtures, over the sandbox."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import csv_report
import pytest

from reconciler.testing import CliResult, Hooks
from reconciler_proctorexam.sandbox import Sandbox

PLUGIN = Path(csv_report.__file__)


def test_the_format_is_registered(reconciler_hooks: Callable[..., Hooks]) -> None:
    hooks = reconciler_hooks(("csv_report", csv_report), builtins=True)
    assert hooks.reporters["csv"].render_plan is csv_report.render_csv
    assert hooks.contributions()["csv_report"] == ["format:csv"]


def test_plan_format_csv_writes_one_row_per_field_and_hides_secrets(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    write_config: Callable[..., Path],
    run_reconciler: Callable[..., CliResult],
) -> None:
    sandbox = proctorexam_sandbox_factory(
        seed=[{"id": 1, "short_name": "pe", "name": "PE", "custom_languages": ["nl-NL"]}]
    )
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TAWK_KEY", "s3cret-key")
    path = write_config(
        {
            "reconciler.toml": f"[plugins]\nlocal = [{json.dumps(str(PLUGIN))}]\n",
            "institutes.yaml": """
            institutes:
              pe:
                custom_languages: [fr-FR, nl-NL]
                tawk_api_key: ${env:TAWK_KEY}
              new:
                name: New
            """,
        }
    )
    result = run_reconciler("plan", str(path), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    yaml = f"{path}/institutes.yaml"
    assert rows == [
        ["address", "action", "field", "before", "after", "location"],
        ["institute.new", "create", "name", "", "New", f"{yaml}:6:5"],
        [
            "institute.pe",
            "update",
            "custom_languages",
            '["nl-NL"]',
            '["fr-FR", "nl-NL"]',
            f"{yaml}:3:5",
        ],
        ["institute.pe", "update", "tawk_api_key", "(sensitive)", "(sensitive)", f"{yaml}:4:5"],
    ]
    assert "s3cret-key" not in result.stdout
    assert all(r.method == "GET" for r in sandbox.requests)
