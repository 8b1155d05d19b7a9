"""Composition: defaults by address glob and by group, environments that extend a base, and
``${var:NAME}``; precedence with provenance in every layer, and every error located."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from reconciler.engine.planning import make_plan
from reconciler.loading import Limits, read_desired
from reconciler.loading.desired import assemble
from reconciler.loading.plainyaml import read_plain
from reconciler.loading.yamlfile import parse_text
from reconciler.model import DesiredState, LiveObject, Location
from reconciler.records import ResourceKind
from reconciler.settings.config import read_settings
from reconciler.settings.environments import environment

Load = Callable[..., DesiredState]
Problems = Callable[..., list[str]]

LAYERED = """\
defaults:
  reminder_emails_enabled: true
  threshold: 1
  plan: basic
  retention: 3
  "campus.uni-*":
    threshold: 2
    plan: premium
    retention: 4
  "group:universities":
    plan: basic
    retention: 5
  "group:research":
    retention: 6
campuses:
  uni-a:
    name: A
    group: [universities, research]
  uni-b:
    name: B
    group: universities
    retention: 7
  pe:
    name: PE
"""


def test_precedence_is_kind_defaults_then_globs_then_groups_in_order_then_the_object(
    load: Load,
) -> None:
    state = load({"a.yaml": LAYERED})
    by_name = {o.identity: o for o in state.objects}
    a, b, pe = by_name["uni-a"], by_name["uni-b"], by_name["pe"]
    assert a.fields == {
        "name": "A",
        "reminder_emails_enabled": True,  # kind defaults
        "threshold": 2,  # the glob over the kind defaults
        "plan": "basic",  # the group over the glob
        "retention": 6,  # the second group listed over the first
    }
    # Provenance: the layer's name, and the exact place the value is written.
    assert a.layers == {
        "reminder_emails_enabled": "defaults",
        "threshold": "defaults campus.uni-*",
        "plan": "group universities",
        "retention": "group research",
    }
    assert a.locations == {
        "name": Location("config/a.yaml", 17, 5),
        "reminder_emails_enabled": Location("config/a.yaml", 2, 3),
        "threshold": Location("config/a.yaml", 7, 5),
        "plan": Location("config/a.yaml", 11, 5),
        "retention": Location("config/a.yaml", 14, 5),
    }
    assert b.fields["retention"] == 7
    assert "retention" not in b.layers
    assert b.locations["retention"] == Location("config/a.yaml", 22, 5)
    assert b.layers["plan"] == "group universities"
    # Not matched by the glob, in no group: the kind defaults alone.
    assert pe.fields == {
        "name": "PE",
        "reminder_emails_enabled": True,
        "threshold": 1,
        "plan": "basic",
        "retention": 3,
    }
    assert set(pe.layers.values()) == {"defaults"}


def test_the_plan_names_the_layer_of_each_value(load: Load, kinds: dict[str, Any]) -> None:
    state = load({"a.yaml": LAYERED})
    live = {
        "campus": [
            LiveObject(
                "campus",
                "uni-a",
                "1",
                {
                    "name": "A",
                    "reminder_emails_enabled": False,
                    "threshold": 0,
                    "plan": "premium",
                    "retention": 1,
                },
            )
        ]
    }
    plan = make_plan(state, live, kinds, strict=False)
    update = next(c for c in plan.changes if c.identity == "uni-a")
    shown = {f.name: (f.layer, str(f.location)) for f in update.fields}
    assert shown == {
        "reminder_emails_enabled": ("defaults", "config/a.yaml:2:3"),
        "threshold": ("defaults campus.uni-*", "config/a.yaml:7:5"),
        "plan": ("group universities", "config/a.yaml:11:5"),
        "retention": ("group research", "config/a.yaml:14:5"),
    }


def test_the_fast_reader_and_libyaml_give_the_same_layers_and_locations(
    kinds: Mapping[str, ResourceKind],
) -> None:
    # Plain lines only (a dotted glob key is a plain key): the line-by-line reader takes it.
    text = (
        "defaults:\n"
        "  threshold: 1\n"
        "  campus.uni-a:\n"
        "    threshold: 2\n"
        "  campus.pe:\n"
        "    plan: premium\n"
        "campuses:\n"
        "  uni-a:\n"
        "    name: A\n"
        "  pe:\n"
        "    name: PE\n"
        "gadgets:\n"
        "  g:\n"
        "    size: 1\n"
    )
    fast = parse_text(text, "f.yaml", Limits())
    slow = parse_text(text, "f.yaml", Limits(), pure_python=True)
    assert read_plain(text, Limits()) is not None  # the fast reader did read it
    fast_state, fast_problems = assemble([fast], kinds, {})
    slow_state, slow_problems = assemble([slow], kinds, {})
    assert fast_problems == slow_problems == []
    assert [(o.fields, o.locations, o.layers) for o in fast_state.objects] == [
        (o.fields, o.locations, o.layers) for o in slow_state.objects
    ]
    a = next(o for o in fast_state.objects if o.identity == "uni-a")
    assert a.layers["threshold"] == "defaults campus.uni-a"
    assert a.locations["threshold"] == Location("f.yaml", 4, 5)


def test_an_unknown_group_is_located_at_its_name(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            defaults:
              "group:universities": {plan: basic}
            campuses:
              uni-a:
                name: A
                group: [universities, universitys]
            """
        }
    )
    assert found == [
        "config/a.yaml:6:27: campuses.uni-a.group: unknown group 'universitys' (a group is"
        " declared under defaults: as \"group:NAME\"); did you mean 'universities'?"
    ]


