"""``${env:NAME}``: resolved from the environment, marked sensitive, never shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler.errors import ConfigError
from reconciler.loading.references import resolve

ENV = {"KEY": "s3cr3t-value", "HOST": "hooks.example.org"}
SECRET = ENV["KEY"]


@pytest.mark.parametrize(
    ("written", "value", "from_env"),
    [
        ("${env:KEY}", SECRET, True),
        (
            "https://${env:HOST}/hook?k=${env:KEY}",
            f"https://hooks.example.org/hook?k={SECRET}",
            True,
        ),
        ("price: $${env:KEY}", "price: ${env:KEY}", False),
        ("$${", "${", False),
        ("$5 and $$ and {x}", "$5 and $$ and {x}", False),
        ("plain", "plain", False),
    ],
)
def test_references_in_strings(written: str, value: str, from_env: bool) -> None:
    resolution = resolve(written, ENV)
    assert resolution.failures == []
    assert resolution.value == value
    assert resolution.from_env is from_env


def test_a_resolved_value_is_never_resolved_again() -> None:
    assert resolve("${env:X}", {"X": "${env:KEY}"}).value == "${env:KEY}"


def test_references_inside_lists_and_mappings_make_new_values() -> None:
    shared = ["a", "${env:KEY}", {"k": "${env:HOST}"}, 5]
    resolution = resolve(shared, ENV)
    assert resolution.value == ["a", SECRET, {"k": "hooks.example.org"}, 5]
    assert shared == ["a", "${env:KEY}", {"k": "${env:HOST}"}, 5]  # aliased values stay intact
    untouched = ["a", {"b": 1}]
    assert resolve(untouched, ENV).value is untouched


def test_unset_and_malformed_references_are_reported_with_their_path() -> None:
    resolution = resolve(["${env:NOPE}", {"k": "${HOME}"}, "${env:BAD-NAME}"], ENV)
    assert [(f.path, f.message) for f in resolution.failures] == [
        (
            (0,),
            "the environment variable NOPE is not set (referenced as ${env:NOPE});"
            " export it before running",
        ),
        (
            (1, "k"),
            "'${HOME}' is not a reference this tool knows; write ${env:NAME} to read an"
            " environment variable, or $${ for a literal '${'",
        ),
        (
            (2,),
            "'${env:BAD-NAME}' is not a reference this tool knows; write ${env:NAME} to read an"
            " environment variable, or $${ for a literal '${'",
        ),
    ]


def test_env_values_are_loaded_and_marked_sensitive(load: Callable[..., Any]) -> None:
    state = load(
        {
            "a.yaml": """\
            campuses:
              pe:
                name: Campus of ${env:HOST}
                callback_url: https://${env:HOST}/hook
                custom_languages: [no-NO]
                api_key: literally-written
                plan: basic
              uu:
                name: "Costs $${env:LITERAL}"
            """
        },
        env=ENV,
    )
    campus, escaped = state.objects
    assert campus.fields["name"] == "Campus of hooks.example.org"
    assert campus.fields["callback_url"] == "https://hooks.example.org/hook"
    # api_key is write-only: sensitive even when written in the YAML.
    assert campus.sensitive == {"name", "callback_url", "api_key"}
    assert escaped.fields["name"] == "Costs ${env:LITERAL}"
    assert escaped.sensitive == frozenset()


def test_an_unset_variable_is_a_located_error(problems: Callable[..., list[str]]) -> None:
    found = problems(
        {
            "a.yaml": """\
            campuses:
              pe:
                name: x
                api_key: ${env:PE_KEY}
                custom_languages: [no-NO, "${env:LANG_2}"]
            """
        }
    )
    assert found == [
        "config/a.yaml:4:14: campuses.pe.api_key: the environment variable PE_KEY is not set"
        " (referenced as ${env:PE_KEY}); export it before running",
        "config/a.yaml:5:31: campuses.pe.custom_languages[1]: the environment variable LANG_2"
        " is not set (referenced as ${env:LANG_2}); export it before running",
    ]


def test_defaults_may_reference_the_environment(load: Callable[..., Any]) -> None:
    state = load(
        {
            "d.yaml": "defaults:\n  callback_url: https://${env:HOST}/hook\n",
            "g.yaml": "campuses:\n  pe: {name: PE}\n  uu: {name: UU, callback_url: null}\n",
        },
        env=ENV,
    )
    pe, uu = state.objects
    assert pe.fields["callback_url"] == "https://hooks.example.org/hook"
    assert "callback_url" in pe.sensitive
    assert uu.fields["callback_url"] is None
    assert "callback_url" not in uu.sensitive


def test_secret_values_never_appear_in_errors(load: Callable[..., Any]) -> None:
    env = {"SHORT": "tiny", "BOOL": "s3cr3t", "URL": "ftp://s3cr3t"}
    files = {
        "a.yaml": """\
        defaults:
          callback_url: ${env:URL}
        campuses:
          pe:
            name: PE
            api_key: ${env:SHORT}
            reminder_emails_enabled: ${env:BOOL}
            plan: ${env:BOOL}
          uu:
            name: UU
            api_key: tiny
        """
    }
    with pytest.raises(ConfigError) as caught:
        load(files, env=env)
    text = str(caught.value)
    assert [str(p) for p in caught.value.problems] == [
        "config/a.yaml:2:17: defaults.callback_url: expected text matching ^https?://,"
        " got (sensitive)",
        "config/a.yaml:6:14: campuses.pe.api_key: expected at least 8 characters, got (sensitive)",
        "config/a.yaml:7:30: campuses.pe.reminder_emails_enabled: expected a boolean,"
        " got (sensitive)",
        "config/a.yaml:8:11: campuses.pe.plan: expected one of 'basic', 'premium', got (sensitive)",
        # Write-only, though written in the file: still never shown.
        "config/a.yaml:11:14: campuses.uu.api_key: expected at least 8 characters, got (sensitive)",
    ]
    for secret in ("tiny", "s3cr3t"):
        assert secret not in text
        assert secret not in repr(caught.value.problems)
