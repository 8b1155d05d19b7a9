"""``--max-age DURATION``: a duration written as people write it (``36h``, ``2d``, ``1h30m``)."""

from __future__ import annotations

import re
from typing import Any, Final

import click

from reconciler.pipeline.basis import UNITS

__all__ = ["Duration"]

_PART: Final = re.compile(r"(\d+)([smhdw])")


class Duration(click.ParamType[float, Any]):
    """A duration such as ``36h``, ``2d``, ``1h30m`` or ``90m``, as seconds."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, int | float):
            return float(value)
        text = str(value).strip().lower()
        if not text or "".join(m.group(0) for m in _PART.finditer(text)) != text:
            self.fail(
                f"{value!r} is not a duration; write a number and a unit (s, m, h, d, w),"
                " e.g. 36h, 2d or 1h30m",
                param,
                ctx,
            )
        return float(sum(int(n) * UNITS[u] for n, u in _PART.findall(text)))
