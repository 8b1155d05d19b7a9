"""The plugin manager: built-ins through entry points, clashes named, disabling, local files."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler import PluginError, Reporter, ResourceKind, hookimpl
from reconciler.plugin.hooks import Hooks
from reconciler.plugin.manager import build_plugin_manager

HooksFactory = Callable[..., Hooks]


def plugin_with(**hooks: object) -> types.SimpleNamespace:
    return types.SimpleNamespace(**hooks)


def reporter_plugin(name: str) -> types.SimpleNamespace:
    @hookimpl
    def reconciler_reporters() -> list[Reporter]:
        return [Reporter(name=name, render_plan=lambda plan, refusals, options: name)]

    return plugin_with(reconciler_reporters=reconciler_reporters)


def test_builtins_load_through_their_entry_points_ours_first() -> None:
    _, infos = build_plugin_manager()
    names = [info.name for info in infos]
    assert names[:2] == ["proctorexam", "reports"]
    assert all("entry point" in info.source for info in infos[:2])


def test_two_reporters_of_one_name_name_both_plugins(reconciler_hooks: HooksFactory) -> None:
    hooks = reconciler_hooks(("first", reporter_plugin("x")), ("second", reporter_plugin("x")))
    with pytest.raises(PluginError, match=r"format 'x' .* 'first' and plugin 'second'"):
        hooks.reporters  # noqa: B018


def test_two_kinds_in_one_yaml_section_is_a_clash(
    widget_kind: ResourceKind, reconciler_hooks: HooksFactory
) -> None:
    import dataclasses

    other = dataclasses.replace(widget_kind, name="gadget")

    def kinds_plugin(kind: ResourceKind) -> types.SimpleNamespace:
        @hookimpl
        def reconciler_resource_kinds() -> list[ResourceKind]:
            return [kind]

        return plugin_with(reconciler_resource_kinds=reconciler_resource_kinds)

    hooks = reconciler_hooks(("a", kinds_plugin(widget_kind)), ("b", kinds_plugin(other)))
    with pytest.raises(PluginError, match=r"YAML section 'widgets' .* 'a' and plugin 'b'"):
        hooks.resource_kinds  # noqa: B018


def test_two_plugins_with_one_name_are_refused() -> None:
    with pytest.raises(PluginError, match="two plugins are named 'dup'"):
        build_plugin_manager(
            entry_points_group=None,
            plugins=[("dup", reporter_plugin("a")), ("dup", reporter_plugin("b"))],
        )


def test_a_plugin_can_be_disabled_by_name() -> None:
    pm, infos = build_plugin_manager(disabled=["reports"])
    assert [i.name for i in infos] == ["proctorexam"]
    assert "text" not in Hooks(pm, infos).reporters


def test_disabling_an_unknown_plugin_is_an_error() -> None:
    with pytest.raises(PluginError, match="cannot disable reprots: no plugin of that name"):
        build_plugin_manager(disabled=["reprots"])


def test_a_misspelt_hook_is_a_start_up_error() -> None:
    @hookimpl
    def reconciler_reporter() -> list[Reporter]:
        return []

    with pytest.raises(PluginError, match="reconciler_reporter"):
        build_plugin_manager(
            entry_points_group=None,
            plugins=[("typo", plugin_with(reconciler_reporter=reconciler_reporter))],
        )


def test_a_registration_hook_must_return_records(reconciler_hooks: HooksFactory) -> None:
    @hookimpl
    def reconciler_reporters() -> list[str]:
        return ["text"]

    hooks = reconciler_hooks(("bad", plugin_with(reconciler_reporters=reconciler_reporters)))
    message = r"plugin 'bad' \(given directly\): reconciler_reporters returned 'text' \(a str\)"
    with pytest.raises(PluginError, match=message + ", not a Reporter"):
        hooks.reporters  # noqa: B018


def test_local_plugin_files_load_last_and_contribute(tmp_path: Path) -> None:
    path = tmp_path / "shout.py"
    path.write_text(
        "from reconciler import Reporter, hookimpl\n"
        "@hookimpl\n"
        "def reconciler_reporters():\n"
        "    return [Reporter(name='shout', render_plan=lambda plan, refusals, options: 'PLAN!')]\n"
    )
    pm, infos = build_plugin_manager(local_files=[path])
    hooks = Hooks(pm, infos)
    assert infos[-1].name == "shout"
    assert str(path) in infos[-1].source
    assert "shout" in hooks.reporters
    assert hooks.contributions()["shout"] == ["format:shout"]
    assert hooks.hooks_of("shout") == ["reconciler_reporters"]


def test_a_broken_local_plugin_names_its_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(PluginError, match=r"broken\.py: boom"):
        build_plugin_manager(entry_points_group=None, local_files=[path])
    with pytest.raises(PluginError, match="does not exist"):
        build_plugin_manager(entry_points_group=None, local_files=[tmp_path / "missing.py"])


def test_a_plugin_may_not_replace_a_command(reconciler_hooks: HooksFactory) -> None:
    import click

    group = click.Group(commands={"plan": click.Command("plan")})

    @hookimpl
    def reconciler_add_commands(cli: click.Group) -> None:
        cli.add_command(click.Command("plan"))

    hooks = reconciler_hooks(
        ("greedy", plugin_with(reconciler_add_commands=reconciler_add_commands))
    )
    with pytest.raises(PluginError, match="replaced the command"):
        hooks.add_commands(group)
