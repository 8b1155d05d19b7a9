"""The client's signer against fixed vectors computed outside Python.

Every expected signature below was computed with openssl, not with this code:

    printf %s "$STRING_TO_SIGN" | openssl dgst -sha256 -hmac "$KEY"

with KEY=pe-secret-key unless the vector says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler_proctorexam.signing import (
    NONCE_DIGITS,
    new_nonce,
    render_value,
    sign,
    signed_params,
    string_to_sign,
    timestamp_ms,
)

KEY = "pe-secret-key"
TS = 1527500365052
DOC_NONCE = 1527500365

VECTORS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "doc example: GET /institutes?page=2&limit=300",
        {"page": 2, "limit": 300, "timestamp": TS, "nonce": DOC_NONCE},
        "limit=300?nonce=1527500365?page=2?timestamp=1527500365052",
        "e9c2280ce0b586ebc9b2e84c9aba09ab453dd36bba0dabee8352c440ac4c7871",
    ),
    (
        "doc example: GET /institutes/1, the path id signed as a parameter",
        {"id": 1, "timestamp": TS, "nonce": DOC_NONCE},
        "id=1?nonce=1527500365?timestamp=1527500365052",
        "1708c2c1102a54bf362b791ff9597879a7a7c6fc4a8b86d756970683ae4e2aab",
    ),
    (
        "doc example: POST /institutes with a boolean",
        {
            "name": "ProctorExam",
            "short_name": "pe",
            "global_proctor": True,
            "timestamp": TS,
            "nonce": DOC_NONCE,
        },
        "global_proctor=true?name=ProctorExam?nonce=1527500365?short_name=pe?timestamp=1527500365052",
        "189ab6986d5265312cd257deaba44d81418b5ddadfdaed5fd9e4c490b04cdfff",
    ),
    (
        "a list of strings",
        {
            "id": "7",
            "custom_languages": ["no-NO", "fr-FR"],
            "timestamp": TS,
            "nonce": 482913650017324,
        },
        'custom_languages=["no-NO", "fr-FR"]?id=7?nonce=482913650017324?timestamp=1527500365052',
        "7594930cdb57f8de314d52f9e4e09ed3e01be590566f597c64757b5587ef7b9c",
    ),
    (
        "null, booleans and a number",
        {
            "id": 7,
            "callback_url": None,
            "global_reviewer": False,
            "reminder_emails_enabled": True,
            "session_retention_period": 6,
            "timestamp": TS,
            "nonce": 482913650017324,
        },
        "callback_url=?global_reviewer=false?id=7?nonce=482913650017324"
        "?reminder_emails_enabled=true?session_retention_period=6?timestamp=1527500365052",
        "69a7ceb82b258b89aba1bc7ad2b902b2a26cc59b0b272646a9671d85d9635c1c",
    ),
    (
        "non-ASCII UTF-8 value",
        {
            "name": "Universitetet i Tromsø \u2013 Norges arktiske universitet",
            "short_name": "uit",
            "timestamp": TS,
            "nonce": 482913650017324,
        },
        "name=Universitetet i Tromsø \u2013 Norges arktiske universitet?nonce=482913650017324"
        "?short_name=uit?timestamp=1527500365052",
        "f59ca89f08cead5f053e4f705c9b834d23d2dad84582d2fb59420b206f9673a8",
    ),
    (
        "code-point order of names: upper case first, '_' before letters",
        {"ab": "1", "a_b": "2", "Z": "3", "timestamp": TS, "nonce": 100000000000000},
        "Z=3?a_b=2?ab=1?nonce=100000000000000?timestamp=1527500365052",
        "cccd0c558f17a87375b5d3d96318144ea98ff7e57956a44d97ecfc6ae01bc5f2",
    ),
    (
        "an empty list",
        {"id": 7, "custom_languages": [], "timestamp": TS, "nonce": 100000000000000},
        "custom_languages=[]?id=7?nonce=100000000000000?timestamp=1527500365052",
        "e1759f7962d343809cfb5ee9d699885d68bdf069461c66086d71e45c4d8bab63",
    ),
]


@pytest.mark.parametrize(
    ("params", "expected_string", "expected_hex"),
    [pytest.param(p, s, h, id=name) for name, p, s, h in VECTORS],
)
def test_fixed_vectors(params: dict[str, Any], expected_string: str, expected_hex: str) -> None:
    assert string_to_sign(params) == expected_string
    assert sign(params, KEY) == expected_hex


def test_the_json_list_rendering() -> None:
    # printf %s 'custom_languages=["no-NO","fr-FR"]?id=7?nonce=1527500365?timestamp=1527500365052' \
    #     | openssl dgst -sha256 -hmac pe-secret-key
    params = {"id": 7, "custom_languages": ["no-NO", "fr-FR"], "timestamp": TS, "nonce": DOC_NONCE}
    assert string_to_sign(params, lists="json") == (
        'custom_languages=["no-NO","fr-FR"]?id=7?nonce=1527500365?timestamp=1527500365052'
    )
    assert sign(params, KEY, lists="json") == (
        "9f6cea24e9be475b9c1c08bde569646fe247f5eb17568157f9e11c0bc31ac64c"
    )
    assert render_value(['a"b', None, True], lists="json") == '["a\\"b",null,true]'
    with pytest.raises(ValueError, match="unknown list rendering 'yaml'"):
        render_value(["a"], lists="yaml")


def test_signature_parameter_is_left_out() -> None:
    params = {"id": 1, "timestamp": TS, "nonce": DOC_NONCE, "signature": "whatever"}
    assert sign(params, KEY) == "1708c2c1102a54bf362b791ff9597879a7a7c6fc4a8b86d756970683ae4e2aab"


def test_non_ascii_key() -> None:
    # printf %s 'id=1?nonce=1527500365?timestamp=1527500365052' \
    #     | openssl dgst -sha256 -hmac 'clé-secrète'
    params = {"id": 1, "timestamp": TS, "nonce": DOC_NONCE}
    assert sign(params, "clé-secrète") == (
        "2f5454f500f14e3ee1bc3d867ee92a13c162970434dad4620ab5e21cfed060db"
    )


def test_signed_params_adds_timestamp_nonce_and_signature() -> None:
    out = signed_params({"page": 2, "limit": 300}, KEY, timestamp=TS, nonce=DOC_NONCE)
    assert out == {
        "page": 2,
        "limit": 300,
        "timestamp": TS,
        "nonce": DOC_NONCE,
        "signature": "e9c2280ce0b586ebc9b2e84c9aba09ab453dd36bba0dabee8352c440ac4c7871",
    }


def test_every_signing_is_fresh() -> None:
    first = signed_params({"id": 1}, KEY)
    second = signed_params({"id": 1}, KEY)
    assert first["nonce"] != second["nonce"]
    assert first["signature"] != second["signature"]


def test_nonce_has_fifteen_digits() -> None:
    nonces = {new_nonce() for _ in range(1000)}
    assert len(nonces) == 1000
    assert all(len(str(n)) == NONCE_DIGITS == 15 for n in nonces)


def test_timestamp_is_in_milliseconds() -> None:
    # 2020-01-01 in ms is 1577836800000; in seconds it would have 10 digits.
    assert timestamp_ms() > 1_577_836_800_000
    assert len(str(timestamp_ms())) == 13


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("as is", "as is"),
        ("", ""),
        (0, "0"),
        (-12, "-12"),
        (True, "true"),
        (False, "false"),
        (None, ""),
        (["no-NO", "fr-FR"], '["no-NO", "fr-FR"]'),
        (("a",), '["a"]'),
        (['say "hi"', "back\\slash"], '["say \\"hi\\"", "back\\\\slash"]'),
        ([1, True, None], "[1, true, nil]"),
    ],
)
def test_render_value(value: Any, rendered: str) -> None:
    assert render_value(value) == rendered


@pytest.mark.parametrize("value", [1.5, {"a": 1}, [{"a": 1}], [1.0], b"bytes", ["line\nbreak"]])
def test_render_value_refuses_what_has_no_agreed_form(value: Any) -> None:
    with pytest.raises(TypeError, match="cannot sign"):
        render_value(value)
