"""The institute normalisers read every value as their first, generic form did.

Their fast paths (a list of strings, an int) must give the same result as the generic
reading for every value, including the shapes a service used to send.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reconciler_proctorexam.institute import language_set, whole_number


def generic_language_set(value: Any) -> Any:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = value
    else:
        return value
    return frozenset(str(item).strip() for item in items if str(item).strip())


def generic_whole_number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


texts = st.text(alphabet=st.sampled_from(" \t,-_aNOfr0123456789٣"), max_size=12)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts, st.binary()
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=6),
    st.lists(texts, max_size=6),
    st.tuples(texts, texts),
    st.dictionaries(texts, scalars, max_size=3),
)


@given(values)
def test_language_set_reads_as_the_generic_form(value: Any) -> None:
    assert language_set(value) == generic_language_set(value)


@given(values)
def test_whole_number_reads_as_the_generic_form(value: Any) -> None:
    got, expected = whole_number(value), generic_whole_number(value)
    assert got == expected
    assert type(got) is type(expected)


def test_the_fast_paths_are_taken_by_the_usual_shapes() -> None:
    assert language_set([" fr-FR", "no-NO ", ""]) == frozenset({"fr-FR", "no-NO"})
    assert language_set(["fr-FR", 3]) == frozenset({"fr-FR", "3"})
    assert whole_number(6) == 6
    assert whole_number(" 6 ") == 6
    assert whole_number(True) is True
