"""Files to desired state: sections, defaults, tombstones, and every problem at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import ConfigError
from reconciler.loading import load_desired
from reconciler.model import DesiredState, Location

Load = Callable[..., DesiredState]
Problems = Callable[..., list[str]]


def test_a_directory_of_files_becomes_one_sorted_state(load: Load) -> None:
    state = load(
        {
            "b-campuses.yaml": "campuses:\n  uu: {name: UU}\n  pe: {name: PE}\n",
            "a-more.yml": "gadgets:\n  g: {size: 1}\ncampuses:\n  amsterdam: {name: AMS}\n",
            ".hidden.yaml": "not: [valid",
            "notes.txt": "not config",
        }
    )
    assert [o.address for o in state.objects] == [
        "campus.amsterdam",
        "campus.pe",
        "campus.uu",
        "gadget.g",
    ]
    assert state.files == ("config/a-more.yml", "config/b-campuses.yaml")
    pe = state.objects[1]
    assert pe.location == Location("config/b-campuses.yaml", 3, 3)
    assert pe.locations == {"name": Location("config/b-campuses.yaml", 3, 8)}
    assert pe.absent is False


def test_a_single_file_path_is_read_alone(load: Load) -> None:
    load({"a.yaml": "gadgets: {g: {size: 1}}\n", "b.yaml": "gadgets: {h: {size: 2}}\n"})
    state = load({}, path="config/b.yaml")
    assert [o.identity for o in state.objects] == ["h"]
    assert state.files == ("config/b.yaml",)


def test_a_missing_path_or_an_empty_directory_is_a_config_error(
    tmp_path: Path, kinds: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError, match="no such file or directory"):
        load_desired(tmp_path / "nowhere", kinds, {})
    with pytest.raises(ConfigError, match=r"no \*\.yaml or \*\.yml files here"):
        load_desired(tmp_path, kinds, {})


def test_defaults_apply_everywhere_and_the_objects_own_value_wins(load: Load) -> None:
    state = load(
        {
            "00-defaults.yaml": """\
            defaults:
              reminder_emails_enabled: true
              custom_languages: [en-GB]
            """,
            "campuses.yaml": """\
            campuses:
              pe:
                name: PE
                reminder_emails_enabled: false
              uu:
                name: UU
            gadgets:
              g:
                size: 1
            """,
            "zz-defaults.yaml": "defaults:\n  label: from the last file\n",
        }
    )
    pe, uu, g = state.objects
    assert pe.fields == {
        "name": "PE",
        "reminder_emails_enabled": False,
        "custom_languages": ["en-GB"],
    }
    assert pe.locations == {
        "name": Location("config/campuses.yaml", 3, 5),
        "reminder_emails_enabled": Location("config/campuses.yaml", 4, 5),
        "custom_languages": Location("config/00-defaults.yaml", 3, 3),
    }
    assert uu.fields["reminder_emails_enabled"] is True
    assert uu.locations["reminder_emails_enabled"] == Location("config/00-defaults.yaml", 2, 3)
    # A default applies to the kinds that have the field: gadgets have no languages.
    assert g.fields == {"size": 1, "reminder_emails_enabled": True, "label": "from the last file"}
    assert g.locations["label"] == Location("config/zz-defaults.yaml", 2, 3)


def test_the_same_default_in_two_files_names_both(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": "defaults:\n  reminder_emails_enabled: true\n",
            "b.yaml": "defaults:\n  label: x\n  reminder_emails_enabled: false\n",
            "c.yaml": "gadgets: {g: {size: 1}}\n",
        }
    )
    assert found == [
        "config/b.yaml:3:3: defaults.reminder_emails_enabled is already set at"
        " config/a.yaml:2:3; set it in one place"
    ]


def test_a_default_no_kind_takes_is_unknown(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            defaults:
              reminder_email_enabled: true
              created_at: today
              default_locale: en-GB
            gadgets: {g: {size: 1}}
            """
        }
    )
    assert found == [
        "config/a.yaml:2:3: defaults.reminder_email_enabled is not a field of any kind;"
        " did you mean 'reminder_emails_enabled'?",
        "config/a.yaml:3:3: defaults.created_at is set by the service; remove it",
        "config/a.yaml:4:3: defaults.default_locale is deprecated: use default_language",
    ]


