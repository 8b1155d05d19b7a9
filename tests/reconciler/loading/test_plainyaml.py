"""The plain-subset reader reads what it reads exactly as libyaml's events do.

:func:`read_plain` is a fast path: wherever it gives a result, it must be libyaml's result
(values, types, key order, every location) with no problem; everywhere else it must give up.
Texts are generated near the edges of the subset (indicators, comments, odd spacing, keys
without values, duplicates, lists) and then mutated character by character.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reconciler.loading import Limits
from reconciler.loading.plainyaml import read_plain
from reconciler.loading.yamlfile import parse_events, parse_text

PLAIN_KEYS = ["a", "b", "name", "inst-01", "x.y", "1", "true", "_k", "ann+1@uu.nl", "b@"]
ODD_KEYS = ["<<", "a b", "-k", "k:", "\u00e9", "@k", "k#", "k%"]
PLAIN_VALUES = [
    "1", "+2", "0x1F", "0o17", "1e3", "1.5", ".inf", ".NaN", "~", "null", "true", "no",
    "Institute 1", "a  b", "http://x.org:80/y", "${env:X}", "a#b", "a:b", "[a, b]", "[]",
    "[fr-FR, no-NO]", "[1, true, ~]", "[.5, 1]",
]  # fmt: skip
ODD_VALUES = [
    "a #b", "a: b", "a:", ":", "'q'", '"q"', "&x 1", "*x", "!t 1", "|", ">", "%x", "@x", "`x",
    "- x", "-", "?", "[a,b]", "[ a ]", "[a, ]", "[a b]", "[${env:X}]", "{a: 1}", "x ",
    "\u00e9", "a\tb", "", "-1", "[-1]",
]  # fmt: skip


def mostly(plain: list[str], odd: list[str], one_in: int) -> st.SearchStrategy[str]:
    """One of ``odd`` about once in ``one_in`` draws, else one of ``plain``."""
    return st.integers(1, one_in).flatmap(lambda n: st.sampled_from(odd if n == 1 else plain))


KEYS = mostly(PLAIN_KEYS, ODD_KEYS, 5)
VALUES = mostly(PLAIN_VALUES, ODD_VALUES, 7)
LIMITS = Limits()


def render(tree: list[tuple[str, Any]], indent: int, step: int, draw: Any) -> list[str]:
    lines: list[str] = []
    for key, value in tree:
        pad = " " * indent
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "   ", "# note", pad + "# note", " #"])))
        if isinstance(value, list):
            lines.append(f"{pad}{key}:")
            lines += render(value, indent + step, step, draw)
        else:
            spaces = draw(st.sampled_from([" ", " ", "  "]))
            lines.append(f"{pad}{key}:{spaces}{value}" if value != "" else f"{pad}{key}:")
    return lines


def first(pair: tuple[str, Any]) -> str:
    return pair[0]


@st.composite
def documents(
    draw: Any, keys: st.SearchStrategy[str] = KEYS, values: st.SearchStrategy[str] = VALUES
) -> str:
    leaf = st.tuples(keys, values)
    node = st.recursive(
        st.lists(leaf, min_size=1, max_size=4, unique_by=first),
        lambda inner: st.lists(
            st.one_of(leaf, st.tuples(keys, inner)), min_size=1, max_size=4, unique_by=first
        ),
        max_leaves=12,
    )
    indent = draw(st.sampled_from([0, 0, 1, 2]))
    lines = render(draw(node), indent, draw(st.sampled_from([2, 2, 4, 1])), draw)
    text: str = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))
    if draw(st.integers(0, 3)) == 0:
        position = draw(st.integers(0, len(text)))
        extra = draw(st.sampled_from([" ", "\t", "#", ":", "-", "\r", "\n", "[", "'", "é", "a"]))
        text = text[:position] + extra + text[position:]
    return text


def assert_alike(text: str, limits: Limits = LIMITS) -> bool:
    plain = read_plain(text, limits)
    if plain is None:
        return False
    events = parse_events(text, "t.yaml", limits)
    assert events.complete
    assert events.problems == ()
    # repr: 1, 1.0 and True are equal in Python, not in a config file.
    assert repr(plain) == repr((events.value, events.tree, events.line, events.column))
    return True


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_plain_reader_reads_as_libyaml_or_gives_up(text: str) -> None:
    assert_alike(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents(st.sampled_from(PLAIN_KEYS), st.sampled_from(PLAIN_VALUES)))
def test_plain_texts_and_their_mutants_read_as_libyaml(text: str) -> None:
    assert_alike(text)


@given(documents(), st.integers(1, 4))
def test_nesting_past_the_limit_is_left_to_libyaml(text: str, depth: int) -> None:
    assume(read_plain(text, Limits()) is not None)
    assert_alike(text, Limits(max_depth=depth))


PLAIN = """\
defaults:
  reminder_emails_enabled: true

institutes:
  # the first one
  pe:
    name: ProctorExam B.V.
    custom_languages: [fr-FR, no-NO]
    session_retention_period: 6
    callback_url: https://callbacks.example.org/pe?x=1
    tawk_api_key: ${env:PE_TAWK_KEY}
  uu:
    name: Utrecht
    custom_languages: []
"""


def test_a_plain_config_is_read_by_the_fast_path() -> None:
    assert assert_alike(PLAIN)
    assert parse_text(PLAIN, "t.yaml", Limits()) == parse_events(PLAIN, "t.yaml", Limits())


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # a duplicate
        "a:\nb: 1\n",  # a key without a value
        "a: 1 # why\n",  # a comment after a value
        "a: 'q'\n",
        "a: [a, b\n",
        "a:\n  b: 1\n c: 2\n",  # an indentation libyaml refuses
        "a: b\n  c\n",  # a continued scalar
        "a: b: c\n",
        "a: caf\u00e9\n",
        "a: 1\r\n",
        "---\na: 1\n",
        "",
    ],
    ids=repr,
)
def test_the_plain_reader_leaves_the_rest_to_libyaml(text: str) -> None:
    assert read_plain(text, Limits()) is None


def test_the_examples_read_alike() -> None:
    root = Path(__file__).resolve().parents[3]
    texts = [p.read_text(encoding="utf-8") for p in sorted(root.glob("examples/**/*.yaml"))]
    assert texts
    for text in texts:
        assert_alike(text.removeprefix("\ufeff"))
