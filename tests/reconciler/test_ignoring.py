"""Ignore rules: read from reconciler.toml with located errors, applied by the planner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler import (
    Action,
    DesiredObject,
    DesiredState,
    Ignored,
    LiveObject,
    Location,
    ResourceKind,
    SettingsError,
)
from reconciler.engine.planning import make_plan
from reconciler.settings.config import load_settings
from reconciler.settings.ignoring import check_ignore_rules

RULES = """\
[ignore]
objects = ["widget.legacy-*", "widget.test-??"]

[ignore.fields]
"widget.*" = ["size"]
"widget.a" = ["tags"]
"""


def settings_with(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "reconciler.toml").write_text(text)
    return load_settings(tmp_path)


def obj(identity: str, **fields: Any) -> DesiredObject:
    return DesiredObject("widget", identity, fields, Location("w.yaml", 1, 3))


def test_rules_are_read_with_their_locations(tmp_path: Path) -> None:
    rules = settings_with(tmp_path, RULES).ignore
    assert [(r.pattern, str(r.location)) for r in rules.objects] == [
        ("widget.legacy-*", f"{tmp_path / 'reconciler.toml'}:2:12"),
        ("widget.test-??", f"{tmp_path / 'reconciler.toml'}:2:31"),
    ]
    assert rules.ignores_object("widget.legacy-x")
    assert rules.ignores_object("widget.test-01")
    assert not rules.ignores_object("widget.test-001")
    assert not rules.ignores_object("widget.legacy")
    assert rules.ignored_fields("widget.a") == {"size", "tags"}
    assert rules.ignored_fields("widget.b") == {"size"}


@pytest.mark.parametrize(
    ("text", "located", "message"),
    [
        ("[ignore]\nobject = ['x']\n", ":2:1:", "unknown key 'object' in [ignore]"),
        ("[ignore]\nobjects = 'widget.*'\n", ":2:1:", "must be a list of globs"),
        ("[ignore]\nobjects = [3]\n", ":2:1:", "must be a list of globs"),
        ("[ignore]\nfields = ['size']\n", ":2:1:", "must be a table"),
        ('[ignore.fields]\n"widget.*" = "size"\n', ":2:1:", "must be a list of field names"),
    ],
    ids=["unknown-key", "objects-not-list", "objects-not-strings", "fields-list", "names"],
)
def test_mistakes_are_located_in_the_settings_file(
    tmp_path: Path, text: str, located: str, message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_with(tmp_path, text)
    assert f"reconciler.toml{located}" in str(caught.value)
    assert message in str(caught.value)


def test_a_glob_that_matches_a_declared_object_is_a_located_problem(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    rules = settings_with(tmp_path, RULES).ignore
    state = DesiredState((obj("legacy-one"), obj("legacy-two"), obj("kept")))
    problems = check_ignore_rules(rules, state, {"widget": widget_kind})
    assert len(problems) == 1
    assert str(problems[0].location).endswith("reconciler.toml:2:12")
    assert "'widget.legacy-*' matches 2 declared object(s)" in problems[0].message
    assert "widget.legacy-one, widget.legacy-two" in problems[0].message


def test_an_ignored_field_that_no_kind_has_is_a_problem(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    rules = settings_with(tmp_path, '[ignore.fields]\n"widget.*" = ["sise"]\n').ignore
    (problem,) = check_ignore_rules(rules, DesiredState(()), {"widget": widget_kind})
    assert "'sise' is not a field of widget" in problem.message
    assert str(problem.location).endswith("reconciler.toml:2:1")


def test_an_ignored_field_is_set_on_create_and_never_reverted(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    rules = settings_with(tmp_path, RULES).ignore
    state = DesiredState((obj("new", size=5, name="N"), obj("b", size=5, name="B")))
    live = [LiveObject("widget", "b", "1", {"size": 99, "name": "Other"})]
    plan = make_plan(state, {"widget": live}, {"widget": widget_kind}, ignore=rules)
    update, create = plan.changes  # by address: widget.b, widget.new
    assert create.action is Action.CREATE
    assert {f.name for f in create.fields} == {"name", "size"}
    assert update.action is Action.UPDATE
    assert [f.name for f in update.fields] == ["name"]
    assert plan.ignored == Ignored(objects=0, fields=1)


def test_an_ignored_object_is_neither_unmanaged_nor_changed(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    rules = settings_with(tmp_path, RULES).ignore
    live = [LiveObject("widget", "legacy-x", "1", {}), LiveObject("widget", "other", "2", {})]
    plan = make_plan(DesiredState(()), {"widget": live}, {"widget": widget_kind}, ignore=rules)
    assert [ref.address for ref in plan.unmanaged] == ["widget.other"]
    assert plan.ignored == Ignored(objects=1, fields=0)
    assert plan.ignored.summary() == (
        "Ignored by the [ignore] settings: 1 live object, 0 field differences."
    )