def test_a_bad_default_is_reported_once_at_the_default(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": "defaults:\n  reminder_emails_enabled: yes\n",
            "b.yaml": "campuses:\n  pe: {name: PE}\n  uu: {name: UU}\ngadgets: {g: {size: 1}}\n",
        }
    )
    assert found == [
        "config/a.yaml:2:28: defaults.reminder_emails_enabled: expected a boolean, got 'yes'"
    ]


def test_a_bad_default_is_reported_even_when_every_object_overrides_it(
    problems: Problems,
) -> None:
    found = problems(
        {
            "a.yaml": "defaults:\n  custom_languages: [en_GB]\n"
            "campuses: {pe: {custom_languages: []}}\n"
        }
    )
    assert found == [
        "config/a.yaml:2:22: defaults.custom_languages[0]: expected text matching"
        " ^[a-z]{2}-[A-Z]{2}$, got 'en_GB'"
    ]


def test_tombstones_take_no_defaults_and_no_other_fields(load: Load, problems: Problems) -> None:
    state = load(
        {
            "a.yaml": """\
            defaults:
              reminder_emails_enabled: true
            campuses:
              old-campus:
                absent: true
              pe:
                absent: false
                name: PE
            """
        }
    )
    old, pe = state.objects
    assert old.absent is True
    assert old.fields == {}
    assert old.location == Location("config/a.yaml", 4, 3)
    assert old.locations == {"absent": Location("config/a.yaml", 5, 5)}
    assert pe.absent is False
    assert pe.fields == {"name": "PE", "reminder_emails_enabled": True}

    found = problems(
        {"a.yaml": "campuses:\n  old:\n    absent: true\n    name: Old\n  older: {absent: 1}\n"}
    )
    assert found == [
        "config/a.yaml:4:5: campuses.old.name: a tombstone (absent: true) takes no other"
        " fields; remove this one, or the tombstone",
        "config/a.yaml:5:19: campuses.older.absent: expected true or false, got 1",
    ]


def test_an_unknown_field_suggests_the_closest(problems: Problems) -> None:
    found = problems(
        {"a.yaml": "campuses:\n  pe:\n    name: PE\n    reminder_email_enabled: true\n"}
    )
    assert found == [
        "config/a.yaml:4:5: campuses.pe.reminder_email_enabled is not a field of campus;"
        " did you mean 'reminder_emails_enabled'?"
    ]


def test_a_wrong_type_points_at_the_value(problems: Problems) -> None:
    found = problems({"a.yaml": "campuses:\n  pe:\n    reminder_emails_enabled: yes\n"})
    assert found == [
        "config/a.yaml:3:30: campuses.pe.reminder_emails_enabled: expected a boolean, got 'yes'"
    ]


def test_null_is_a_type_error_unless_the_schema_allows_it(problems: Problems) -> None:
    found = problems({"a.yaml": "campuses:\n  pe:\n    name:\n    callback_url:\n    api_key: ~\n"})
    assert found == ["config/a.yaml:3:10: campuses.pe.name: expected a string, got null"]


