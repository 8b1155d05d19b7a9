"""The hook specifications read like a manual, and the public API is what it claims."""

from __future__ import annotations

import inspect
import textwrap
import types
from collections.abc import Callable
from pathlib import Path

import pluggy
import pytest

import reconciler
from reconciler import Provider, ResourceKind
from reconciler.plugin import hookspecs
from reconciler.testing import CliResult


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
    from reconciler.plugin.hooks import Hooks

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


def example_plugin(hook: Callable[..., object]) -> types.ModuleType:
    """The example of ``hook``'s docstring, run on its own as a module."""
    example = (inspect.getdoc(hook) or "").split("Example::", 1)[1]
    module = types.ModuleType(f"{hook.__name__}_example")
    exec(compile(textwrap.dedent(example), f"<{hook.__name__} example>", "exec"), vars(module))
    return module


def test_the_kind_and_provider_examples_run_on_their_own() -> None:
    for hook, record in [
        (hookspecs.reconciler_resource_kinds, ResourceKind),
        (hookspecs.reconciler_providers, Provider),
    ]:
        pm = pluggy.PluginManager("reconciler")
        pm.add_hookspecs(hookspecs)
        pm.register(example_plugin(hook))
        (returned,) = getattr(pm.hook, hook.__name__)()
        assert [type(r) for r in returned] == [record], hook.__name__


def test_the_kind_and_provider_examples_plan_and_apply_together(
    run_reconciler: Callable[..., CliResult],
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("PROCTOREXAM_BASE_URL", "PROCTOREXAM_API_TOKEN", "PROCTOREXAM_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    plugins = [
        ("kind-example", example_plugin(hookspecs.reconciler_resource_kinds)),
        ("provider-example", example_plugin(hookspecs.reconciler_providers)),
    ]
    config = write_config({"notes.yaml": "notes:\n  welcome: {text: Hello}\n"})
    planned = run_reconciler("plan", str(config), "--detailed-exitcode", plugins=plugins)
    assert planned.exit_code == 2, planned.stdout + planned.stderr
    assert "+ note.welcome" in planned.stdout
    applied = run_reconciler("apply", str(config), "--auto-approve", plugins=plugins)
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert vars(plugins[1][1])["NOTES"] == {"welcome": {"text": "Hello"}}
    (config / "notes.yaml").write_text("notes:\n  welcome: {text: Hi}\n")
    changed = run_reconciler("apply", str(config), "--auto-approve", plugins=plugins)
    assert changed.exit_code == 0, changed.stdout + changed.stderr
    again = run_reconciler("plan", str(config), "--detailed-exitcode", plugins=plugins)
    assert again.exit_code == 0, again.stdout + again.stderr
    assert vars(plugins[1][1])["NOTES"] == {"welcome": {"text": "Hi"}}
