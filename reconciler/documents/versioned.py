"""The JSON documents the reconciler writes and reads back: saved plans, snapshots, plans, drift.

Every document is versioned ``MAJOR.MINOR`` and checked against its JSON Schema before a value
is used. A file that is missing, truncated, corrupt, of another kind or of another major
version is a :class:`~reconciler.errors.ReconcilerError` with a message that says which file
and what to do, never a traceback. Messages about a document never quote its values: a
hand-edited file may hold one that must not be shown.

Each kind of document is one :class:`DocumentKind`, and every kind is read, checked and
written by its methods: ``read(path)`` is ``open`` (the JSON, and the ``format`` key when the
kind has one) then ``check`` (the major version, then the schema).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from reconciler import fastjson
from reconciler.collector import gc_paused
from reconciler.console import write_atomic
from reconciler.documents.limits import (
    DOCUMENT_LIMITS,
    DocumentLimits,
    TooLarge,
    bounded_loads,
    depth_beyond,
)
from reconciler.errors import ReconcilerError
from reconciler.fastschema import Validator

if TYPE_CHECKING:
    import jsonschema

__all__ = [
    "DocumentKind",
    "check_version",
    "dump_document",
    "read_json",
    "schema_problems",
    "write_document",
]

_VERSION_DESCRIPTION: Final = "`MAJOR.MINOR` of this format; readers refuse another major version."


@dataclass(frozen=True, slots=True)
class DocumentKind:
    """One kind of versioned document: how it is named, versioned, checked and written.

    ``name`` is what a refused version calls it (``snapshot``), ``title`` what every other
    refusal does (``live snapshot``); ``version`` is the ``MAJOR.MINOR`` written; ``schema``
    returns the JSON Schema a document is checked against (called once, on first use);
    ``remedy`` ends every refusal with what to do instead. ``format`` is the value of the
    document's ``format`` key, for kinds whose files carry one (to tell them from other JSON),
    and ``hint`` adds to the refusal of a file with another ``format``.
    """

    name: str
    title: str
    version: str
    schema: Callable[[], Mapping[str, Any]]
    remedy: str
    format: str | None = None
    hint: Callable[[Mapping[str, Any]], str] | None = None

    @property
    def major(self) -> str:
        return self.version.split(".", 1)[0]

    def header(self) -> dict[str, str]:
        """The keys a document of this kind starts with: ``format`` (if any), ``format_version``."""
        head = {} if self.format is None else {"format": self.format}
        return {**head, "format_version": self.version}

    def version_schema(self, description: str = _VERSION_DESCRIPTION) -> dict[str, Any]:
        """The schema of ``format_version``: this major version, any minor one."""
        return {
            "description": description,
            "type": "string",
            "pattern": rf"^{self.major}\.[0-9]+$",
        }

    def open(self, path: Path) -> Any:
        """The JSON in ``path``, once sure it is no other kind's (its ``format``); unchecked
        otherwise, for :meth:`check`."""
        doc = read_json(path, what=f"a {self.title}", remedy=self.remedy)
        foreign = isinstance(doc, Mapping) and doc.get("format") != self.format
        if self.format is not None and foreign:
            hint = self.hint(doc) if self.hint is not None else ""
            raise ReconcilerError(
                f"{path} is not a {self.title} (its format is not {self.format!r}).{hint}"
                f" {self.remedy}"
            )
        return doc

    def check(self, doc: Any, *, source: str) -> None:
        """Refuse ``doc`` unless it is of this major version and valid against the schema,
        naming every problem at once; ``source`` names the document (its file)."""
        check_version(
            doc,
            key="format_version",
            major=self.major,
            source=source,
            name=self.name,
            remedy=self.remedy,
        )
        problems = schema_problems(_validator(self.schema), doc)
        if problems:
            raise ReconcilerError(
                "\n".join(
                    [
                        f"{source} is not a valid {self.title} ({len(problems)} problem(s)):",
                        *(f"  {p}" for p in problems),
                        self.remedy,
                    ]
                )
            )

    def read(self, path: Path) -> Any:
        """The document in ``path``, opened and checked: every value may be used."""
        doc = self.open(path)
        self.check(doc, source=str(path))
        return doc

    def write(self, path: Path, doc: Mapping[str, Any]) -> None:
        """Write ``doc`` for the tool to read back (:func:`write_document`)."""
        write_document(path, doc)


@functools.cache
def _validator(schema: Callable[[], Mapping[str, Any]]) -> Validator:
    return Validator(schema())


def read_json(
    path: Path, *, what: str, remedy: str, limits: DocumentLimits = DOCUMENT_LIMITS
) -> Any:
    """The JSON value in ``path``; ``what`` names the document, ``remedy`` what to do instead.

    A file beyond ``limits`` (too large, too deep, an integer too long) is refused before it
    costs memory or time, with a message and never a traceback.
    """
    too_large = (
        f"{path}: larger than {limits.max_file_bytes:,} bytes, the most {what} may be. {remedy}"
    )
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > limits.max_file_bytes:
                raise ReconcilerError(too_large)
            # Read no more than the bound, whatever the size said (a pipe, a growing file).
            raw = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise ReconcilerError(f"{path}: no such file. {remedy}") from None
    except OSError as exc:
        reason = exc.strerror or "unreadable"
        raise ReconcilerError(f"{path}: cannot read {what}: {reason}. {remedy}") from None
    if len(raw) > limits.max_file_bytes:
        raise ReconcilerError(too_large)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ReconcilerError(f"{path}: cannot read {what}: not UTF-8 text. {remedy}") from None
    if not text.strip():
        raise ReconcilerError(f"{path}: the file is empty, not {what}. {remedy}")
    too_deep = (
        f"{path}: nests objects and arrays more than {limits.max_depth} levels deep, which"
        f" {what} never does. {remedy}"
    )
    try:
        with gc_paused():
            doc = bounded_loads(text, raw, limits, fastjson.loads)
    except TooLarge as exc:
        raise ReconcilerError(f"{path}: not {what}: {exc}. {remedy}") from None
    except RecursionError:
        raise ReconcilerError(too_deep) from None
    except json.JSONDecodeError as exc:
        # Say where, never what: the text around the error might be a secret pasted in.
        stripped = text.strip()
        cut = stripped[0] in "{[" and stripped[-1] not in "}]"
        reason = "it ends before the document does (truncated?)" if cut else exc.msg
        raise ReconcilerError(
            f"{path}: not valid JSON, so not {what}: {reason} (line {exc.lineno},"
            f" column {exc.colno}). {remedy}"
        ) from None
    if depth_beyond(doc, limits.max_depth):
        raise ReconcilerError(too_deep)
    return doc


def check_version(doc: Any, *, key: str, major: str, source: str, name: str, remedy: str) -> None:
    """Refuse ``doc`` unless its ``key`` is a ``MAJOR.MINOR`` version of major ``major``.

    ``name`` says what kind of document is expected (``plan``, ``snapshot``).
    """
    version = doc.get(key) if isinstance(doc, Mapping) else None
    if not isinstance(version, str):
        raise ReconcilerError(f"{source} is not a {name} document: it has no {key}. {remedy}")
    if version.split(".", 1)[0] != major:
        raise ReconcilerError(
            f"{source} has {name} format {version[:20]!r}, but this reconciler reads format"
            f" {major}.x. {remedy}"
        )


def schema_problems(validator: Validator, doc: Any) -> list[str]:
    """Every way ``doc`` fails the validator's schema, each as ``/json/pointer: reason``."""
    if validator.is_valid(doc):
        return []
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    causes = [_cause(e) for e in errors]
    return [f"{_pointer(e.absolute_path)}: {_describe(e)}" for e in causes]


