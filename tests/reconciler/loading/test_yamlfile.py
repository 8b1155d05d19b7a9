"""Reading one YAML file: values, locations, and every way a file can be malformed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.loading import Limits
from reconciler.loading.yamlfile import parse_text, read_file, span_at

Problems = Callable[..., list[str]]

NESTED = """\
campuses:
  pe:
    name: ProctorExam   # a comment
    custom_languages:
      - no-NO
      - fr-FR
    retention: &r 6
  uu: {name: 'Utrecht', retention: *r}
"""


@pytest.mark.parametrize("pure_python", [False, True], ids=["libyaml", "python"])
def test_values_and_their_locations(pure_python: bool) -> None:
    parsed = parse_text(NESTED, "n.yaml", Limits(), pure_python=pure_python)
    assert parsed.complete
    assert parsed.problems == ()
    assert parsed.value == {
        "campuses": {
            "pe": {"name": "ProctorExam", "custom_languages": ["no-NO", "fr-FR"], "retention": 6},
            "uu": {"name": "Utrecht", "retention": 6},
        }
    }
    # (key line, key column, value line, value column), counting from 1 as editors do.
    assert span_at(parsed.tree, ["campuses", "pe", "name"]) == (3, 5, 3, 11)
    assert span_at(parsed.tree, ["campuses", "pe", "custom_languages", 1]) == (6, 9, 6, 9)
    assert span_at(parsed.tree, ["campuses", "uu", "retention"]) == (8, 25, 8, 36)
    assert span_at(parsed.tree, ["campuses", "pe", "nothing"]) == (2, 3, 3, 5)


def test_the_python_parser_agrees_with_libyaml_on_problems() -> None:
    text = "a: 1\na: 2\nb: !!binary x\nc: [1\n"
    fast = parse_text(text, "t.yaml", Limits())
    slow = parse_text(text, "t.yaml", Limits(), pure_python=True)
    assert [str(p.location) for p in fast.problems] == [str(p.location) for p in slow.problems]
    assert not fast.complete
    assert not slow.complete


#: Texts that every event source must read alike: values, locations, problems, completeness.
SAME_EVERYWHERE = [
    NESTED,
    "a: [1, 2\n",
    "a: b: c\n",
    "a: 1\n\x07\n",
    "a:\n\t- x\n",
    "%YAML 1.2\n---\na: 1\n",
    "%YAML 1.3\n---\na: 1\n",
    "a: *x\n",
    "- a\nb: c\n",
    "a: &x [*x]\n",
    "a: 1\n---\nb: 2\n",
    "a: !!int x\nb: !!str 6\nc: !custom 1\nd: !!map {}\n",
    "k: 'it''s'\nl: \"\\u00e9\\t\"\nm: |\n  x\n  y\nn: >-\n  folded\n",
    'caf\u00e9: \u4e2d\u6587\nbad: "\\q"\n',
    "? [a]\n: b\n",
    "<<: {a: 1}\n",
]


@pytest.mark.parametrize("text", SAME_EVERYWHERE, ids=repr)
def test_pyyaml_and_ruamel_bindings_of_libyaml_read_alike(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from reconciler.loading import yamlfile

    preferred = parse_text(text, "t.yaml", Limits())
    yamlfile._event_source.cache_clear()
    monkeypatch.delattr(yaml, "CBaseLoader")  # PyYAML without libyaml: ruamel's binding
    try:
        ruamel = parse_text(text, "t.yaml", Limits())
    finally:
        yamlfile._event_source.cache_clear()
    assert preferred == ruamel


def test_a_yaml_syntax_error_is_located_with_ruamels_words(problems: Problems) -> None:
    found = problems({"a.yaml": "campuses:\n  pe: [no-NO, fr-FR\n  uu: {}\n"})
    assert found == [
        "config/a.yaml:3:5: YAML syntax error: did not find expected ',' or ']'"
        " (while parsing a flow sequence at line 2, column 7)"
    ]


def test_a_tab_in_the_indentation_is_a_syntax_error(problems: Problems) -> None:
    found = problems({"a.yaml": "campuses:\n\tpe: {}\n"})
    assert len(found) == 1
    assert found[0].startswith("config/a.yaml:2:1: YAML syntax error: found character")


def test_a_control_character_is_located_by_line_and_column(problems: Problems) -> None:
    found = problems({"a.yaml": "campuses:\n  pé: {name: 'a\x07'}\n"})
    assert found == [
        "config/a.yaml:2:16: YAML syntax error: unacceptable character #x0007:"
        " control characters are not allowed"
    ]


def test_a_duplicate_key_is_reported_at_the_second_naming_the_first(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            campuses:
              pe:
                name: A
                reminder_emails_enabled: true
                name: B
            """
        }
    )
    assert found == ["config/a.yaml:5:5: duplicate key 'name' (first at line 3)"]


def test_a_duplicate_object_in_one_file_is_a_duplicate_key(problems: Problems) -> None:
    found = problems({"a.yaml": "campuses:\n  pe: {name: A}\n  pe: {name: B}\n"})
    assert found == ["config/a.yaml:3:3: duplicate key 'pe' (first at line 2)"]


