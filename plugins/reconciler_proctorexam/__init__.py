"""The built-in ProctorExam provider: signed API client, the institute kind, the sandbox."""

import sys
from importlib.machinery import ModuleSpec
from typing import Any


class _WithoutHttpxCli:
    """Keeps httpx from importing its command-line client, once, when httpx is first imported.

    httpx imports ``httpx._main`` (and with it rich's console and progress bars, and pygments)
    whenever those are installed: about a third of httpx's import time, paid by every command
    that connects, for a CLI this package never runs (upstream: "Do a lazy import of the _main
    CLI module"). httpx expects that import to fail when the CLI's dependencies are missing
    (``httpx.main`` then only explains how to install them). This finder makes that first
    import fail and then takes itself off ``sys.meta_path``, so that an explicit
    ``import httpx._main`` later still works. httpx itself is not imported here: commands that
    never connect never load it.
    """

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name != "httpx._main":
            return None
        sys.meta_path.remove(cls)
        raise ModuleNotFoundError("httpx's command-line client is not used here", name=name)


if "httpx" not in sys.modules:
    sys.meta_path.insert(0, _WithoutHttpxCli)