def test_deprecated_and_read_only_fields_say_what_to_do(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            campuses:
              pe:
                default_locale: en-GB
                legacy: 1
                id: 7
                short_name: pe
            """
        }
    )
    assert found == [
        "config/a.yaml:3:5: campuses.pe.default_locale is deprecated: use default_language",
        "config/a.yaml:4:5: campuses.pe.legacy is deprecated: remove it",
        "config/a.yaml:5:5: campuses.pe.id is set by the service; remove it",
        "config/a.yaml:6:5: campuses.pe.short_name is the key of the object"
        " (campuses.<short_name>); remove it",
    ]


def test_an_identity_declared_in_two_files_names_the_first(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": "campuses:\n  pe: {name: PE}\n",
            "b.yaml": "gadgets:\n  pe: {size: 1}\ncampuses:\n  uu: {name: UU}\n  pe: {name: P}\n",
        }
    )
    assert found == [
        "config/b.yaml:5:3: campuses.pe is already declared at config/a.yaml:2:3; declare it once"
    ]


def test_objects_sections_and_files_must_be_mappings(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": "campuses:\n  pe: [name, PE]\n  uu: ProctorExam\n  nl:\n",
            "b.yaml": "gadgets: [g]\n",
            "c.yaml": "- campuses\n",
        }
    )
    assert found == [
        "config/a.yaml:2:7: campuses.pe: expected a mapping of fields, got a list",
        "config/a.yaml:3:7: campuses.uu: expected a mapping of fields, got 'ProctorExam'",
        "config/a.yaml:4:6: campuses.nl: expected a mapping of fields, got null",
        "config/b.yaml:1:10: gadgets: expected a mapping of slug to fields, got a list",
        "config/c.yaml:1:1: expected a mapping of sections ('campuses:', 'gadgets:',"
        " 'defaults:') at the top of the file, got a list",
    ]


def test_an_unknown_section_suggests_the_closest(problems: Problems) -> None:
    found = problems({"a.yaml": "campus:\n  pe: {name: PE}\ndefault:\n  x: 1\n"})
    assert found == [
        "config/a.yaml:1:1: unknown section 'campus'; did you mean 'campuses'?"
        " (sections: 'campuses:', 'gadgets:', 'defaults:')",
        "config/a.yaml:3:1: unknown section 'default'; did you mean 'defaults'?"
        " (sections: 'campuses:', 'gadgets:', 'defaults:')",
    ]


def test_schema_rules_read_as_expected_and_got(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            campuses:
              pe:
                name: ""
                custom_languages: [no-NO, en_GB, no-NO]
                retention: abc
                threshold: 11
                plan: gold
            gadgets:
              g:
                label: x
                settings: {depth: 1, width: 2}
            """
        }
    )
    assert found == [
        "config/a.yaml:3:11: campuses.pe.name: expected at least 1 character, got ''",
        "config/a.yaml:4:23: campuses.pe.custom_languages: 'no-NO' appears more than once;"
        " list it once",
        "config/a.yaml:4:31: campuses.pe.custom_languages[1]: expected text matching"
        " ^[a-z]{2}-[A-Z]{2}$, got 'en_GB'",
        "config/a.yaml:5:16: campuses.pe.retention: expected text matching ^[1-9][0-9]*$,"
        " got 'abc'",
        "config/a.yaml:6:16: campuses.pe.threshold: expected at most 10, got 11",
        "config/a.yaml:7:11: campuses.pe.plan: expected one of 'basic', 'premium', got 'gold'",
        "config/a.yaml:9:3: gadgets.g: missing required field 'size'; add it",
        "config/a.yaml:11:15: gadgets.g.settings: unknown field 'width'; did you mean 'depth'?",
    ]


def test_every_problem_of_every_file_comes_out_at_once(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            campuses:
              pe:
                name: PE
                name: Again
                reminder_emails_enabled: on
              uu:
                nmae: UU
            """,
            "b.yaml": "gadgets:\n  g: {size: [1}\n",
            "c.yaml": "campuses:\n  pe: {name: P}\ngadget: {}\n",
        }
    )
    assert found == [
        "config/a.yaml:4:5: duplicate key 'name' (first at line 3)",
        "config/a.yaml:5:30: campuses.pe.reminder_emails_enabled: expected a boolean, got 'on'",
        "config/a.yaml:7:5: campuses.uu.nmae is not a field of campus; did you mean 'name'?",
        "config/b.yaml:2:15: YAML syntax error: did not find expected ',' or ']'"
        " (while parsing a flow sequence at line 2, column 13)",
        "config/c.yaml:2:3: campuses.pe is already declared at config/a.yaml:2:3; declare it once",
        "config/c.yaml:3:1: unknown section 'gadget'; did you mean 'gadgets'?"
        " (sections: 'campuses:', 'gadgets:', 'defaults:')",
    ]


def test_the_kinds_in_use_are_those_with_a_section_even_an_empty_one(load: Load) -> None:
    assert load({"a.yaml": "gadgets: {g: {size: 1}}\n"}).kinds == {"gadget"}
    assert load({"b.yaml": "campuses:\n"}).kinds == {"campus", "gadget"}
    assert load({"a.yaml": "gadgets: {}\n", "b.yaml": "defaults: {}\n"}).kinds == {"gadget"}
