"""The sandbox's state file: a snapshot line followed by a journal of changes, in JSON Lines.

Rewriting every institute on every write costs about 75 ms at 10,000 institutes, which would
make the sandbox the bottleneck of an apply. So the file holds a snapshot on its first line and
one line per acknowledged change after it (``{"put": {...}}``, ``{"delete": 7}`` or, for a
user, ``{"put_user": {...}}``; deleting an institute takes its users with it), appended
before the answer is sent: a killed process loses nothing it acknowledged, and a write costs
one small append. The snapshot is rewritten atomically (a temporary file, then ``os.replace``)
when the sandbox starts, when the journal has grown as long as the snapshot, and on a clean
stop. A last line cut short by a kill is ignored when the file is read back.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from reconciler_proctorexam.sandbox.errors import SandboxError

__all__ = ["SavedState", "StateFile"]

_FORMAT = "reconciler-proctorexam-sandbox-state"
_VERSION = 1
#: The journal is folded into a new snapshot after at least this many changes.
_MIN_COMPACTION = 1000


@dataclass(frozen=True, slots=True)
class SavedState:
    """What a state file holds once its journal is replayed."""

    institutes: list[dict[str, Any]]
    next_id: int
    users: list[dict[str, Any]] = field(default_factory=list)
    identity_providers: list[dict[str, Any]] = field(default_factory=list)


class StateFile:
    """Write-through persistence of the store; every method is called under the store's lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._journal: IO[bytes] | None = None
        self._lock: IO[bytes] | None = None
        self._entries = 0
        self._limit = _MIN_COMPACTION

    def lock(self) -> None:
        """Hold ``<state file>.lock`` while serving: a second sandbox on the same state file
        would overwrite the first one's acknowledged writes with its own snapshot."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path.with_name(self.path.name + ".lock"), "a+b")  # noqa: SIM115
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise SandboxError(
                f"{self.path}: the state file is in use by another running sandbox; stop that"
                " one first, or give this one another state file"
            ) from None
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> SavedState:
        """Read the snapshot and replay the journal after it."""
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError as exc:
            raise SandboxError(
                f"{self.path}: cannot read the state file ({exc.strerror})"
            ) from None
        header = self._parse(lines[0], 1)
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise SandboxError(
                f"{self.path}: not a sandbox state file; delete it or start with --reset"
            )
        by_id: dict[int, dict[str, Any]] = {i["id"]: i for i in header["institutes"]}
        users: dict[int, dict[str, Any]] = {u["id"]: u for u in header.get("users", [])}
        next_id = int(header["next_id"])
        last = len(lines) - 1
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            try:
                entry = self._parse(line, number)
            except SandboxError:
                if number - 1 == last:
                    break  # the append a kill cut short: it was never acknowledged
                raise
            if "put" in entry:
                institute = entry["put"]
                by_id[institute["id"]] = institute
                next_id = max(next_id, institute["id"] + 1)
            elif "put_user" in entry:
                users[entry["put_user"]["id"]] = entry["put_user"]
            else:
                by_id.pop(entry["delete"], None)
        return SavedState(
            institutes=sorted(by_id.values(), key=lambda i: i["id"]),
            next_id=next_id,
            users=[u for _, u in sorted(users.items()) if u.get("institute_id") in by_id],
            identity_providers=list(header.get("identity_providers", [])),
        )

    def _parse(self, line: bytes, number: int) -> Any:
        try:
            return json.loads(line)
        except ValueError as exc:
            raise SandboxError(
                f"{self.path}:{number}: the state file is damaged ({exc});"
                " start again from the seed with --reset"
            ) from None

    def write_snapshot(
        self,
        institutes: Iterable[dict[str, Any]],
        next_id: int,
        *,
        users: Iterable[dict[str, Any]] = (),
        identity_providers: Iterable[dict[str, Any]] = (),
    ) -> None:
        """Replace the file atomically with one snapshot line and an empty journal."""
        items = list(institutes)
        header = {
            "format": _FORMAT,
            "version": _VERSION,
            "next_id": next_id,
            "institutes": items,
            "users": list(users),
            "identity_providers": list(identity_providers),
        }
        data = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        self._journal = self.path.open("ab", buffering=0)
        self._entries = 0
        self._limit = max(_MIN_COMPACTION, len(items))

    def append_put(self, institute: dict[str, Any]) -> None:
        self._append({"put": institute})

    def append_put_user(self, user: dict[str, Any]) -> None:
        self._append({"put_user": user})

    def append_delete(self, institute_id: int) -> None:
        self._append({"delete": institute_id})

    @property
    def journal_length(self) -> int:
        """How many changes were appended since the last snapshot."""
        return self._entries

    @property
    def wants_compaction(self) -> bool:
        """True once the journal is as long as the snapshot: replaying it has become slow."""
        return self._entries >= self._limit

    def _append(self, entry: dict[str, Any]) -> None:
        if self._journal is None:
            raise RuntimeError("the state file has no snapshot yet")
        data = memoryview(json.dumps(entry, ensure_ascii=False).encode() + b"\n")
        # An unbuffered file writes in one call; loop in case the kernel takes less.
        while data:
            written = self._journal.write(data)
            data = data[written or 0 :]
        self._entries += 1

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
