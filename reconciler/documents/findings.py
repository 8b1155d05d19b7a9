"""Problems and refusals as code-scanning reports: SARIF 2.1.0 and GitLab Code Quality.

``validate --format sarif|gitlab`` reports the validation problems, ``plan --format
sarif|gitlab`` a plan's refusals (and, on an invalid configuration, its problems), so that a
code host shows them on the change that caused them:

- **SARIF 2.1.0** (OASIS), which GitHub code scanning reads (``github/codeql-action/
  upload-sarif``): one run of the tool ``reconciler``, one result per finding, with the
  finding's file, line and column when it has them;
- **GitLab Code Quality** (``artifacts:reports:codequality``), the subset of the Code Climate
  issue format that GitLab documents: ``description``, ``check_name``, ``fingerprint``,
  ``severity`` and ``location`` (``path`` and ``lines.begin``) per finding.

Both are built from :class:`Finding` records, so that the two formats say the same things.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Final, Literal

from reconciler.documents.versioned import dump_document as dump
from reconciler.model import Location
from reconciler.records import Problem, Refusal
from reconciler.version import __version__

__all__ = [
    "Finding",
    "code_quality_report",
    "dump",
    "from_problems",
    "from_refusals",
    "sarif_log",
]

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"

Level = Literal["error", "warning", "note"]

#: What each rule is, as SARIF's rule metadata and GitLab's check names say it.
_RULES: Final[Mapping[str, str]] = {
    "invalid-configuration": "The configuration or its settings break a rule (nothing is sent).",
    "plan-refused": "A safety guard or a policy plugin refused the plan (exit 3).",
}
_CODE_QUALITY_SEVERITY: Final[Mapping[str, str]] = {
    "invalid-configuration": "major",
    "plan-refused": "critical",
    "partial-plan": "info",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a code host should show: a validation problem or a refusal.

    ``rule`` is one of the rules above; ``who`` the plugin (or guard) that found it;
    ``address`` the object concerned, when there is one.
    """

    rule: str
    message: str
    location: Location | None = None
    who: str | None = None
    address: str | None = None
    level: Level = "error"


def from_problems(problems: Iterable[Problem]) -> list[Finding]:
    return [Finding("invalid-configuration", p.message, p.location, p.plugin) for p in problems]


def from_refusals(
    refusals: Iterable[Refusal], where: Mapping[str, Location | None] | None = None
) -> list[Finding]:
    """``where`` maps an address to the YAML that declares it, to place a refusal there."""
    places = where or {}
    return [
        Finding(
            "plan-refused",
            r.message,
            places.get(r.address) if r.address else None,
            r.plugin,
            r.address,
        )
        for r in refusals
    ]


def sarif_log(findings: Sequence[Finding], *, partial: str | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run of reconciler and one result per finding.

    ``partial`` says what a partial plan left out: a warning notification of the run's
    invocation, and ``"partial": true`` in the run's properties.
    """
    used = sorted({f.rule for f in findings} | set(_RULES))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "reconciler",
                "version": __version__,
                "rules": [
                    {
                        "id": rule,
                        "shortDescription": {"text": _RULES.get(rule, rule)},
                    }
                    for rule in used
                ],
            }
        },
        "results": [_sarif_result(f, used.index(f.rule)) for f in findings],
    }
    if partial is not None:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": partial}},
                ],
            }
        ]
        run["properties"] = {"partial": True}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _sarif_result(finding: Finding, rule_index: int) -> dict[str, Any]:
    who = f" [{finding.who}]" if finding.who else ""
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.level,
        "message": {"text": finding.message + who},
    }
    location: dict[str, Any] = {}
    if finding.location is not None:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": _uri(finding.location.file)},
            "region": {
                "startLine": finding.location.line,
                "startColumn": finding.location.column,
            },
        }
    if finding.address is not None:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.address, "kind": "resource"}]
    if location:
        result["locations"] = [location]
    result["partialFingerprints"] = {"reconciler/v1": _fingerprint(finding)}
    return result


def code_quality_report(
    findings: Sequence[Finding], fallback_path: str, *, partial: str | None = None
) -> list[dict[str, Any]]:
    """GitLab's Code Quality report: one issue per finding.

    GitLab needs a file for every issue: a finding with none (a bulk-change refusal) is placed
    at ``fallback_path``, line 1. ``partial`` says what a partial plan left out, as an issue of
    severity info.
    """
    issues = []
    if partial is not None:
        findings = [*findings, Finding("partial-plan", partial, level="note")]
    for finding in findings:
        where = finding.location
        who = f" [{finding.who}]" if finding.who else ""
        issues.append(
            {
                "description": finding.message + who,
                "check_name": finding.rule,
                "fingerprint": _fingerprint(finding),
                "severity": _CODE_QUALITY_SEVERITY.get(finding.rule, "major"),
                "location": {
                    "path": PurePath(where.file).as_posix() if where else fallback_path,
                    "lines": {"begin": where.line if where else 1},
                },
            }
        )
    return issues


def _uri(file: str) -> str:
    path = PurePath(file)
    if path.is_absolute():
        return path.as_uri()
    return urllib.parse.quote(path.as_posix())


def _fingerprint(finding: Finding) -> str:
    """Stable across runs for the same finding: the rule, the place or object, the message."""
    where = str(finding.location) if finding.location else finding.address or ""
    text = "\0".join((finding.rule, where, finding.message))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
