"""The report of ``reconciler doctor``: its steps, exit code, text and JSON forms, and schema.

Kept apart from :mod:`reconciler.cli.doctor` (which asks the plugins) so that the published schemas
can name :data:`DOCTOR_SCHEMA` without importing the hook machinery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from reconciler.records import DoctorStep, StepStatus

__all__ = ["DOCTOR_SCHEMA", "FORMATS", "FORMAT_VERSION", "DoctorReport"]

#: ``MAJOR.MINOR`` of the JSON document ``doctor --format json`` prints (:data:`DOCTOR_SCHEMA`);
#: a minor version only adds properties, which readers ignore.
FORMAT_VERSION = "1.0"

#: The output formats ``doctor --format`` takes.
FORMATS = ("text", "json")

_EXIT = {StepStatus.PASSED: 0, StepStatus.INCONCLUSIVE: 2, StepStatus.FAILED: 1}
_RANK = {StepStatus.PASSED: 0, StepStatus.INCONCLUSIVE: 1, StepStatus.FAILED: 2}
#: Each status's word in bold and its colour, as ANSI escapes (green, red, yellow).
_STYLES = {
    StepStatus.PASSED: "\x1b[32m\x1b[1m",
    StepStatus.FAILED: "\x1b[31m\x1b[1m",
    StepStatus.INCONCLUSIVE: "\x1b[33m\x1b[1m",
}


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """Every step every provider reported, in the order they ran."""

    steps: tuple[DoctorStep, ...]

    @property
    def status(self) -> StepStatus:
        """The worst status of any step: failed, then inconclusive, then passed."""
        return max((s.status for s in self.steps), key=_RANK.__getitem__, default=StepStatus.PASSED)

    @property
    def exit_code(self) -> int:
        return _EXIT[self.status]

    def count(self, status: StepStatus) -> int:
        return sum(1 for step in self.steps if step.status is status)

    def render(self, fmt: str, *, color: bool = False) -> str:
        return self.to_json() if fmt == "json" else self.to_text(color=color)

    def to_text(self, *, color: bool = False) -> str:
        lines: list[str] = []
        width = max((len(s.status.value) for s in self.steps), default=0)
        provider = None
        for step in self.steps:
            if step.provider != provider:
                provider = step.provider
                lines.append(f"{provider}:" if not lines else f"\n{provider}:")
            word = step.status.value.ljust(width)
            if color:
                word = f"{_STYLES[step.status]}{word}\x1b[0m"
            lines.append(f"  {word}  {step.name}: {step.detail}")
            if step.fix:
                lines.append(f"  {' ' * width}  fix: {step.fix}")
        counts = ", ".join(f"{self.count(s)} {s.value}" for s in StepStatus)
        lines.append(f"\nDoctor: {counts}.")
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        document = {
            "format_version": FORMAT_VERSION,
            "status": self.status.value,
            "exit_code": self.exit_code,
            "counts": {s.value: self.count(s) for s in StepStatus},
            "steps": [
                {
                    "provider": step.provider,
                    "name": step.name,
                    "status": step.status.value,
                    "detail": step.detail,
                    "fix": step.fix or None,
                }
                for step in self.steps
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_STATUSES = [status.value for status in StepStatus]

DOCTOR_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "reconciler doctor report",
    "description": (
        "What `reconciler doctor --format json` prints: each step of the probe of a live"
        " service, with what was seen and, for a step that did not pass, what to do. Never holds"
        " a credential. Readers must ignore properties they do not know: a new minor format"
        " version only adds properties."
    ),
    "type": "object",
    "required": ["format_version", "status", "exit_code", "counts", "steps"],
    "properties": {
        "format_version": {
            "description": "`MAJOR.MINOR` of this format.",
            "type": "string",
            "pattern": r"^1\.[0-9]+$",
        },
        "status": {
            "description": "The worst status of any step: failed, then inconclusive, then passed.",
            "enum": _STATUSES,
        },
        "exit_code": {
            "description": "The command's exit code: 0 passed, 1 failed, 2 inconclusive.",
            "enum": [0, 1, 2],
        },
        "counts": {
            "description": "How many steps ended in each status.",
            "type": "object",
            "required": _STATUSES,
            "properties": {s: {"type": "integer", "minimum": 0} for s in _STATUSES},
        },
        "steps": {
            "description": "Every step, in the order it ran, provider by provider.",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["provider", "name", "status", "detail", "fix"],
                "properties": {
                    "provider": {"description": "The provider probed.", "type": "string"},
                    "name": {"description": "What the step checks.", "type": "string"},
                    "status": {"enum": _STATUSES},
                    "detail": {"description": "What was seen.", "type": "string"},
                    "fix": {
                        "description": "What to do next, for a step that did not pass.",
                        "type": ["string", "null"],
                    },
                },
            },
        },
    },
}
