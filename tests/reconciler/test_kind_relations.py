"""References, ordering, create-only fields, kinds without delete and secrets: the core's
generic features, on two made-up kinds (a shelf, and books that name their shelf)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from reconciler import (
    Action,
    ConfigError,
    DesiredObject,
    DesiredState,
    LiveObject,
    Location,
    Outcome,
    PluginError,
    ProviderError,
    ResourceKind,
    Scope,
)
from reconciler.engine.applying import apply_plan
from reconciler.engine.dependencies import (
    check_declared,
    check_references,
    kind_levels,
    needed_kinds,
    scopes,
)
from reconciler.engine.planning import make_plan
from reconciler.plugin.hooks import Hooks
from reconciler.plugin.manager import build_plugin_manager

SCHEMA: dict[str, Any] = {"type": "object"}
SHELF = ResourceKind(name="shelf", section="shelves", provider="lib", schema=SCHEMA, identity="id")
BOOK = ResourceKind(
    name="book",
    section="books",
    provider="lib",
    schema=SCHEMA,
    identity="isbn",
    references={"shelf": "shelf"},
    create_only={"title": "reprint the book under a new ISBN.", "seal": "ask the binder."},
    write_only=frozenset({"seal"}),
    can_delete=False,
    secrets=frozenset({"loan_token"}),
)
KINDS = {"shelf": SHELF, "book": BOOK}


def obj(kind: str, identity: str, line: int = 1, absent: bool = False, **fields: Any) -> Any:
    return DesiredObject(
        kind,
        identity,
        fields,
        Location("lib.yaml", line, 3),
        {name: Location("lib.yaml", line + 1 + i, 5) for i, name in enumerate(fields)},
        absent=absent,
    )


def live(kind: str, identity: str, **fields: Any) -> LiveObject:
    return LiveObject(kind, identity, f"{kind}-{identity}", fields, fingerprint="f")


def test_levels_put_parents_first_and_refuse_cycles_and_unknown_kinds() -> None:
    assert kind_levels(KINDS) == {"shelf": 0, "book": 1}
    loop = ResourceKind("shelf", "shelves", "lib", SCHEMA, "id", references={"in": "book"})
    with pytest.raises(PluginError, match="cycle \\(book -> shelf -> book\\)"):
        kind_levels({"shelf": loop, "book": BOOK})
    with pytest.raises(PluginError, match="refers to the kind 'shelf', which no loaded plugin"):
        kind_levels({"book": BOOK})


def test_a_config_of_books_needs_shelves_too_and_scopes_name_what_is_referred_to() -> None:
    state = DesiredState((obj("book", "1", shelf="a", title="T"), obj("book", "2", shelf="b")))
    assert needed_kinds(state, KINDS) == ["book", "shelf"]
    assert scopes(state, KINDS) == {
        "book": Scope(
            identities=frozenset({"1", "2"}),
            fields=frozenset({"shelf", "title"}),
            references={"shelf": frozenset({"a", "b"})},
        )
    }


def test_references_must_be_declared_or_live_and_not_tombstones() -> None:
    state = DesiredState(
        (
            obj("book", "1", line=1, shelf="gone"),
            obj("book", "2", line=5, shelf="nowhere"),
            obj("book", "3", line=9, shelf="live"),
            obj("shelf", "gone", line=20, absent=True),
        )
    )
    (tombstoned,) = check_declared(state, KINDS)
    assert tombstoned.location == Location("lib.yaml", 2, 5)
    assert "refers to shelf.gone, which is a tombstone (absent: true) at lib.yaml:20:3" in str(
        tombstoned
    )
    problems = check_references(state, {"shelf": [live("shelf", "live")]}, KINDS)
    assert [(p.location, p.plugin) for p in problems] == [
        (Location("lib.yaml", 2, 5), "lib"),
        (Location("lib.yaml", 6, 5), "lib"),
    ]
    assert "books.2.shelf: refers to shelf.nowhere" in problems[1].message
    assert "(known: live)" in problems[1].message


def test_a_tombstone_of_a_kind_without_delete_is_located() -> None:
    (problem,) = check_declared(DesiredState((obj("book", "1", line=4, absent=True),)), KINDS)
    assert problem.location == Location("lib.yaml", 4, 3)
    assert "a book cannot be deleted through the lib API" in problem.message


def test_a_create_only_difference_refuses_the_plan_at_its_line() -> None:
    state = DesiredState((obj("shelf", "a"), obj("book", "1", line=3, shelf="a", title="New")))
    current = {"shelf": [live("shelf", "a")], "book": [live("book", "1", shelf="a", title="Old")]}
    with pytest.raises(ConfigError) as raised:
        make_plan(state, current, KINDS)
    (problem,) = raised.value.problems
    assert problem.location == Location("lib.yaml", 5, 5)
    assert problem.message == (
        "book.1.title is 'New' here but 'Old' live, and title cannot be changed once a book"
        " exists (the service would ignore the update): reprint the book under a new ISBN."
    )


def test_a_write_only_create_only_field_is_sent_on_create_and_never_compared() -> None:
    state = DesiredState(
        (obj("shelf", "a"), obj("book", "1", shelf="a", seal="s3"), obj("book", "2", shelf="a"))
    )
    plan = make_plan(
        state, {"shelf": [live("shelf", "a")], "book": [live("book", "1", shelf="a")]}, KINDS
    )
    (create,) = plan.changes
    assert (create.action, create.identity) == (Action.CREATE, "2")
    state = DesiredState((obj("shelf", "a"), obj("book", "2", shelf="a", seal="s3")))
    (create,) = make_plan(state, {"shelf": [live("shelf", "a")]}, KINDS).changes
    assert create.values() == {"shelf": "a", "seal": "s3"}
    assert all(f.sensitive for f in create.fields if f.name == "seal")


def test_plans_list_parents_first_and_leave_referred_kinds_unreported() -> None:
    state = DesiredState((obj("book", "1", shelf="z"), obj("shelf", "z")))
    plan = make_plan(state, {"shelf": [live("shelf", "other")]}, KINDS)
    assert [c.address for c in plan.changes] == ["shelf.z", "book.1"]
    books_only = DesiredState((obj("book", "1", shelf="other"),))
    plan = make_plan(books_only, {"shelf": [live("shelf", "other")], "book": []}, KINDS)
    assert plan.unmanaged == ()  # shelves were read only to resolve the reference


def test_secrets_are_dropped_and_env_only_fields_follow_from_the_kind() -> None:
    assert BOOK.without_secrets({"isbn": "1", "loan_token": "t"}) == {"isbn": "1"}
    assert BOOK.env_only == {"seal"}
    assert SHELF.env_only == frozenset()


class Library:
    """An in-memory provider session; creates of the shelves named in ``failing`` fail."""

    def __init__(self, failing: Sequence[str] = (), gate: int = 1) -> None:
        self.failing = set(failing)
        self.events: list[tuple[str, str]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._started = 0
        self._gate = gate
        self._all_started = asyncio.Event()

    async def _work(self, what: str, address: str) -> None:
        self.events.append(("start", f"{what} {address}"))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self._started += 1
        if self._started >= self._gate:
            self._all_started.set()
        # Waits until ``gate`` changes are in flight at once: proves a level runs concurrently.
        await asyncio.wait_for(self._all_started.wait(), timeout=5)
        self.in_flight -= 1
        self.events.append(("end", f"{what} {address}"))
        if what == "create" and address.split(".", 1)[1] in self.failing:
            raise ProviderError("refused", address=address)

    async def list(self, kind: ResourceKind, scope: Scope | None = None) -> Sequence[LiveObject]:
        return []

    async def read(self, kind: ResourceKind, identity: str) -> LiveObject | None:
        return None

    async def create(
        self, kind: ResourceKind, identity: str, values: Mapping[str, Any]
    ) -> LiveObject:
        await self._work("create", f"{kind.name}.{identity}")
        return live(kind.name, identity, **values)  # answers with what it kept: all of it

    async def update(
        self, kind: ResourceKind, current: LiveObject, values: Mapping[str, Any]
    ) -> LiveObject:
        await self._work("update", current.address)
        return live(kind.name, current.identity, **{**current.fields, **values})

    async def delete(self, kind: ResourceKind, current: LiveObject) -> None:
        await self._work("delete", current.address)


def apply_with(session: Library, state: DesiredState, current: Any = None) -> Any:
    plan = make_plan(state, current or {}, KINDS)
    hooks = Hooks(*build_plugin_manager(entry_points_group=None))
    sessions = {"shelf": session, "book": session}
    return asyncio.run(apply_plan(plan, sessions, KINDS, hooks, parallelism=4))


def test_apply_creates_parents_first_concurrently_and_skips_children_of_a_failed_parent() -> None:
    state = DesiredState(
        (
            obj("shelf", "ok"),
            obj("shelf", "bad"),
            obj("book", "1", shelf="ok"),
            obj("book", "2", shelf="bad"),
            obj("book", "3", shelf="bad"),
        )
    )
    session = Library(failing=["bad"], gate=2)
    result = apply_with(session, state)
    # Both shelves were in flight together; every book started after both shelves ended.
    assert session.most_in_flight == 2
    ends = [i for i, (e, what) in enumerate(session.events) if e == "end" and "shelf" in what]
    starts = [i for i, (e, what) in enumerate(session.events) if e == "start" and "book" in what]
    assert max(ends) < min(starts)
    outcomes = {o.change.address: o for o in result.outcomes}
    assert outcomes["shelf.bad"].outcome is Outcome.FAILED
    assert outcomes["book.1"].outcome is Outcome.APPLIED
    for book in ("book.2", "book.3"):
        assert outcomes[book].outcome is Outcome.SKIPPED
        assert outcomes[book].error == (
            "not attempted: it needs shelf.bad, whose create did not succeed (failed). Fix that"
            " and apply again."
        )
    assert not any("book.2" in what for _, what in session.events)
    assert result.failed


def test_deletes_run_children_first() -> None:
    deletable = ResourceKind(
        name="book",
        section="books",
        provider="lib",
        schema=SCHEMA,
        identity="isbn",
        references={"shelf": "shelf"},
    )
    kinds = {"shelf": SHELF, "book": deletable}
    state = DesiredState((obj("shelf", "a", absent=True), obj("book", "1", absent=True)))
    plan = make_plan(state, {"shelf": [live("shelf", "a")], "book": [live("book", "1")]}, kinds)
    session = Library()
    hooks = Hooks(*build_plugin_manager(entry_points_group=None))
    asyncio.run(apply_plan(plan, {"shelf": session, "book": session}, kinds, hooks))
    assert [what for event, what in session.events if event == "start"] == [
        "delete book.1",
        "delete shelf.a",
    ]
