"""The live snapshot document: a faithful round trip, nothing secret written, clear refusals."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler import LiveObject, ReconcilerError, ResourceKind
from reconciler.documents.snapshot import (
    SNAPSHOT_SCHEMA,
    describe_age,
    read_snapshot,
    snapshot_to_document,
    storable_fields,
)

WHEN = datetime.datetime(2026, 11, 28, 14, 30, tzinfo=datetime.UTC)


def _live() -> dict[str, list[LiveObject]]:
    return {
        "widget": [
            LiveObject(
                "widget",
                "b",
                "2",
                {"name": "B", "tags": {"y", "x"}, "secret": "w-S3CRET", "token": "srv-T0KEN"},
                "fp-2",
            ),
            LiveObject("widget", "a", "1", {"name": "A", "size": "6", "enabled": True}, "fp-1"),
        ]
    }


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return path


def test_a_snapshot_reads_back_as_refresh_gives_it(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    doc = snapshot_to_document(_live(), {"widget": widget_kind}, taken_at=WHEN, host="ci-7")
    jsonschema.Draft202012Validator(SNAPSHOT_SCHEMA).validate(doc)
    snap = read_snapshot(_write(tmp_path, doc))
    assert snap.taken_at == WHEN
    assert snap.host == "ci-7"
    assert [(o.identity, o.ref, o.fingerprint) for o in snap.live["widget"]] == [
        ("a", "1", "fp-1"),
        ("b", "2", "fp-2"),
    ]
    assert snap.live["widget"][0].fields == {"enabled": True, "name": "A", "size": "6"}
    assert snap.live["widget"][1].fields == {"name": "B", "tags": ["x", "y"]}


def test_write_only_and_unmanageable_fields_are_never_written(widget_kind: ResourceKind) -> None:
    text = json.dumps(snapshot_to_document(_live(), {"widget": widget_kind}, taken_at=WHEN))
    assert "w-S3CRET" not in text
    assert "srv-T0KEN" not in text
    assert storable_fields(widget_kind, {"secret": "s", "token": "t", "name": "n"}) == {"name": "n"}


def test_the_same_live_state_gives_the_same_text(widget_kind: ResourceKind) -> None:
    kinds = {"widget": widget_kind}
    first = snapshot_to_document(_live(), kinds, taken_at=WHEN, host="h")
    reordered = {"widget": list(reversed(_live()["widget"]))}
    assert json.dumps(first) == json.dumps(
        snapshot_to_document(reordered, kinds, taken_at=WHEN, host="h")
    )


def test_a_snapshot_must_cover_the_kinds_a_configuration_uses(
    tmp_path: Path, widget_kind: ResourceKind
) -> None:
    doc = snapshot_to_document({}, {"widget": widget_kind}, taken_at=WHEN)
    snap = read_snapshot(_write(tmp_path, doc))
    assert snap.live_for([], source="s.json") == {}
    with pytest.raises(
        ReconcilerError, match=r"s\.json holds no widget objects.*reconciler snapshot"
    ):
        snap.live_for(["widget"], source="s.json")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("format"), "is not a live snapshot"),
        (lambda d: d.update(format_version="2.0"), r"snapshot format '2\.0'.*reads format 1\.x"),
        (lambda d: d.update(taken_at="yesterday"), r"/taken_at: must match the pattern"),
        (lambda d: d.update(taken_at="2026-13-45T99:00:00Z"), "not a valid date and time"),
        (lambda d: d["kinds"]["widget"][0].pop("fingerprint"), "'fingerprint' is a required"),
    ],
)
def test_a_damaged_snapshot_is_refused_with_a_reason(
    tmp_path: Path, widget_kind: ResourceKind, mutate: Any, message: str
) -> None:
    doc = snapshot_to_document(_live(), {"widget": widget_kind}, taken_at=WHEN)
    mutate(doc)
    with pytest.raises(ReconcilerError, match=message) as caught:
        read_snapshot(_write(tmp_path, doc))
    assert "reconciler snapshot PATH --output FILE" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ('{"format": "reconciler snapshot", "kinds": {"wid', "ends before the document does"),
        ("not json at all", "not valid JSON"),
        ("[1, 2]", "is not a snapshot document"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ReconcilerError, match=message):
        read_snapshot(_write(tmp_path, text))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReconcilerError, match="no such file"):
        read_snapshot(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (5, "less than a minute ago"),
        (60, "1 minute ago"),
        (7300, "2 hours ago"),
        (3 * 86400 + 5, "3 days ago"),
        (-60, "in the future"),
    ],
)
def test_the_age_is_said_in_its_largest_whole_unit(seconds: int, said: str) -> None:
    then = WHEN - datetime.timedelta(seconds=seconds)
    assert describe_age(then, WHEN).startswith(said)
