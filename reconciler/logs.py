"""The one logging set-up of the command line: ``-v``/``--verbose`` and ``--log-level``.

Plugins and core modules log through ``logging.getLogger(__name__)`` and never configure
logging themselves; the CLI calls :func:`configure` once it knows the options. The levels:

- no flag: warnings and errors only;
- ``-v``: ``INFO``: what a person watching a CI job wants (retries, pauses, counts per phase);
- ``-vv``: ``DEBUG``: one line per request, never with its signature, token or body values.

``--log-level`` names a level outright and wins over ``-v``. Messages go to standard error:
through rich's handler on a terminal, as plain ``LEVEL name: message`` lines elsewhere, so
that CI logs stay greppable.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

__all__ = ["LEVELS", "configure", "reset", "verbosity"]

#: The names ``--log-level`` accepts, quietest last.
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

#: Third-party loggers that would print what must stay private. httpx logs every request's
#: full URL at INFO, and a signed GET carries its signature, nonce and timestamp in the query
#: string; httpcore logs raw headers (the API token) at DEBUG. Our own client logs requests
#: without those values instead.
_MUTED = ("httpx", "httpcore", "hpack")

#: The name that marks our handler on the root logger.
_HANDLER = "reconciler-cli"

_state = {"verbosity": 0, "root_level": logging.WARNING}


def verbosity() -> int:
    """How many ``-v`` the command line was given (2 when ``--log-level DEBUG``)."""
    return _state["verbosity"]


def configure(
    verbose: int = 0, level: str | None = None, *, color: bool = False, stream: TextIO | None = None
) -> None:
    """Send log records at the chosen level to standard error; callable again to change it."""
    name = level.upper() if level else ("WARNING", "INFO", "DEBUG")[min(verbose, 2)]
    stream = stream or sys.stderr
    handler: logging.Handler
    if color:
        from rich.console import Console
        from rich.logging import RichHandler

        console = Console(file=stream, soft_wrap=True)
        handler = RichHandler(console=console, show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not _ours(root):
        _state["root_level"] = root.level
    reset()
    _state["verbosity"] = max(verbose, {"DEBUG": 2, "INFO": 1}.get(name, 0))
    handler.set_name(_HANDLER)
    root.addHandler(handler)
    root.setLevel(getattr(logging, name))
    for muted in _MUTED:
        logging.getLogger(muted).setLevel(logging.WARNING)


def reset() -> None:
    """Take our handler off again (the end of a run; tests run many in one process)."""
    root = logging.getLogger()
    if _ours(root):
        root.setLevel(_state["root_level"])
    for handler in _ours(root):
        root.removeHandler(handler)
    _state["verbosity"] = 0


def _ours(logger: logging.Logger) -> list[logging.Handler]:
    return [h for h in logger.handlers if h.get_name() == _HANDLER]
