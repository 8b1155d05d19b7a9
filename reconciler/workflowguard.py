"""No output line reads as a GitHub Actions workflow command unless the tool wrote it as one.

The runner of GitHub Actions reads every line a step prints, and acts on a line that starts
(after blanks) with ``::`` (``::add-mask::``, ``::error``, ``::stop-commands::``…) or with the
older ``##[``. The tool quotes what it did not write itself: YAML keys, file names, values
from the service, plugins' messages. A quoted text holding a line break followed by ``::``
would otherwise become a command in the CI log: mask a word, forge an annotation, or stop
command processing for the rest of the job.

So while the command line runs, standard output and standard error pass through a
:class:`GuardedStream` that escapes the first character of any such line (``\\x3a:error``)
unless it is one the tool wrote as a command on purpose: each is made by
:func:`intended_command`, which the ``github`` formats call for every line they write. The
runner ends a line at CR as well as LF, so both end a line here. A terminal is left as it is:
no runner reads it, and rich draws progress bars on it.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["GuardedStream", "guarded_output", "intended_command", "is_command", "one_line"]

#: Command lines the tool wrote on purpose during this run.
_INTENDED: set[str] = set()
_PREFIXES = ("::", "##[")
_ESCAPES = {":": "\\x3a", "#": "\\x23"}


#: Every character that ends a line somewhere (the runner: CR and LF), written as an escape.
_BREAKS = str.maketrans(
    {
        "\n": "\\x0a",
        "\r": "\\x0d",
        "\x0b": "\\x0b",
        "\x0c": "\\x0c",
        "\x1c": "\\x1c",
        "\x1d": "\\x1d",
        "\x1e": "\\x1e",
        "\x85": "\\x85",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def one_line(text: str) -> str:
    """``text`` (quoted input: a key, a file name, a plugin's message) kept on one line."""
    return text.translate(_BREAKS)


def intended_command(line: str) -> str:
    """Mark ``line`` (a whole workflow command, its data escaped) as written on purpose."""
    _INTENDED.add(line)
    return line


def is_command(line: str) -> bool:
    """Whether the runner would read ``line`` as a workflow command."""
    return line.lstrip().startswith(_PREFIXES)


def _undecided(head: str) -> bool:
    """Whether more of the line is needed to know: blanks, ``:``, ``#`` or ``##``."""
    start = head.lstrip()
    return start in ("", ":", "#", "##") or start.startswith(_PREFIXES)


def defuse(line: str) -> str:
    """``line`` with the character that makes it a command escaped, unless it was intended."""
    body = line.rstrip("\r\n")
    if not is_command(body) or body in _INTENDED:
        return line
    return _escape_first(line)


class GuardedStream(io.TextIOBase):
    """A text stream that passes everything to ``stream``, a command-like line escaped.

    A line's start is held back only while it could still become a command (blanks, ``:``,
    ``#``); the rest of the text goes through at once.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._head = ""  # the start of the current line, held until it is judged
        self._judged = False  # whether the current line's start went through already
        self._binary: _BinaryGuard | None = None

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)

    @property
    def buffer(self) -> _BinaryGuard:
        """Bytes written here (``click.echo(b"...")``) are decoded and guarded alike."""
        if self._binary is None:
            self._binary = _BinaryGuard(self)
        return self._binary

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        out: list[str] = []
        start = 0
        while start < len(text):
            end = _line_end(text, start)
            piece = text[start:end]
            start = end
            ended = piece.endswith(("\n", "\r"))
            if self._judged:
                out.append(piece)
            else:
                self._head += piece
                if ended or not _undecided(self._head):
                    out.append(defuse(self._head))
                    self._head = ""
                    self._judged = True
            if ended:
                self._judged = False
        if out:
            self._stream.write("".join(out))
        return len(text)

    def flush(self) -> None:
        if self._head.strip():
            # Held back and now asked for: a start that could still become a command goes
            # out escaped, since the rest of its line would pass unseen.
            head = self._head
            self._stream.write(_escape_first(head) if _undecided(head) else head)
            self._head = ""
            self._judged = True
        self._stream.flush()

    def finish(self) -> None:
        """Write what is still held back (blanks at most), as it is."""
        if self._head:
            self._stream.write(self._head)
            self._head = ""
        self._stream.flush()


class _BinaryGuard(io.RawIOBase):
    """The binary side of a :class:`GuardedStream`: UTF-8 (or its encoding) decoded as it
    comes, a character split across writes included."""

    def __init__(self, text: GuardedStream) -> None:
        super().__init__()
        self._text = text
        self._decoder = codecs.getincrementaldecoder(text.encoding)("replace")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._text.write(self._decoder.decode(chunk))
        return len(chunk)

    def flush(self) -> None:
        self._text.flush()


def _escape_first(text: str) -> str:
    blanks = len(text) - len(text.lstrip())
    if blanks < len(text) and text[blanks] in _ESCAPES:
        return text[:blanks] + _ESCAPES[text[blanks]] + text[blanks + 1 :]
    return text


def _line_end(text: str, start: int) -> int:
    """The index just past the next CR or LF at or after ``start`` (CRLF counts as one)."""
    cr, lf = text.find("\r", start), text.find("\n", start)
    ends = [i for i in (cr, lf) if i >= 0]
    if not ends:
        return len(text)
    end = min(ends) + 1
    if text[end - 1] == "\r" and text[end : end + 1] == "\n":
        end += 1
    return end


@contextlib.contextmanager
def guarded_output() -> Iterator[None]:
    """Guard ``sys.stdout`` and ``sys.stderr`` (those that are not a terminal) while it runs."""
    saved = sys.stdout, sys.stderr
    guards = []
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or stream.isatty():
            continue
        guard = GuardedStream(stream)
        guards.append(guard)
        setattr(sys, name, guard)
    try:
        yield
    finally:
        for guard in guards:
            with contextlib.suppress(Exception):
                guard.flush()
                guard.finish()
        sys.stdout, sys.stderr = saved
        _INTENDED.clear()
