"""Hostile input: every case is refused with file:line:col (or the file named as unreadable),
before any request is sent, and without a traceback.

Each case is one config directory's ``i.yaml`` (text or bytes); the sandbox behind it must see no
request at all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

BIG = "9" * 5000


def _inst(short_name: str) -> str:
    return f'institutes:\n  "{short_name}": {{name: Hostile}}\n'


def _field(line: str) -> str:
    return f"institutes:\n  pe:\n    name: PE\n    {line}\n"


#: id -> file content (str is written as UTF-8; bytes as they are).
CASES: dict[str, str | bytes] = {
    # YAML bombs and structure
    "billion-laughs": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    + "institutes: {}\n",
    "deep-nesting": "institutes:\n  pe: " + "[" * 500 + "]" * 500 + "\n",
    "deep-mapping": "institutes:\n  pe: " + "{a: " * 200 + "1" + "}" * 200 + "\n",
    "unclosed-flow": "institutes: {pe: {name: PE}\n",
    "tab-indent": "institutes:\n\tpe: {name: PE}\n",
    "duplicate-key": "institutes:\n  pe: {name: A}\n  pe: {name: B}\n",
    "merge-key": "institutes:\n  pe:\n    <<: {name: A}\n",
    "python-tag": "institutes:\n  pe: !!python/object:os.system {name: A}\n",
    "custom-tag": "institutes:\n  pe: {name: !secret A}\n",
    "top-level-list": "- institutes\n- pe\n",
    "top-level-text": "just some text\n",
    "unknown-section": "institute:\n  pe: {name: A}\n",
    "section-is-list": "institutes: [pe]\n",
    "object-is-text": "institutes:\n  pe: hello\n",
    "two-documents": "institutes: {}\n---\ninstitutes: {}\n",
    "anchor-undefined": "institutes:\n  pe: *nothing\n",
    "complex-key": "institutes:\n  ? [a, b]\n  : {name: A}\n",
    "line-separator": _inst("a\u2028b"),
    "soft-hyphen": _inst("a\u00adb"),
    "empty-key": 'institutes:\n  "": {name: A}\n',
    # Encodings
    "latin-1": "institutes:\n  pe: {name: Caf\xe9}\n".encode("latin-1"),
    "utf-16": "institutes:\n  pe: {name: A}\n".encode("utf-16"),
    "nul-byte": b"institutes:\n  pe: {name: A\x00B}\n",
    "lone-surrogate-escape": 'institutes:\n  pe: {name: "\\ud800"}\n',
    "control-char": "institutes:\n  pe: {name: \x07bell}\n",
    "escape-in-key": "institutes:\n  pe:\n    \x1b[2Kname: A\n",
    # Identities
    "slash": _inst("a/b"),
    "backslash": _inst("a\\\\b"),
    "dot-dot": _inst(".."),
    "dot-dot-inside": _inst("a..b"),
    "single-dot": _inst("."),
    "question": _inst("a?b"),
    "hash": _inst("a#b"),
    "ampersand": _inst("a&b"),
    "percent": _inst("a%2Fb"),
    "space": _inst("a b"),
    "leading-space": _inst(" ab"),
    "tab": 'institutes:\n  "a\\tb": {name: A}\n',
    "newline": 'institutes:\n  "a\\nb": {name: A}\n',
    "escape-char": 'institutes:\n  "a\\eb": {name: A}\n',
    "bidi-override": _inst("a\u202eb"),
    "bidi-isolate": _inst("a\u2066b"),
    "zero-width": _inst("a\u200bb"),
    "bom-inside": _inst("a\ufeffb"),
    "too-long": _inst("a" * 256),
    "confusable-cyrillic": "institutes:\n  pe: {name: A}\n  p\u0435: {name: B}\n",
    "confusable-greek": "institutes:\n  po: {name: A}\n  p\u03bf: {name: B}\n",
    "confusable-case-fold": "institutes:\n  Pe: {name: A}\n  pe: {name: B}\n",
    # Numbers
    "5000-digits": _field(f"pre_assigned_proctor_fallback_threshold: {BIG}"),
    "beyond-int32": _field("connected_proctor_fallback_threshold: 2147483648"),
    "negative": _field("connected_proctor_fallback_threshold: -1"),
    "float-for-int": _field("connected_proctor_fallback_threshold: 1.5"),
    "infinity": _field("connected_proctor_fallback_threshold: .inf"),
    "nan": _field("connected_proctor_fallback_threshold: .nan"),
    "hex-huge": _field("connected_proctor_fallback_threshold: 0x" + "f" * 200),
    "retention-huge": _field(f'session_retention_period: "{BIG}"'),
    "retention-zero": _field("session_retention_period: 0"),
    "bool-for-int": _field("connected_proctor_fallback_threshold: true"),
    # Values
    "name-too-long": _field("name: " + "n" * 300).replace("    name: PE\n", "", 1),
    "url-javascript": _field("callback_url: javascript:alert(1)"),
    "read-only-field": _field("id: 7"),
    "deprecated-field": _field("default_locale: en-GB"),
    "unknown-field": _field("nmae: PE"),
    "env-unset": _field("tawk_api_key: ${env:RECONCILER_TEST_SURELY_UNSET}"),
    "env-malformed": _field("tawk_api_key: ${env:}"),
}


@pytest.mark.parametrize("content", list(CASES.values()), ids=list(CASES))
def test_a_hostile_file_is_refused_at_its_place_before_any_request(
    content: str | bytes,
    write_config: Callable[..., Path],
    run_reconciler: Run,
    aimed_at: Callable[..., Sandbox],
) -> None:
    sandbox = aimed_at()
    path = write_config({"i.yaml": ""})
    target = path / "i.yaml"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(re.escape(str(target)) + r":\d+:\d+: ", result.stderr), result.stderr
    assert sandbox.requests == []
    assert not any(ch in result.stderr for ch in "\x1b\x07\u202e\u2066\u200b\x00")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: os.mkfifo(p), id="fifo"),
        pytest.param(lambda p: p.symlink_to("nowhere.yaml"), id="dangling-link"),
        pytest.param(lambda p: p.symlink_to(p), id="link-loop"),
        pytest.param(lambda p: p.symlink_to("/dev/zero"), id="device"),
        pytest.param(lambda p: p.mkdir(), id="directory"),
    ],
)
def test_a_file_that_is_not_a_regular_file_is_named(
    make: Callable[[Path], object],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    aimed_at: Callable[..., Sandbox],
) -> None:
    sandbox = aimed_at()
    path = write_config({"a.yaml": "institutes:\n  pe: {name: PE}\n"})
    make(path / "odd.yaml")
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1
    assert f"{path / 'odd.yaml'}:1:1: cannot be read:" in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.requests == []


def test_a_50_mb_file_is_refused_unread(
    write_config: Callable[..., Path], run_reconciler: Run, aimed_at: Callable[..., Sandbox]
) -> None:
    sandbox = aimed_at()
    path = write_config({"i.yaml": "institutes:\n  pe: {name: PE}\n"})
    with (path / "i.yaml").open("a") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1
    assert "i.yaml:1:1: refused: the file is 52,428,800 bytes" in result.stderr
    assert sandbox.requests == []


def test_a_create_that_looks_like_a_live_institute_is_refused(
    write_config: Callable[..., Path], run_reconciler: Run, aimed_at: Callable[..., Sandbox]
) -> None:
    sandbox = aimed_at(seed=[{"name": "ProctorExam", "short_name": "pe"}])
    path = write_config({"i.yaml": "institutes:\n  p\u0435: {name: Look-alike}\n"})
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 3, result.stderr
    assert "short_name 'p\\u0435' looks like the live institute 'pe'" in result.stderr
    assert not any(r.is_write for r in sandbox.requests)
