"""The checks a saved plan passes before apply uses it: path, changes, signature."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler import DesiredObject, DesiredState, Location, ResourceKind, SettingsError
from reconciler.documents.signing import (
    PlanSignatureError,
    canonical_bytes,
    check_signature,
    key_fingerprint,
    sign,
)
from reconciler.documents.trust import (
    PlanNotTrusted,
    checked_project_path,
    plan_differences,
    recordable_project_path,
    trusted_plan,
)
from reconciler.model import Action, Change, FieldChange, Plan

HERE = Location("w.yaml", 2, 3)


@pytest.mark.parametrize(
    "recorded", ["/abs", "..", "a/../..", "a\\..\\b", "C:\\x", "~/x", "", "a\x00b"]
)
def test_a_project_path_that_leaves_the_checkout_is_refused(tmp_path: Path, recorded: str) -> None:
    with pytest.raises(PlanNotTrusted, match="its project path is refused"):
        checked_project_path(recorded, source="p.json", cwd=tmp_path)


def test_a_relative_path_inside_is_kept_and_recorded_relative(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    assert checked_project_path("config", source="p.json", cwd=tmp_path) == Path("config")
    assert recordable_project_path(tmp_path / "config", tmp_path) == "config"
    assert recordable_project_path(tmp_path, tmp_path) == "."
    with pytest.raises(SettingsError, match="outside the working directory"):
        recordable_project_path(tmp_path.parent, tmp_path)


def _desired() -> DesiredState:
    return DesiredState(
        (
            DesiredObject(
                "widget",
                "a",
                {"name": "A2", "secret": "from-env", "size": 7},
                HERE,
                {"name": HERE},
                frozenset({"secret"}),
                templates={"secret": "${env:W}"},
            ),
            DesiredObject("widget", "old", {}, HERE, absent=True),
        )
    )


def _update(*fields: FieldChange) -> Change:
    return Change(Action.UPDATE, "widget", "a", fields, ref="1", fingerprint="f")


def test_what_the_config_yields_has_no_differences(widget_kind: ResourceKind) -> None:
    from reconciler.documents.plan import REDACTED

    plan = Plan(
        (
            _update(
                FieldChange("name", "A", "A2"),
                FieldChange("secret", REDACTED, REDACTED, sensitive=True),
            ),
            Change(Action.DELETE, "widget", "old", ref="9", fingerprint="f9"),
        )
    )
    kinds = {"widget": widget_kind}
    env = [("widget.a", "secret", "${env:W}")]
    assert plan_differences(plan, _desired(), kinds, env_values=env) == []
    trusted = trusted_plan(plan, _desired())
    assert trusted.changes[0].values() == {"name": "A2", "secret": "from-env"}


@pytest.mark.parametrize(
    ("field", "said"),
    [
        (FieldChange("name", "A", "A3"), "widget.a.name (w.yaml:2:3): the plan writes another"),
        (FieldChange("size", 6, True), "widget.a.size (w.yaml:2:3): the plan writes another"),
        (FieldChange("size", 6, 7.0), "widget.a.size (w.yaml:2:3): the plan writes another"),
        (FieldChange("colour", 6, 7), "widget.a.colour: the plan writes it, but the config"),
    ],
)
def test_a_value_or_type_the_config_does_not_write_is_a_difference(
    widget_kind: ResourceKind, field: FieldChange, said: str
) -> None:
    plan = Plan((_update(field),))
    differences = plan_differences(plan, _desired(), {"widget": widget_kind})
    assert len(differences) == 1
    assert differences[0].startswith(said)


def test_an_env_value_the_config_does_not_read_is_a_difference(widget_kind: ResourceKind) -> None:
    env = [("widget.a", "secret", "${env:PROCTOREXAM_SECRET_KEY}")]
    differences = plan_differences(Plan(()), _desired(), {"widget": widget_kind}, env_values=env)
    assert differences == [
        "widget.a.secret: the plan reads it from the environment otherwise than the"
        " configuration does (/env_values)"
    ]


def test_a_signature_covers_every_byte_but_itself() -> None:
    doc = {"b": [1, (2, 3)], "a": "é", "format": "x"}
    signed = sign(doc, b"k")
    check_signature(signed, b"k", source="p")
    assert canonical_bytes(signed) == '{"a":"é","b":[1,[2,3]],"format":"x"}'.encode()
    with pytest.raises(PlanSignatureError, match=f"this run holds key {key_fingerprint(b'j')}"):
        check_signature(signed, b"j", source="p")
    with pytest.raises(PlanSignatureError, match="does not match"):
        check_signature({**signed, "a": "e"}, b"k", source="p")
    with pytest.raises(PlanSignatureError, match="is not signed"):
        check_signature(doc, b"k", source="p")
    assert key_fingerprint(b"k") != key_fingerprint(b"j")
    assert len(key_fingerprint(b"k")) == 16
