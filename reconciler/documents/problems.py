"""Validation problems for machines: a versioned JSON document, and GitHub workflow commands.

``validate --format json`` prints :func:`problems_document`, whose shape is published as
``schemas/validation.schema.json`` (``reconciler schema validation``). Every problem is
``{file, line, column, message, plugin}``; ``file``, ``line`` and ``column`` are ``null`` for a
problem that has no place in a file (a directory with no YAML in it, a bad settings file).

``validate --format sarif`` and ``--format gitlab`` print a SARIF log and a GitLab Code Quality
report (:mod:`reconciler.documents.findings`).

``validate --format github`` (and ``plan --format github`` on an invalid configuration) prints
one ``::error file=…,line=…,col=…::message`` workflow command per problem, which GitHub
Actions turns into an annotation on the pull request's diff. Both are built from the same
:class:`~reconciler.records.Problem` records the text output prints.

``format_version`` is ``MAJOR.MINOR``, as for the plan document: a minor version only adds
properties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from reconciler.documents.versioned import dump_document
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.model import DesiredState, Location
from reconciler.records import Problem
from reconciler.workflowguard import intended_command

__all__ = [
    "FORMATS",
    "VALIDATION_FORMAT_VERSION",
    "VALIDATION_SCHEMA",
    "github_commands",
    "problems_document",
    "problems_of",
    "render_problems",
    "workflow_command",
]

VALIDATION_FORMAT_VERSION: Final = "1.0"

_NULLABLE_INT: Final = {"type": ["integer", "null"], "minimum": 1}

VALIDATION_SCHEMA: Final[Mapping[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "reconciler validation result",
    "description": (
        "What `reconciler validate --format json` prints: whether the configuration is valid,"
        " and every problem found, each with its place in a file."
    ),
    "type": "object",
    "required": ["format_version", "valid", "problems"],
    "properties": {
        "format_version": {
            "description": "MAJOR.MINOR; a new minor version only adds properties.",
            "type": "string",
            "pattern": r"^1\.[0-9]+$",
        },
        "valid": {"description": "True when there is no problem (exit code 0).", "type": "boolean"},
        "files": {
            "description": "The YAML files read, when the configuration could be read.",
            "type": "array",
            "items": {"type": "string"},
        },
        "objects": {
            "description": "How many objects of each kind the configuration declares (if valid).",
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
        "problems": {
            "description": "Every problem found, in file and line order.",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["file", "line", "column", "message", "plugin"],
                "properties": {
                    "file": {
                        "description": "The file, as the command line named it; null if none.",
                        "type": ["string", "null"],
                    },
                    "line": {**_NULLABLE_INT, "description": "From 1, as editors count."},
                    "column": {**_NULLABLE_INT, "description": "From 1, as editors count."},
                    "message": {"type": "string"},
                    "plugin": {
                        "description": "The plugin that found the problem; null for the core.",
                        "type": ["string", "null"],
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


#: What ``validate --format`` takes (sarif and gitlab: see :mod:`reconciler.documents.findings`).
FORMATS: Final = ("text", "json", "github", "sarif", "gitlab")


def render_problems(
    fmt: str, problems: Sequence[Problem], state: DesiredState | None = None
) -> str:
    """The problems (none when ``state`` is valid) in a machine format: json, github, sarif
    or gitlab."""
    if fmt == "github":
        return github_commands(problems)
    if fmt in ("sarif", "gitlab"):
        from reconciler.documents import findings

        found = findings.from_problems(problems)
        if fmt == "sarif":
            return findings.dump(findings.sarif_log(found))
        return findings.dump(findings.code_quality_report(found, "reconciler.toml"))
    if fmt != "json":
        raise ValueError(f"not a machine format: {fmt!r}")
    if state is None:
        return dump_document(problems_document(problems))
    counts: dict[str, int] = {}
    for obj in state.objects:
        counts[obj.kind] = counts.get(obj.kind, 0) + 1
    return dump_document(problems_document(problems, files=state.files, objects=counts))


def problems_of(error: ReconcilerError) -> tuple[Problem, ...]:
    """The problems an error stands for: a ConfigError's own, or the error as one problem."""
    if isinstance(error, ConfigError):
        return error.problems
    return (Problem(str(error)),)


def problems_document(
    problems: Sequence[Problem],
    *,
    files: Sequence[str] = (),
    objects: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The versioned document of a validation run (see :data:`VALIDATION_SCHEMA`)."""
    document: dict[str, Any] = {
        "format_version": VALIDATION_FORMAT_VERSION,
        "valid": not problems,
    }
    if files:
        document["files"] = list(files)
    if objects is not None:
        document["objects"] = dict(sorted(objects.items()))
    document["problems"] = [_problem(p) for p in problems]
    return document


def github_commands(problems: Iterable[Problem]) -> str:
    """One ``::error`` workflow command per problem, each on its own line."""
    lines = []
    for problem in problems:
        who = f" [{problem.plugin}]" if problem.plugin else ""
        lines.append(workflow_command("error", problem.message + who, problem.location))
    return "".join(line + "\n" for line in lines)


def workflow_command(
    command: str, message: str, location: Location | None, *, title: str | None = None
) -> str:
    """``::error file=…,line=…,col=…::message`` (or ``notice``, ``warning``), escaped.

    Escaped as GitHub's toolkit does (``escapeData`` and ``escapeProperty``): ``%``, CR and
    LF in the message, so that a value cannot start a command of its own on a new line; those
    and ``:`` and ``,`` in a property, where they would end it.
    """
    properties = []
    if location is not None:
        properties += [
            f"file={_property(location.file)}",
            f"line={location.line}",
            f"col={location.column}",
        ]
    if title is not None:
        properties.append(f"title={_property(title)}")
    head = f"::{command} {','.join(properties)}" if properties else f"::{command}"
    # Written on purpose: the output guard lets exactly this line through as a command.
    return intended_command(f"{head}::{_data(message)}")


def _problem(problem: Problem) -> dict[str, Any]:
    loc = problem.location
    return {
        "file": loc.file if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
        "message": problem.message,
        "plugin": problem.plugin,
    }


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
