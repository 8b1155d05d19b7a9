"""The ``sarif`` format: a plan's refusals as a SARIF 2.1.0 log, for code scanning.

``plan --format sarif --output plan.sarif`` writes one result per refusal, placed at the YAML
that declares the refused object when the refusal names one; an accepted plan gives a log
with no results. Upload it with ``github/codeql-action/upload-sarif`` to see refusals on the
pull request. (On an invalid configuration, ``plan --format sarif`` prints the validation
problems in the same form, as ``validate --format sarif`` does.)
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler import Plan, Refusal, RenderOptions, sarif_log
from reconciler import dump_document as dump
from reconciler import findings_from_refusals as from_refusals

__all__ = ["render_sarif"]


def render_sarif(plan: Plan, refusals: Sequence[Refusal], options: RenderOptions) -> str:
    where = {c.address: c.location for c in plan.changes}
    partial = plan.targeting.summary() if plan.targeting is not None else None
    return dump(sarif_log(from_refusals(refusals, where), partial=partial))
