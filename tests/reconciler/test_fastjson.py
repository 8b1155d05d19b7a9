"""``fastjson.loads`` reads every text to exactly what ``json.loads`` reads, and fails alike.

orjson is only a fast path: where it refuses a text that ``json`` accepts (big integers, NaN,
lone surrogates, deep nesting), ``json`` reads it; where the text is not JSON at all, the error
is ``json``'s own, message and position included.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler import fastjson

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=40,
)


def _same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and the types of numbers compared too (1 is not 1.0)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans(), st.booleans())
def test_every_document_reads_as_json_reads_it(
    value: Any, ascii_only: bool, as_bytes: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    data: bytes | str = text.encode() if as_bytes else text
    assert _same(fastjson.loads(data), json.loads(data))


@pytest.mark.parametrize(
    "text",
    [
        '{"n": 123456789012345678901234567890}',  # beyond 64 bits
        '{"n": -9223372036854775809}',
        '{"f": NaN, "g": Infinity, "h": -Infinity}',
        '{"f": 1e400}',  # read as infinity
        '"\\ud800"',  # a lone surrogate
        "[" * 200 + "]" * 200,
        '{"n": 18446744073709551615, "m": 9223372036854775807, "k": "12345678901234567890"}',
        '{"a": 1, "a": 2}',  # the last one wins
        '  {"a": [1, 2.5, "x", null, true]}\r\n',
        '"\\u00e9\\n\\t\\u0000"',
        "-0.0",
    ],
)
def test_what_orjson_refuses_or_may_read_differently_reads_as_json_reads_it(text: str) -> None:
    for data in (text, text.encode()):
        assert _same(fastjson.loads(data), json.loads(data))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_bytes_in_another_unicode_encoding_read_as_json_reads_them(encoding: str) -> None:
    data = '{"name": "PE"}'.encode(encoding)
    assert fastjson.loads(data) == json.loads(data) == {"name": "PE"}


def test_a_text_holding_a_lone_surrogate_reads_as_json_reads_it() -> None:
    text = '{"a": "\ud800", "n": 12345678901234567890123}'
    assert _same(fastjson.loads(text), json.loads(text))
    alone = '{"a": "\ud800"}'
    assert _same(fastjson.loads(alone), json.loads(alone))


@pytest.mark.parametrize(
    "text",
    ['{"a": 1', "", "   ", '{"a": 1} x', "{'a': 1}", '{"a": 01}', "[1,]", "[1e999999x]"],
)
def test_an_error_is_json_s_own(text: str) -> None:
    for data in (text, text.encode()):
        with pytest.raises(json.JSONDecodeError) as expected:
            json.loads(data)
        with pytest.raises(json.JSONDecodeError) as got:
            fastjson.loads(data)
        assert type(got.value) is type(expected.value)
        assert str(got.value) == str(expected.value)


def test_the_engine_says_which_decoder_reads() -> None:
    assert fastjson.ENGINE.startswith("orjson" if fastjson.FAST else "json only")