def test_a_glob_that_matches_nothing_is_located_at_its_key(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            defaults:
              "institute.uni-*": {plan: basic}
            campuses:
              uni-a: {name: A}
            """
        }
    )
    assert found == [
        'config/a.yaml:2:3: defaults."institute.uni-*": this address glob matches no declared'
        " object (addresses are KIND.NAME, e.g. institute.uni-*); fix it or remove it"
    ]


def test_a_bad_value_in_a_layer_is_reported_once_at_the_layer(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            defaults:
              "group:g":
                threshold: 99
                colour: red
            campuses:
              uni-a: {name: A, group: g}
              uni-b: {name: B, group: g}
              uni-c: {name: C, group: {g: 1}}
            """
        }
    )
    assert found == [
        'config/a.yaml:3:16: defaults."group:g".threshold: expected at most 10, got 99',
        'config/a.yaml:4:5: defaults."group:g".colour is not a field of any kind',
        "config/a.yaml:8:27: campuses.uni-c.group: expected a group name or a list of them"
        " (group: universities), not a mapping",
    ]


# Environments ---------------------------------------------------------------------------------


def _write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")


def _read(directory: Path, kinds: Mapping[str, ResourceKind]) -> tuple[DesiredState, list[str]]:
    settings, problems = read_settings(directory)
    env = environment(settings)
    state, found = read_desired(
        directory,
        kinds,
        {"HOOK": "hooks.example.org"},
        secret_files=env.vars_files,
        bases=env.bases,
        variables=env.variables,
        vars_where=env.vars_where,
    )
    return state, [str(p) for p in [*problems, *env.problems, *found]]


BASE = {
    "base/reconciler.toml": 'vars = "vars.yaml"\n',
    "base/vars.yaml": "retention: 3\n",
    "base/campuses.yaml": """\
    defaults:
      threshold: 1
      "group:universities":
        plan: basic
    campuses:
      uni-a:
        name: A
        group: universities
        retention: ${var:retention}
        custom_languages: ${var:languages}
        callback_url: https://${env:HOOK}/${var:region}/cb
      pe:
        name: PE
    """,
}


def test_an_overlay_replaces_its_bases_values_layer_by_layer_with_provenance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kinds: Mapping[str, ResourceKind]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        Path(),
        {
            **BASE,
            "staging/reconciler.toml": 'extends = "../base"\nvars = "vars.yaml"\n',
            "staging/vars.yaml": "retention: 12\nlanguages: [de-DE, fr-FR]\nregion: eu\n",
            "staging/overrides.yaml": """\
            defaults:
              threshold: 2
              "group:universities":
                plan: premium
            campuses:
              pe:
                name: PE staging
              stage-only:
                name: S
            """,
        },
    )
    state, problems = _read(Path("staging"), kinds)
    assert problems == []
    by_name = {o.identity: o for o in state.objects}
    a, pe = by_name["uni-a"], by_name["pe"]
    # Typed variables: a number stays a number, a list a list; inside text, text.
    assert a.fields["retention"] == 12
    assert a.fields["custom_languages"] == ["de-DE", "fr-FR"]
    assert a.fields["callback_url"] == "https://hooks.example.org/eu/cb"
    assert a.fields["threshold"] == 2
    assert a.layers["threshold"] == "defaults"
    assert a.locations["threshold"] == Location("staging/overrides.yaml", 2, 3)
    assert a.fields["plan"] == "premium"
    assert a.layers["plan"] == "group universities"
    assert a.locations["plan"] == Location("staging/overrides.yaml", 4, 5)
    assert a.locations["retention"] == Location("base/campuses.yaml", 9, 5)
    assert pe.fields["name"] == "PE staging"
    assert pe.locations["name"] == Location("staging/overrides.yaml", 7, 5)
    assert "stage-only" in by_name
    # The vars files are not read as configuration.
    assert state.files == (
        "base/campuses.yaml",
        "staging/overrides.yaml",
    )


def test_an_unknown_variable_is_located_at_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kinds: Mapping[str, ResourceKind]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        Path(),
        {
            **BASE,
            "prod/reconciler.toml": 'extends = "../base"\n',
        },
    )
    _, problems = _read(Path("prod"), kinds)
    assert problems == [
        "base/campuses.yaml:10:23: campuses.uni-a.custom_languages: unknown variable languages"
        " (${var:languages}); define it in base/vars.yaml",
        "base/campuses.yaml:11:19: campuses.uni-a.callback_url: unknown variable region"
        " (${var:region}); define it in base/vars.yaml",
    ]


