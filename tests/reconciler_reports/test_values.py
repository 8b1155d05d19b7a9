"""Values as every format writes them."""

from __future__ import annotations

import html
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reconciler.documents.plan import json_value
from reconciler_reports.values import clean, literal

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        | st.frozensets(st.text(max_size=4), max_size=3)
    ),
    max_leaves=8,
)


@given(values)
def test_a_literal_is_json_dumps_of_the_value_cleaned(value: Any) -> None:
    assert literal(value) == clean(json.dumps(json_value(value), ensure_ascii=False))


def test_a_literal_keeps_text_readable_and_escapes_controls() -> None:
    assert literal("Université\x1b[2J") == '"Université\\u001b[2J"'


@given(st.text(max_size=12))
def test_html_text_is_escaped_as_html_escape_of_the_cleaned_text(text: str) -> None:
    from reconciler_reports.html import _e

    assert _e(text) == html.escape(clean(text), quote=True)
