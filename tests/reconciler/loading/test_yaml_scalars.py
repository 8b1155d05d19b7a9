"""YAML 1.2 core schema: the Norway problem does not exist here, quoted text stays text."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.loading.scalars import MAYBE_NOT_TEXT, TagError, resolve_plain, resolve_tagged


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("no-NO", "no-NO"),
        ("null", None),
        ("Null", None),
        ("~", None),
        ("", None),
        ("6", 6),
        ("-6", -6),
        ("+6", 6),
        ("007", 7),
        ("0o17", 15),
        ("0x1F", 31),
        ("1_000", "1_000"),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("-.inf", -math.inf),
        ("1.2.3", "1.2.3"),
        ("0b101", "0b101"),
        ("2024-01-01", "2024-01-01"),
        ("+", "+"),
        ("-", "-"),
        ("12:30", "12:30"),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text: str, value: Any) -> None:
    resolved = resolve_plain(text)
    assert resolved == value
    assert type(resolved) is type(value)


def test_nan_is_a_float() -> None:
    assert math.isnan(resolve_plain(".nan"))


@pytest.mark.parametrize(
    ("text", "tag", "value"),
    [
        ("6", "tag:yaml.org,2002:str", "6"),
        ("6", "!", "6"),
        ("6", "tag:yaml.org,2002:int", 6),
        ("6", "tag:yaml.org,2002:float", 6.0),
        ("true", "tag:yaml.org,2002:bool", True),
        ("~", "tag:yaml.org,2002:null", None),
    ],
)
def test_standard_tags_say_what_to_read(text: str, tag: str, value: Any) -> None:
    resolved = resolve_tagged(text, tag)
    assert resolved == value
    assert type(resolved) is type(value)


@pytest.mark.parametrize(
    ("text", "tag", "message"),
    [
        ("yes", "tag:yaml.org,2002:bool", "'yes' is not a valid !!bool"),
        ("six", "tag:yaml.org,2002:int", "'six' is not a valid !!int"),
        ("x", "tag:yaml.org,2002:binary", "the tag !!binary is not allowed"),
        ("x", "!secret", "the tag !secret is not allowed"),
        ("x", "tag:yaml.org,2002:python/object", "the tag !!python/object is not allowed"),
    ],
)
def test_other_tags_and_misfits_are_refused(text: str, tag: str, message: str) -> None:
    with pytest.raises(TagError, match=message):
        resolve_tagged(text, tag)


def test_a_config_file_reads_scalars_the_yaml_1_2_way(load: Callable[..., Any]) -> None:
    state = load(
        {
            "a.yaml": """\
            gadgets:
              g:
                size: 0o17
                label: no
              h:
                size: 6
                label: "6"
              i:
                size: 1
                label: ~
              j:
                size: !!int "7"
                label: !!str 1_000
            """
        }
    )
    values = {o.identity: dict(o.fields) for o in state.objects}
    assert values == {
        "g": {"size": 15, "label": "no"},
        "h": {"size": 6, "label": "6"},
        "i": {"size": 1, "label": None},
        "j": {"size": 7, "label": "1_000"},
    }


@given(st.text(min_size=1, max_size=8))
def test_a_plain_scalar_that_cannot_be_anything_else_is_its_text(text: str) -> None:
    if text[0] not in MAYBE_NOT_TEXT:
        assert resolve_plain(text) is text
