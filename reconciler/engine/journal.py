"""The apply journal: creates whose outcome stayed unknown, remembered for the next apply.

A create whose answer was lost is never sent again in the same apply: the provider looks for
the object for a while, and if it has not appeared the change is *unknown*. A service may
still commit it later (a request that outlived its client), and a re-run that trusted the
empty listing it planned from would create a second object. So each unknown create is written
here, with when it was sent and what it was (kind and identity: never a value), in one file
per tenant:

- under ``[apply] journal`` of the project settings (a directory, relative to the project),
  or else ``$XDG_STATE_HOME/reconciler/journal/`` (``~/.local/state/...`` by default);
- the tenant is what the provider names it (its base URL, never a credential:
  :attr:`Provider.tenant <reconciler.records.Provider.tenant>`).

For :data:`WINDOW` after such a create, an apply that is about to create the same object looks
for it first. If it is there, the earlier create was made after all (counted as done, or
stale when it holds other values). If it is not, and fewer than :data:`WAIT` have passed since
the attempt, the create is held back (its outcome still *unknown*, exit 4) with the time to
apply again:
a late commit would otherwise make a duplicate. After that it is created as planned. An entry
is dropped once its object is found or created, and after the window.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["WAIT", "WINDOW", "ApplyJournal", "Entry", "default_directory", "format_wait"]

#: How long after an unknown create the next apply holds back the same create (seconds).
WAIT = 15 * 60
#: How long an unknown create is remembered and looked for (seconds).
WINDOW = 24 * 60 * 60

_VERSION = 1


@dataclass(frozen=True, slots=True)
class Entry:
    """One create whose outcome was unknown: which object, and when it was sent (epoch s)."""

    address: str
    at: float

    def ready_at(self) -> float:
        return self.at + WAIT


def default_directory(environ: Mapping[str, str]) -> Path:
    """``$XDG_STATE_HOME/reconciler/journal`` (``~/.local/state`` when it is not set)."""
    home = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(home) / "reconciler" / "journal"


def format_wait(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _stamp(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class ApplyJournal:
    """The journal of one project's tenants: ``tenants`` maps a kind to its tenant's name."""

    def __init__(
        self,
        directory: Path,
        tenants: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.tenants = dict(tenants)
        self.clock = clock
        self._entries: dict[str, dict[str, Entry]] = {}  # tenant -> address -> entry
        self._dirty: set[str] = set()

    def path_for(self, tenant: str) -> Path:
        digest = hashlib.sha256(tenant.encode("utf-8")).hexdigest()[:16]
        return self.directory / f"{digest}.json"

    def _of(self, tenant: str) -> dict[str, Entry]:
        if tenant not in self._entries:
            self._entries[tenant] = self._read(tenant)
        return self._entries[tenant]

    def _read(self, tenant: str) -> dict[str, Entry]:
        path = self.path_for(tenant)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or unreadable: nothing is remembered
        if not isinstance(document, dict) or document.get("tenant") != tenant:
            return {}
        now = self.clock()
        out: dict[str, Entry] = {}
        for item in document.get("entries", ()):
            if not isinstance(item, dict):
                continue
            address, at = item.get("address"), item.get("at")
            if isinstance(address, str) and isinstance(at, int | float) and now - at < WINDOW:
                out[address] = Entry(address, float(at))
        return out

    def pending(self, kind: str, address: str) -> Entry | None:
        """The unknown create of ``address`` within the window, if there is one."""
        tenant = self.tenants.get(kind)
        return None if tenant is None else self._of(tenant).get(address)

    def record(self, kind: str, address: str, at: float | None = None) -> Entry | None:
        """Remember an unknown create of ``address`` (sent at ``at``, now by default)."""
        tenant = self.tenants.get(kind)
        if tenant is None:
            return None
        entry = Entry(address, self.clock() if at is None else at)
        self._of(tenant)[address] = entry
        self._dirty.add(tenant)
        return entry

    def settle(self, kind: str, address: str) -> None:
        """Forget ``address``: its object was found, or created."""
        tenant = self.tenants.get(kind)
        if tenant is not None and self._of(tenant).pop(address, None) is not None:
            self._dirty.add(tenant)

    def held_back(self, entry: Entry) -> str:
        """Why a create is held back, with the time to apply again."""
        left = entry.ready_at() - self.clock()
        return (
            f"held back: an earlier apply sent its create at {_stamp(entry.at)} and its"
            " outcome is unknown; the service may still commit it, and creating it now could"
            f" make a second one. Apply again after {_stamp(entry.ready_at())} (in"
            f" {format_wait(left)}): that apply looks for it first."
        )

    def save(self) -> None:
        """Write the tenants' files that changed (atomically, readable by this user only)."""
        for tenant in sorted(self._dirty):
            entries = self._of(tenant)
            path = self.path_for(tenant)
            if not entries:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                continue
            document: dict[str, Any] = {
                "journal_version": _VERSION,
                "tenant": tenant,
                "entries": [
                    {"address": e.address, "at": e.at, "sent": _stamp(e.at)}
                    for e in sorted(entries.values(), key=lambda e: e.address)
                ],
            }
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = path.with_suffix(".tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                json.dump(document, out, indent=2)
            os.replace(temporary, path)
        self._dirty.clear()

    def note(self, kind: str) -> str:
        """Where the journal of ``kind``'s tenant is kept."""
        tenant = self.tenants.get(kind)
        return str(self.path_for(tenant)) if tenant is not None else str(self.directory)
