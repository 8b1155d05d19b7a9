"""The ``json`` format: the plan document of :mod:`reconciler.planfile`, for machines.

A pipeline can read what would be applied with any JSON tool, validated by
``schemas/plan.schema.json``. Keys keep the
document's own order (``format_version`` first) rather than being sorted, and the output is
byte-for-byte the same for the same plan.
"""

from __future__ import annotations

import json

from reconciler.model import Plan
from reconciler.planfile import plan_to_document
from reconciler.records import RenderOptions

__all__ = ["render_json"]


def render_json(plan: Plan, options: RenderOptions) -> str:
    """Render ``plan`` as indented JSON with a trailing newline; ``options`` do not apply."""
    # allow_nan=False: NaN is not JSON, and a reader would fail far from the cause.
    text = json.dumps(plan_to_document(plan), indent=2, ensure_ascii=False, allow_nan=False)
    return text + "\n"