def test_an_empty_file_is_an_error(problems: Problems) -> None:
    found = problems({"a.yaml": "campuses: {pe: {name: A}}\n", "b.yaml": "# nothing yet\n"})
    assert found == [
        "config/b.yaml:1:1: the file is empty; declare a section such as 'campuses:',"
        " 'gadgets:', 'defaults:' or delete the file"
    ]


def test_a_file_with_only_a_document_marker_is_empty(problems: Problems) -> None:
    found = problems({"a.yaml": "---\n"})
    assert len(found) == 1
    assert found[0].startswith("config/a.yaml:2:1: the file is empty")


def test_a_non_utf8_file_says_at_which_line_and_byte(problems: Problems) -> None:
    content = b"campuses:\n  pe:\n    name: Caf" + b"\xe9\n"
    found = problems({"a.yaml": content})
    assert found == [
        "config/a.yaml:3:14: not valid UTF-8: byte 0xE9 at line 3, byte 14 of the line"
        " (offset 29); save the file as UTF-8"
    ]


def test_a_utf8_byte_order_mark_is_accepted(load: Callable[..., Any]) -> None:
    state = load({"a.yaml": "\ufeffgadgets: {g: {size: 1}}\n"})
    assert [o.identity for o in state.objects] == ["g"]


def test_an_alias_bomb_is_refused(problems: Problems) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    found = problems({"bomb.yaml": "\n".join(lines) + "\n"})
    assert len(found) == 1
    assert found[0].startswith("config/bomb.yaml:6:")
    assert "refused: aliases expand to more than 1,000,000 nodes" in found[0]


def test_the_alias_limit_is_configurable(problems: Problems) -> None:
    text = "gadgets:\n  g: &g {size: 1}\n  h: *g\n  i: *g\n"
    found = problems({"a.yaml": text}, limits=Limits(max_alias_nodes=3))
    assert found == [
        "config/a.yaml:4:6: refused: aliases expand to more than 3 nodes (an alias bomb?);"
        " use fewer aliases"
    ]


def test_aliases_within_the_limit_share_values(load: Callable[..., Any]) -> None:
    state = load(
        {"a.yaml": "gadgets:\n  g: &g {size: 1, label: x}\n  h: *g\n"},
    )
    assert [dict(o.fields) for o in state.objects] == [{"size": 1, "label": "x"}] * 2


def test_an_alias_without_anchor_or_to_itself_is_an_error(problems: Problems) -> None:
    found = problems({"a.yaml": "gadgets:\n  g: {size: *nope}\n  h: &h {size: *h}\n"})
    assert found == [
        "config/a.yaml:2:13: the alias *nope has no anchor &nope before it",
        "config/a.yaml:3:16: the alias *h refers to a node that contains it",
    ]


def test_an_oversized_file_is_refused_before_parsing(problems: Problems) -> None:
    # Not even valid YAML: the size is checked before the parser sees a byte.
    found = problems({"big.yaml": "[" * 2000}, limits=Limits(max_file_bytes=1000))
    assert found == [
        "config/big.yaml:1:1: refused: the file is 2,000 bytes, more than the limit of 1,000;"
        " split it into several files"
    ]


def test_excessive_nesting_is_refused(problems: Problems) -> None:
    found = problems({"deep.yaml": "a: " + "[" * 100 + "]" * 100 + "\n"})
    assert found == [
        "config/deep.yaml:1:67: refused: nesting deeper than 64 levels; flatten the file"
    ]


def test_only_standard_tags_are_accepted(problems: Problems) -> None:
    found = problems(
        {
            "a.yaml": """\
            gadgets:
              g:
                size: !!python/object:os.system 1
                label: !!binary aGVsbG8=
              h: !!set {size: 1}
              i: !!map {size: !!int one}
            """
        }
    )
    assert found == [
        "config/a.yaml:3:11: the tag !!python/object:os.system is not allowed on a scalar;"
        " use one of !!str, !!int, !!float, !!bool, !!null, or none",
        "config/a.yaml:4:12: the tag !!binary is not allowed on a scalar;"
        " use one of !!str, !!int, !!float, !!bool, !!null, or none",
        "config/a.yaml:5:6: the tag !!set is not allowed on a mapping; remove it",
        "config/a.yaml:6:19: 'one' is not a valid !!int (YAML 1.2 core schema)",
    ]


def test_a_second_document_is_refused(problems: Problems) -> None:
    found = problems({"a.yaml": "gadgets: {g: {size: 1}}\n---\ngadgets: {h: {size: 2}}\n"})
    assert found == [
        "config/a.yaml:2:1: a config file holds one YAML document;"
        " move this one to a file of its own"
    ]


def test_complex_and_merge_keys_are_refused(problems: Problems) -> None:
    found = problems(
        {"a.yaml": "gadgets:\n  ? [g]\n  : {size: 1}\n  h:\n    <<: {size: 2}\n    size: 3\n"}
    )
    assert found == [
        "config/a.yaml:2:5: a mapping key must be a name, not a list or mapping",
        "config/a.yaml:5:5: merge keys ('<<') are not part of YAML 1.2;"
        " put shared values under 'defaults:' instead",
    ]


def test_an_unreadable_path_is_a_located_problem(tmp_path: Path) -> None:
    parsed = read_file(tmp_path / "missing.yaml", Limits(), name="missing.yaml")
    assert not parsed.complete
    assert [str(p) for p in parsed.problems] == [
        "missing.yaml:1:1: the file is not readable: No such file or directory"
    ]
