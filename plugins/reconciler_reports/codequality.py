"""The ``gitlab`` format: a plan's refusals as a GitLab Code Quality report.

``plan --format gitlab --output gl-code-quality.json`` writes one issue per refusal for
``artifacts:reports:codequality``, so that a merge request shows why the plan was refused.
GitLab needs a file for every issue: a refusal is placed at the YAML of the object it names,
else at the first changed object's file (a bulk-change refusal is about all of them). An
accepted plan gives an empty report. (On an invalid configuration, ``plan --format gitlab``
prints the validation problems in the same form, as ``validate --format gitlab`` does.)
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler import Plan, Refusal, RenderOptions, code_quality_report
from reconciler import dump_document as dump
from reconciler import findings_from_refusals as from_refusals

__all__ = ["render_code_quality"]


def render_code_quality(plan: Plan, refusals: Sequence[Refusal], options: RenderOptions) -> str:
    where = {c.address: c.location for c in plan.changes}
    first = next((c.location.file for c in plan.changes if c.location), "reconciler.toml")
    partial = plan.targeting.summary() if plan.targeting is not None else None
    return dump(code_quality_report(from_refusals(refusals, where), first, partial=partial))
