"""Every speed-up's switch, in one place: ``RECONCILER_NO_SPEEDUPS=1`` turns them all off.

A speed-up here is a faster path that relies on more than a library's public API: on how
another library is built inside (today one, :mod:`reconciler.http.speedups_httpcore`, which
uses each connection of httpx's transport directly). Each lives behind one seam that checks
what it relies on and falls back to the library's public path when anything differs, so that
an upgrade of that library can make the tool slower, never break it. This variable takes every
seam to its public path at once, so that the public path can be run and measured: ``.ci/run``
runs the test suite once with it, and ``benchmarks/`` reports every figure both ways
(``--no-speedups``).

Faster libraries used through their public APIs are not speed-ups in this sense, and the
switch leaves them alone: orjson (:mod:`reconciler.fastjson`), jsonschema-rs
(:mod:`reconciler.fastschema`) and PyYAML's libyaml binding
(:mod:`reconciler.loading.yamlfile`). Each is used when it is installed and has its reference
beside it (``json``, ``jsonschema``, ruamel.yaml), and tests hold the two to the same answers.

The variable is read when a seam is first used: set it before the process starts.
"""

from __future__ import annotations

import os

__all__ = ["VAR", "enabled"]

#: Set to anything but ``""`` or ``"0"`` to turn every speed-up off.
VAR = "RECONCILER_NO_SPEEDUPS"


def enabled() -> bool:
    """Whether speed-ups may be used in this process (each seam still checks its library)."""
    return os.environ.get(VAR, "") in ("", "0")
