"""The saved plan document: what it holds, what it never holds, and how it is read back."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler import (
    DesiredObject,
    DesiredState,
    LiveObject,
    Location,
    ReconcilerError,
    ResourceKind,
    SettingsError,
)
from reconciler.documents.plan import REDACTED, plan_to_document
from reconciler.documents.savedplan import (
    SAVED_PLAN_SCHEMA,
    is_saved_plan,
    read_saved_plan,
    saved_plan_document,
)
from reconciler.engine.planning import make_plan

SECRET = "w-S3CRET-from-env"
WHEN = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)


def _desired(*, literal_secret: bool = False) -> DesiredState:
    secret_from_env = not literal_secret
    return DesiredState(
        (
            DesiredObject(
                "widget",
                "a",
                {"name": "A2", "secret": SECRET, "size": 7},
                Location("w.yaml", 2, 3),
                {"secret": Location("w.yaml", 4, 5)},
                frozenset({"secret"}),
                templates={"secret": "${env:WIDGET_KEY}"} if secret_from_env else {},
            ),
            DesiredObject("widget", "new", {"name": "N"}, Location("w.yaml", 6, 3)),
            DesiredObject("widget", "old", {}, Location("w.yaml", 8, 3), absent=True),
        ),
        ("w.yaml",),
    )


LIVE = {
    "widget": [
        LiveObject("widget", "a", "1", {"name": "A", "size": "6", "secret": "live-S3CRET"}, "f1"),
        LiveObject("widget", "old", "9", {"name": "Old"}, "f9"),
    ]
}


def _document(widget_kind: ResourceKind, **kwargs: Any) -> dict[str, Any]:
    desired = _desired(**kwargs)
    kinds = {"widget": widget_kind}
    plan = make_plan(desired, LIVE, kinds)
    return saved_plan_document(
        plan,
        desired,
        LIVE,
        kinds,
        project=Path("config"),
        allow_delete=True,
        created_at=WHEN,
    )


def _write(tmp_path: Path, doc: Any, name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_a_saved_plan_holds_what_apply_needs(tmp_path: Path, widget_kind: ResourceKind) -> None:
    doc = _document(widget_kind)
    jsonschema.Draft202012Validator(SAVED_PLAN_SCHEMA).validate(doc)
    saved = read_saved_plan(_write(tmp_path, doc))
    assert saved.project == Path("config")
    assert saved.allow_delete is True
    assert saved.created_at == "2026-11-28T12:00:00Z"
    assert [c.address for c in saved.plan.changes] == ["widget.a", "widget.new", "widget.old"]
    assert saved.planned["widget.new"] is None
    assert saved.planned["widget.a"] == LiveObject(
        "widget", "a", "1", {"name": "A", "size": "6"}, "f1"
    )
    [env] = saved.env_values
    assert (env.address, env.field, env.written, env.variables) == (
        "widget.a",
        "secret",
        "${env:WIDGET_KEY}",
        ("WIDGET_KEY",),
    )
    secret = {f.name: f for f in saved.plan.changes[0].fields}["secret"]
    assert secret.after is REDACTED


def test_sensitive_values_are_read_from_the_environment_at_apply_time(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    saved = read_saved_plan(_write(tmp_path, _document(widget_kind)))
    plan = saved.resolved({"WIDGET_KEY": "now-S3CRET"})
    assert plan.changes[0].values() == {"name": "A2", "secret": "now-S3CRET", "size": 7}


def test_an_unset_variable_is_an_error_naming_it_and_its_field(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    saved = read_saved_plan(_write(tmp_path, _document(widget_kind)))
    with pytest.raises(SettingsError) as caught:
        saved.resolved({})
    assert "widget.a.secret: WIDGET_KEY" in str(caught.value)
    assert "nothing was written" in str(caught.value)


def test_no_secret_value_is_ever_written(widget_kind: ResourceKind) -> None:
    text = json.dumps(_document(widget_kind))
    assert SECRET not in text
    assert "live-S3CRET" not in text


def test_a_write_only_value_written_in_the_yaml_cannot_be_saved(
    widget_kind: ResourceKind,
) -> None:
    with pytest.raises(ReconcilerError) as caught:
        _document(widget_kind, literal_secret=True)
    message = str(caught.value)
    assert "widget.a.secret (w.yaml:4:5)" in message
    assert "${env:NAME}" in message
    assert SECRET not in message


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("plan.json", "anything", True),
        ("plan.out", '  {"format": "x"}', True),
        ("plan.out", 'garbage "reconciler saved plan" garbage', True),
        ("institutes.yaml", '{"format": "reconciler saved plan"}', False),
        ("config.txt", "institutes:\n  a: {name: A}\n", False),
    ],
)
def test_a_saved_plan_is_recognised_by_its_content(
    tmp_path: Path, name: str, content: str, expected: bool
) -> None:
    assert is_saved_plan(_write(tmp_path, content, name)) is expected
    assert is_saved_plan(tmp_path) is False


def _broken(doc: dict[str, Any], how: str) -> Any:
    doc = copy.deepcopy(doc)
    if how == "version":
        doc["format_version"] = "2.0"
    elif how == "objects":
        doc["objects"] = {}
    elif how == "env":
        doc["env_values"] = []
    elif how == "schema":
        del doc["project"]["allow_delete"]
    return doc


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("version", r"saved plan format '2\.0'.*reads format 1\.x"),
        ("objects", r"/objects has no widget\.a"),
        ("env", "sensitive fields and /env_values do not match"),
        ("schema", r"/project: 'allow_delete' is a required property"),
    ],
)
def test_a_damaged_saved_plan_is_refused_with_a_reason(
    tmp_path: Path, widget_kind: ResourceKind, how: str, said: str
) -> None:
    path = _write(tmp_path, _broken(_document(widget_kind), how))
    with pytest.raises(ReconcilerError, match=said) as caught:
        read_saved_plan(path)
    assert "reconciler plan PATH --out FILE" in str(caught.value)


def test_a_plan_printed_as_json_is_not_a_saved_plan(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    desired = _desired()
    printed = plan_to_document(make_plan(desired, LIVE, {"widget": widget_kind}))
    with pytest.raises(ReconcilerError, match=r"plan --format json.*plan --out FILE"):
        read_saved_plan(_write(tmp_path, printed))
