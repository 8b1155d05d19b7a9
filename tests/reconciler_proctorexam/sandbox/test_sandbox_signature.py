"""The server's string-to-sign builder and verifier, against vectors computed outside Python.

Every expected digest below was computed with::

    printf %s "$s" | openssl dgst -sha256 -hmac "$key"

(UTF-8 locale), so a shared mistake of Python code on both sides cannot hide.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler_proctorexam.sandbox.signature import render_value, sign, string_to_sign, verify

TS = 1527500365052
NONCE = 1527500365

# (params as a client sends them, the string to sign, digest with "sandbox-secret",
#  digest with "s3cr3t-k3y")
VECTORS: list[tuple[dict[str, Any], str, str, str]] = [
    (  # documented example: GET /api/v3/institutes?page=2&limit=300
        {"page": "2", "limit": "300", "timestamp": TS, "nonce": NONCE},
        "limit=300?nonce=1527500365?page=2?timestamp=1527500365052",
        "cba956af3effcd3489448cee3540de5066169f9fb2527e12702eb56ea25f0be0",
        "3fce073a5e1bad6269283fa2d4afb338ccd664507bfd64f72d7854119b891505",
    ),
    (  # documented example: GET /api/v3/institutes/1 (the path id is signed)
        {"id": "1", "timestamp": TS, "nonce": NONCE},
        "id=1?nonce=1527500365?timestamp=1527500365052",
        "cf157142b6b65577933780df5e7e57d09264001fe1dac3fd452a02700ad4c3a1",
        "45fee7f6dd64e0e401bd756dbc205713955dd67f37f5a2d9998bfa50382e5f94",
    ),
    (  # documented example: POST /api/v3/institutes with a JSON body
        {"name": "ProctorExam", "short_name": "pe", "global_proctor": True, "timestamp": TS,
         "nonce": NONCE},
        "global_proctor=true?name=ProctorExam?nonce=1527500365?short_name=pe"
        "?timestamp=1527500365052",
        "d4233753652e4b48f70f218d1249cb92724ae1c9c8766b316721b67a1d126596",
        "681043cd1769b24fdfa4adaa619620a7fb91f84adf98c35f617117aee19660b0",
    ),
    (  # a list of strings: double quotes, ", " between items
        {"id": 7, "custom_languages": ["no-NO", "fr-FR"], "timestamp": TS, "nonce": NONCE},
        'custom_languages=["no-NO", "fr-FR"]?id=7?nonce=1527500365?timestamp=1527500365052',
        "8f147c48bed5eb12e488239274429c3ddafdcfef93ca7da150c1cafb2b4f8e19",
        "590553b97b3a78450d1d648c702303f4f17997e5d705ae30f7a7cde228516ff9",
    ),
    (  # null is the empty string, booleans are true/false
        {"id": 7, "callback_url": None, "global_reviewer": True,
         "exam_link_emails_enabled": False, "timestamp": TS, "nonce": NONCE},
        "callback_url=?exam_link_emails_enabled=false?global_reviewer=true?id=7"
        "?nonce=1527500365?timestamp=1527500365052",
        "b48a280c4b0f4106cbfce1404e490eef6c81d1d9fc5b3ab26b55d85fe477c97a",
        "7d1633e9cd5a6a5839f026473544590f1b5b59f32f7d7f255fbb7b4286dd4ac2",
    ),
    (  # non-ASCII text is signed as its UTF-8 bytes, unencoded
        {"id": 7, "name": "Université de Genève \u2013 Zürich", "timestamp": TS, "nonce": NONCE},
        "id=7?name=Université de Genève \u2013 Zürich?nonce=1527500365?timestamp=1527500365052",
        "4089dc66a2c1e8ed426ca7472f20234e5773531bf9a62364892e938ba77c3079",
        "276d4d0f59bce03af42ba7404bf6a24d2a6ac679975cca9bbee56fb5f895aa00",
    ),
    (  # integers in decimal, the empty list
        {"id": 7, "custom_languages": [], "session_retention_period": 12,
         "connected_proctor_fallback_threshold": 3, "timestamp": TS, "nonce": NONCE},
        "connected_proctor_fallback_threshold=3?custom_languages=[]?id=7?nonce=1527500365"
        "?session_retention_period=12?timestamp=1527500365052",
        "81511c9ed5efc56a75f57f2e1fc6071c51a5f1003fc5a066e96ac56f47b51884",
        "64341779c1bb4080f08f16b1bd6e36ddae39e9e2533edbb545f18b950d75f57c",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("params", "expected", "_a", "_b"), VECTORS)
def test_string_to_sign_matches_the_recipe(
    params: dict[str, Any], expected: str, _a: str, _b: str
) -> None:
    assert string_to_sign(params) == expected
    assert string_to_sign({**params, "signature": "ignored"}) == expected


@pytest.mark.parametrize(("params", "_s", "digest", "other_digest"), VECTORS)
def test_sign_and_verify_match_openssl(
    params: dict[str, Any], _s: str, digest: str, other_digest: str
) -> None:
    assert sign("sandbox-secret", params) == digest
    assert sign("s3cr3t-k3y", params) == other_digest
    assert verify("sandbox-secret", params, digest)
    assert not verify("s3cr3t-k3y", params, digest)
    assert not verify("sandbox-secret", {**params, "nonce": NONCE + 1}, digest)


def test_verify_refuses_upper_case_and_non_hex_without_crashing() -> None:
    params, _, digest, _ = VECTORS[0]
    assert not verify("sandbox-secret", params, digest.upper())
    assert not verify("sandbox-secret", params, "é" * 64)
    assert not verify("sandbox-secret", params, "")


def test_sorting_is_by_code_point() -> None:
    assert string_to_sign({"b": "1", "B": "2", "a_b": "3", "ab": "4"}) == "B=2?a_b=3?ab=4?b=1"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("x y", "x y"),
        (0, "0"),
        (-5, "-5"),
        (True, "true"),
        (False, "false"),
        (None, ""),
        (["a"], '["a"]'),
        ([], "[]"),
        (["Zürich"], '["Zürich"]'),
    ],
)
def test_render_value(value: Any, text: str) -> None:
    assert render_value(value) == text


@pytest.mark.parametrize("value", [{"a": 1}, [1, 2], [["a"]]])
def test_render_value_refuses_nested_values(value: Any) -> None:
    with pytest.raises(ValueError, match="can be signed"):
        render_value(value)