def write_document(path: Path, doc: Mapping[str, Any]) -> None:
    """Write ``doc`` as compact JSON, atomically, readable and writable by its owner alone.

    The temporary file is created 0600 and renamed into place, so the document is never
    readable by others, not even for a moment. Compact, because these files are for the tool
    to read back (``jq`` shows them indented): indented JSON is encoded in Python, compact JSON
    in C, eight times faster at 10,000 changes.
    """
    write_atomic(path, json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n")
    path.chmod(0o600)


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(p) for p in path) if path else "(document)"


_BOUNDS: Final = {
    "minimum": "must be at least {}",
    "maxItems": "must have at most {} item(s)",
    "minItems": "must have at least {} item(s)",
    "pattern": "must match the pattern {}",
}


def _cause(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The most specific reason behind an ``anyOf`` failure: the deepest error within it."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _describe(error: jsonschema.ValidationError) -> str:
    """Say what is wrong without quoting the offending value."""
    if error.validator in ("required", "additionalProperties"):
        return str(error.message)  # these name keys, never values
    rule: Any = error.validator_value
    if error.validator == "type":
        return f"must be of type {rule}"
    if error.validator in ("enum", "const"):
        allowed = rule if error.validator == "enum" else [rule]
        return f"must be one of {', '.join(map(str, allowed))}"
    if error.validator in _BOUNDS:
        return _BOUNDS[str(error.validator)].format(rule)
    if error.validator == "not":
        return "a sensitive field must not hold values"
    return f"fails the schema's {error.validator!r} rule"


def dump_document(document: Mapping[str, Any] | Sequence[Any]) -> str:
    """A JSON report as written: indented, UTF-8 as is, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