def test_a_variable_without_a_vars_file_says_how_to_name_one(problems: Problems) -> None:
    found = problems({"a.yaml": "campuses:\n  pe: {name: '${var:title}'}\n"})
    assert found == [
        "config/a.yaml:2:14: campuses.pe.name: unknown variable title (${var:title}); name a"
        ' vars file in reconciler.toml (vars = "vars.yaml") and define it there'
    ]


def test_a_cycle_of_extends_is_located_at_the_extends_that_closes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kinds: Mapping[str, ResourceKind]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        Path(),
        {
            "a/reconciler.toml": '# the overlay\nextends = "../b"\n',
            "a/x.yaml": "campuses:\n  pe: {name: PE}\n",
            "b/reconciler.toml": '\n\nextends = "../a"\n',
            "b/y.yaml": "campuses:\n  uu: {name: UU}\n",
            "c/reconciler.toml": 'extends = "../nowhere"\n',
            "c/z.yaml": "campuses:\n  uu: {name: UU}\n",
        },
    )
    _, problems = _read(Path("a"), kinds)
    assert problems == [
        "b/reconciler.toml:3:1: extends: a cycle (a -> b -> a); a base must not"
        " extend, directly or through others, a directory that extends it"
    ]
    _, problems = _read(Path("c"), kinds)
    assert problems == [
        "c/reconciler.toml:1:1: extends: nowhere is not a directory; name the base config"
        ' directory, relative to this file (extends = "../base")'
    ]


def test_two_files_of_one_directory_still_may_not_declare_one_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kinds: Mapping[str, ResourceKind]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        Path(),
        {
            **BASE,
            "base/vars.yaml": "retention: 3\nlanguages: []\nregion: eu\n",
            "stage/reconciler.toml": 'extends = "../base"\n',
            "stage/a.yaml": "campuses:\n  pe: {name: One}\n",
            "stage/b.yaml": "campuses:\n  pe: {name: Two}\n",
        },
    )
    _, problems = _read(Path("stage"), kinds)
    assert problems == [
        "stage/b.yaml:2:3: campuses.pe is already declared at stage/a.yaml:2:3; declare it once"
    ]


def test_a_bad_vars_file_and_a_list_inside_text_are_located(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kinds: Mapping[str, ResourceKind]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        Path(),
        {
            "env/reconciler.toml": '\nvars = "missing.yaml"\n',
            "env/a.yaml": "campuses:\n  pe: {name: PE}\n",
            "list/reconciler.toml": 'vars = "v.yaml"\n',
            "list/v.yaml": "- not\n- a mapping\n",
            "list/a.yaml": "campuses:\n  pe: {name: PE}\n",
            "text/reconciler.toml": 'vars = "v.yaml"\n',
            "text/v.yaml": "langs: [de-DE]\n2bad: x\n",
            "text/a.yaml": "campuses:\n  pe: {name: 'PE ${var:langs}'}\n",
        },
    )
    assert _read(Path("env"), kinds)[1] == [
        "env/reconciler.toml:2:1: vars: env/missing.yaml is not a file; create it or fix the path"
    ]
    assert _read(Path("list"), kinds)[1] == [
        "list/v.yaml:1:1: a vars file is a mapping of variable name to value (retention: 12)"
    ]
    assert _read(Path("text"), kinds)[1] == [
        "text/v.yaml:2:1: '2bad' is not a variable name (letters, digits and _)",
        "text/a.yaml:2:14: campuses.pe.name: ${var:langs} is a list or mapping and cannot stand"
        " inside text; use it as the whole value",
    ]


def test_a_kind_with_its_own_group_field_keeps_it(tmp_path: Path) -> None:
    team = ResourceKind(
        name="team",
        section="teams",
        provider="test",
        schema={
            "type": "object",
            "additionalProperties": False,
            "properties": {"group": {"type": "string"}, "size": {"type": "integer"}},
        },
        identity="slug",
    )
    (tmp_path / "a.yaml").write_text("teams:\n  t:\n    group: blue\n    size: 2\n")
    state, problems = read_desired(tmp_path / "a.yaml", {"team": team}, {})
    assert problems == []
    assert dict(state.objects[0].fields) == {"group": "blue", "size": 2}


def test_an_environment_may_tombstone_or_revive_what_its_base_declares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kinds: Mapping[str, ResourceKind]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        Path(),
        {
            "base/a.yaml": "campuses:\n  pe: {name: PE}\n  old: {absent: true}\n",
            "env/reconciler.toml": 'extends = "../base"\n',
            "env/b.yaml": "campuses:\n  pe: {absent: true}\n  old: {name: Old}\n",
        },
    )
    state, problems = _read(Path("env"), kinds)
    assert problems == []
    by_name = {o.identity: o for o in state.objects}
    assert by_name["pe"].absent
    assert by_name["pe"].location == Location("env/b.yaml", 2, 3)
    assert not by_name["old"].absent
    assert by_name["old"].fields == {"name": "Old"}
