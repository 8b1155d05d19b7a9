"""Every format names the shared layer that set a value (its provenance) beside its location."""

from __future__ import annotations

import json

from reconciler import Action, Change, FieldChange, Location, Plan
from reconciler.engine.drift import drift_from_plan
from reconciler.records import RenderOptions
from reconciler_reports.html import render_html, render_html_drift
from reconciler_reports.json_format import render_json
from reconciler_reports.markdown import render_markdown, render_markdown_drift
from reconciler_reports.text import render_text, render_text_drift

WHERE = Location("config/groups.yaml", 4, 5)
PLAN = Plan(
    (
        Change(
            Action.UPDATE,
            "institute",
            "uni-a",
            (
                FieldChange("session_retention_period", "6", 12, WHERE, layer="group research"),
                FieldChange("name", "A", "B", Location("config/i.yaml", 3, 5)),
            ),
            Location("config/i.yaml", 2, 3),
            "1",
            "f",
        ),
    )
)


def test_text_markdown_html_and_json_name_the_layer() -> None:
    options = RenderOptions()
    drift = drift_from_plan(PLAN, declared=1)
    for text in (render_text(PLAN, (), options), render_text_drift(drift, options)):
        line = next(x for x in text.splitlines() if "session_retention_period" in x)
        assert "(group research)" in line
        assert line.endswith("(config/groups.yaml:4:5)")
        name = next(x for x in text.splitlines() if "name:" in x)
        assert "group" not in name  # the object's own value names no layer
    for text in (render_markdown(PLAN, (), options), render_markdown_drift(drift, options)):
        assert "`config/groups.yaml:4:5` (`group research`)" in text
    for text in (render_html(PLAN, (), options), render_html_drift(drift, options)):
        assert 'config/groups.yaml:4:5 <span class="layer">(group research)</span>' in text
    doc = json.loads(render_json(PLAN, (), options))
    fields = {f["name"]: f for f in doc["changes"][0]["fields"]}
    assert fields["session_retention_period"]["layer"] == "group research"
    assert "layer" not in fields["name"]
