"""Targets: a kind, an address or a glob; an address is looked up, a glob matched."""

from __future__ import annotations

import pytest

from reconciler import DesiredObject, DesiredState, Location, SettingsError
from reconciler.engine.targeting import select


def widget(identity: str) -> DesiredObject:
    return DesiredObject(
        kind="widget",
        identity=identity,
        fields={"name": identity},
        location=Location("w.yaml", 1, 1),
        locations={},
    )


STATE = DesiredState(tuple(widget(n) for n in ("a", "a1", "a[1]", "b")))


def chosen(*targets: str) -> set[str]:
    return set(select(STATE, {}, {}, targets)[0])


def test_an_address_selects_itself_alone_and_a_glob_what_it_matches() -> None:
    assert chosen("widget.a") == {"widget.a"}
    assert chosen("widget.a*") == {"widget.a", "widget.a1", "widget.a[1]"}
    assert chosen("widget.a?") == {"widget.a1"}
    assert chosen("widget.[ab]") == {"widget.a", "widget.b"}
    assert chosen("widget") == {"widget.a", "widget.a1", "widget.a[1]", "widget.b"}


def test_every_address_of_a_large_plan_as_a_target_selects_each_once() -> None:
    many = DesiredState(tuple(widget(f"w{i:05d}") for i in range(2_000)))
    targets = [f"widget.w{i:05d}" for i in range(0, 2_000, 2)]
    selected, _ = select(many, {}, {}, targets)
    assert selected == frozenset(targets)


def test_an_address_that_is_not_declared_is_refused_with_the_closest() -> None:
    with pytest.raises(SettingsError, match=r"--target widget\.c: matches nothing.*widget\.a"):
        chosen("widget.c")
