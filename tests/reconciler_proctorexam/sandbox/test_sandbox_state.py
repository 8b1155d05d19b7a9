"""Seeds (tolerant of legacy shapes) and the state file (persisted across restarts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler_proctorexam.sandbox import Sandbox, SandboxError


def _write_seed(path: Path, institutes: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"institutes": institutes}), encoding="utf-8")
    return path


def test_changes_persist_across_restarts(tmp_path: Path, caller: Any) -> None:
    state = tmp_path / ".sandbox-state.json"
    with Sandbox(seed=[{"name": "A", "short_name": "a"}], state_file=state) as first:
        client = caller(first)
        client.patch("/institutes/1", {"global_proctor": True})
        client.post("/institutes", {"name": "B", "short_name": "b"})
        client.post("/institutes", {"name": "C", "short_name": "c"})
        client.delete("/institutes/3")
        before = first.institutes()
    with Sandbox(seed=[{"name": "Ignored", "short_name": "ignored"}], state_file=state) as second:
        assert second.institutes() == before  # the state file wins over the seed
        created = caller(second).post("/institutes", {"name": "D", "short_name": "d"})
        assert created.json()["institute"]["id"] == 4  # the deleted id 3 is not reused


def test_reset_starts_again_from_the_seed(tmp_path: Path, caller: Any) -> None:
    state = tmp_path / "state.json"
    seed = [{"name": "A", "short_name": "a"}]
    with Sandbox(seed=seed, state_file=state) as first:
        caller(first).post("/institutes", {"name": "B", "short_name": "b"})
    with Sandbox(seed=seed, state_file=state, reset=True) as second:
        assert [i["short_name"] for i in second.institutes()] == ["a"]
    with Sandbox(seed=None, state_file=state) as third:
        assert [i["short_name"] for i in third.institutes()] == ["a"]


def test_acknowledged_writes_survive_a_kill(tmp_path: Path, caller: Any) -> None:
    state = tmp_path / "state.json"
    sandbox = Sandbox(seed=[{"name": "A", "short_name": "a"}], state_file=state).start()
    try:
        caller(sandbox).patch("/institutes/1", {"tawk_url": "https://tawk.example"})
        # Read the file while the sandbox runs, as a restart after a kill -9 would.
        snapshot = Path(tmp_path / "copy.json")
        snapshot.write_bytes(state.read_bytes() + b'{"put": {"id": 9, "na')  # a torn last line
    finally:
        sandbox.stop()
    with Sandbox(state_file=snapshot) as revived:
        assert revived.institutes()[0]["tawk_url"] == "https://tawk.example"
        assert len(revived.institutes()) == 1


def test_the_journal_is_folded_into_the_snapshot(tmp_path: Path, caller: Any) -> None:
    state = tmp_path / "state.json"
    with Sandbox(seed=[{"name": "A", "short_name": "a"}], state_file=state) as sandbox:
        client = caller(sandbox)
        for n in range(5):
            client.patch("/institutes/1", {"pre_assigned_proctor_fallback_threshold": n})
        assert len(state.read_text(encoding="utf-8").splitlines()) == 6
    assert len(state.read_text(encoding="utf-8").splitlines()) == 1  # compacted on stop


def test_a_damaged_state_file_is_a_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"institutes": []}\n', encoding="utf-8")
    with pytest.raises(SandboxError, match="not a sandbox state file"), Sandbox(state_file=state):
        pass


def test_a_seed_file_shaped_like_the_list_response(tmp_path: Path, caller: Any) -> None:
    seed = _write_seed(
        tmp_path / "seed.json",
        [
            {"id": 7, "name": "Seven", "short_name": "seven",
             "created_at": "2018-08-20T15:11:09.284+02:00",
             "updated_at": "2019-01-22T10:30:59.794+01:00"},
            {"name": "Assigned", "short_name": "assigned"},
        ],
    )  # fmt: skip
    with Sandbox(seed=seed) as sandbox:
        seven, assigned = sandbox.institutes()
        assert (seven["id"], assigned["id"]) == (7, 8)
        assert seven["updated_at"] == "2019-01-22T10:30:59.794+01:00"
        assert assigned["created_at"] == assigned["updated_at"]
        moved = caller(sandbox).patch("/institutes/7", {"global_proctor": True}).json()
        assert moved["institute"]["updated_at"] != seven["updated_at"]


def test_a_seed_with_legacy_shapes_is_served_back_as_it_is(caller: Any) -> None:
    legacy = {
        "name": "Old",
        "short_name": "old",
        "default_exam_languages": "fr,nl,es,ar,no",
        "student_experience": "classic",
        "session_retention_period": 6,
    }
    with Sandbox(seed=[legacy]) as sandbox:
        institute = caller(sandbox).get("/institutes/1").json()["institute"]
        assert institute["default_exam_languages"] == "fr,nl,es,ar,no"
        assert institute["student_experience"] == "classic"
        assert institute["default_language"] == "en-GB"
        assert institute["session_retention_period"] == "6"
        refused = caller(sandbox).patch("/institutes/1", {"student_experience": "new"})
        assert refused.status_code == 422
        updated = caller(sandbox).patch("/institutes/1", {"default_language": "nl-NL"})
        assert updated.json()["institute"]["default_exam_languages"] == "nl-NL"


def test_a_legacy_locale_becomes_the_default_language() -> None:
    with Sandbox(seed=[{"name": "A", "short_name": "a", "default_locale": "no-NO"}]) as sandbox:
        assert sandbox.institutes()[0]["default_language"] == "no-NO"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{nope", "not valid JSON"),
        ('{"schools": []}', "shaped like the list response"),
        ('{"institutes": [{"name": "A"}]}', "needs a short_name"),
        ('{"institutes": [{"name": "A", "short_name": "a", "id": "x"}]}', "positive integer"),
        ('{"institutes": [{"name": "A", "short_name": "a"}, {"name": "A", "short_name": "b"}]}',
         "used twice"),
        ('{"institutes": [{"name": "A", "short_name": "a", "id": 1},'
         ' {"name": "B", "short_name": "b", "id": 1}]}', "id 1 is used twice"),
    ],
)  # fmt: skip
def test_a_bad_seed_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(content, encoding="utf-8")
    with pytest.raises(SandboxError, match=message), Sandbox(seed=seed):
        pass


def test_a_missing_seed_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="does not exist"), Sandbox(seed=tmp_path / "none.json"):
        pass
