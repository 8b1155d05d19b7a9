"""Every speed-up's switch, in one place: ``RECONCILER_NO_SPEEDUPS=1`` turns them all off.

A speed-up is a faster path beside a reference one that gives the same answers: orjson beside
``json``, jsonschema-rs beside ``jsonschema``, libyaml's events beside ruamel.yaml's parser,
and the connection set-up of the ProctorExam client. Each lives behind one seam that checks
what it relies on and falls back to the reference path when anything differs; this variable
takes every seam to its reference path at once, so that the reference behaviour can be run and
measured (``.ci/run`` runs the test suite once with it; ``benchmarks/`` reports both).

The variable is read when a seam is first imported: set it before the process starts.
"""

from __future__ import annotations

import os

__all__ = ["VAR", "enabled", "off_reason"]

#: Set to anything but ``""`` or ``"0"`` to turn every speed-up off.
VAR = "RECONCILER_NO_SPEEDUPS"


def enabled() -> bool:
    """Whether speed-ups may be used in this process (each seam still checks its library)."""
    return os.environ.get(VAR, "") in ("", "0")


def off_reason() -> str:
    """The words ``reconciler plugins`` uses for a speed-up turned off by :data:`VAR`."""
    return f"turned off by {VAR}"
