"""The hook specifications read like a manual, and the public API is what it claims."""

from __future__ import annotations

import inspect
import types

import reconciler
from reconciler import hookspecs


def all_hookspecs() -> list[tuple[str, object]]:
    return [
        (name, fn)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "reconciler_spec")
    ]


def test_every_hook_is_named_documented_and_has_an_example() -> None:
    specs = all_hookspecs()
    assert len(specs) >= 9
    for name, fn in specs:
        assert name.startswith("reconciler_"), name
        doc = inspect.getdoc(fn) or ""
        assert "Example::" in doc, f"{name} has no example"
        assert "@hookimpl" in doc, f"{name}'s example does not show @hookimpl"
        assert len(doc.split("Example::")[0].split()) >= 15, f"{name} is barely documented"


def test_every_hook_is_reachable_through_the_typed_facade() -> None:
    from reconciler.hooks import Hooks

    source = inspect.getsource(Hooks)
    for name, _ in all_hookspecs():
        assert name in source, f"the facade never calls {name}"


def test_public_api_is_exactly_all() -> None:
    exported = sorted(reconciler.__all__)
    assert exported == sorted(set(exported))
    for name in exported:
        assert hasattr(reconciler, name), name
    public = {
        name
        for name, value in vars(reconciler).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(exported) - {"__version__"}
