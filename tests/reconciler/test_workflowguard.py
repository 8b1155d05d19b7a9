"""The output guard: a command-like line is escaped unless the tool wrote it as a command."""

from __future__ import annotations

import io

import pytest

from reconciler.workflowguard import GuardedStream, intended_command, is_command, one_line


def _through(*writes: str, flush_between: bool = False) -> str:
    sink = io.StringIO()
    guard = GuardedStream(sink)
    for text in writes:
        guard.write(text)
        if flush_between:
            guard.flush()
    guard.flush()
    guard.finish()
    return sink.getvalue()


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("ok\n::add-mask::x\n", "ok\n\\x3a:add-mask::x\n"),
        ("  ::error::y\r\n", "  \\x3a:error::y\r\n"),
        ("a\r::warning::cr\n", "a\r\\x3a:warning::cr\n"),
        ("##[error]z\n## Plan\n", "\\x23#[error]z\n## Plan\n"),
        ("ok:: fine\n:colon\n", "ok:: fine\n:colon\n"),
    ],
)
def test_a_command_like_line_is_escaped_and_the_rest_passes(written: str, shown: str) -> None:
    assert _through(written) == shown


def test_a_command_split_across_writes_and_flushes_is_still_caught() -> None:
    assert _through("\n", ":", ":stop-commands::t\n") == "\n\\x3a:stop-commands::t\n"
    assert _through("  ", ":", ":error::e\n", flush_between=True) == "  \\x3a:error::e\n"


def test_an_intended_command_passes_once_the_tool_made_it() -> None:
    line = intended_command("::notice file=a.yaml,line=1::ok")
    assert _through(line + "\n", "::notice::forged\n") == line + "\n\\x3a:notice::forged\n"


def test_bytes_are_refused_as_by_a_text_stream() -> None:
    with pytest.raises(TypeError):
        GuardedStream(io.StringIO()).write(b"x")  # type: ignore[arg-type]


def test_one_line_escapes_every_line_break() -> None:
    assert one_line("a\nb\rc\u2028d\x85e") == "a\\x0ab\\x0dc\\u2028d\\x85e"
    assert not is_command(one_line("x\n::error::y"))


def test_bytes_through_the_buffer_are_decoded_and_guarded() -> None:
    sink = io.StringIO()
    guard = GuardedStream(sink)
    encoded = "é\n::add-mask::b\n".encode()
    guard.buffer.write(encoded[:1])  # a character split across writes
    guard.buffer.write(encoded[1:])
    guard.flush()
    assert sink.getvalue() == "é\n\\x3a:add-mask::b\n"
