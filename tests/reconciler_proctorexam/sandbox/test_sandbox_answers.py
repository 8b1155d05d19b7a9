"""The sandbox's JSON answers read back to what starlette's ``json`` would have written.

orjson writes the answers; whatever it cannot write as ``json`` does (integers beyond 64 bits,
keys that are not text, lone surrogates) is left to starlette's ``json``, which writes it or
fails as before.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.responses import JSONResponse as StarletteJSONResponse

from reconciler_proctorexam.sandbox.answers import JSONResponse

#: What the sandbox holds: every field is typed on the way in, so there is no float.
HELD = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(HELD)
def test_an_answer_reads_back_to_what_json_writes(content: Any) -> None:
    try:
        expected = StarletteJSONResponse(content).body
    except (ValueError, UnicodeEncodeError):
        with pytest.raises((ValueError, UnicodeEncodeError)):
            JSONResponse(content)
        return
    body = JSONResponse(content).body
    assert json.loads(bytes(body)) == json.loads(bytes(expected))


@pytest.mark.parametrize(
    "content",
    [
        {"institutes": [{"id": 1, "name": 'Ré\u2028sumé "q" \\ \n\t\x00', "on": True}]},
        {"n": 2**70},  # beyond 64 bits: json writes it
        {1: "a key that is not text"},
    ],
)
def test_the_bytes_are_json_s_for_what_the_sandbox_writes(content: Any) -> None:
    assert JSONResponse(content).body == StarletteJSONResponse(content).body


def test_what_json_refuses_is_still_refused() -> None:
    with pytest.raises(UnicodeEncodeError):
        JSONResponse({"a": "\ud800"})
    assert JSONResponse({}).headers["content-type"] == "application/json"
