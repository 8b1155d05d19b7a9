"""Drift reports in text and JSON: every category, sensitive values hidden, stable output."""

from __future__ import annotations

import json
from collections.abc import Callable

import jsonschema

from reconciler import DriftReport
from reconciler.documents.drift import DRIFT_SCHEMA, drift_to_document
from reconciler.records import RenderOptions
from reconciler_reports.json_format import render_json_drift
from reconciler_reports.text import render_text_drift


def test_text_matches_golden(drift: DriftReport, golden: Callable[[str, str], None]) -> None:
    golden("drift.txt", render_text_drift(drift, RenderOptions()))


def test_json_matches_golden(drift: DriftReport, golden: Callable[[str, str], None]) -> None:
    golden(
        "drift.json", render_json_drift(drift, RenderOptions(color=True))
    )  # a terminal: indented


def test_json_is_the_drift_document_and_validates(drift: DriftReport) -> None:
    doc = json.loads(render_json_drift(drift, RenderOptions()))
    assert doc == drift_to_document(drift)
    jsonschema.Draft202012Validator(DRIFT_SCHEMA).validate(doc)
    jsonschema.Draft202012Validator(DRIFT_SCHEMA).validate(drift_to_document(DriftReport(())))
    assert list(doc)[:3] == ["format_version", "generated_at", "summary"]
    assert doc["summary"] == {"changed": 1, "missing": 1, "present": 1, "unmanaged": 2}
    key = doc["objects"][0]["fields"][2]
    assert key == {
        "name": "tawk_api_key",
        "sensitive": True,
        "location": {"file": "config/institutes.yaml", "line": 8, "column": 5},
    }


def test_sensitive_values_never_appear(drift: DriftReport, secret: str) -> None:
    for color in (False, True):
        text = render_text_drift(drift, RenderOptions(color=color))
        assert secret not in text
        assert "live-secret" not in text
        assert "tawk_api_key: declared (sensitive), live (sensitive)" in text.replace(
            "\x1b[2m", ""
        ).replace("\x1b[0m", "").replace("\x1b[33m", "")
    assert secret not in render_json_drift(drift, RenderOptions())


def test_colour_changes_nothing_but_escape_codes(drift: DriftReport) -> None:
    import re

    coloured = render_text_drift(drift, RenderOptions(color=True))
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_text_drift(drift, RenderOptions())


def test_no_drift_says_so_with_the_numbers() -> None:
    text = render_text_drift(DriftReport((), declared=4, live_count=5), RenderOptions())
    assert text == "No drift. The live objects match the configuration. (4 declared, 5 live)\n"
