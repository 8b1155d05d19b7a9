"""The institutes the sandbox holds, with their users and the identity providers: ids,
uniqueness, timestamps and persistence.

Built to carry tens of thousands of institutes under concurrent clients: institutes are kept
in a dict by id plus a list of ids in id order, so a page is a slice (no sort per request),
and lookups by id, ``name`` and ``short_name`` are dictionary hits. Every method takes one
lock, because the server's event loop and a test's thread (``Sandbox.institutes()``) use the
store at the same time. Stored lists are never mutated in place (an update assigns a new
list), so a shallow copy taken under the lock is a consistent answer to serialise outside it.

The store owns ``id``, ``created_at`` and ``updated_at``: ids are never reused, and
``updated_at`` strictly increases on every update, even two within the same millisecond.
Users live in a :class:`~reconciler_proctorexam.sandbox.users.UserTable` under the same lock
and in the same state file; identity providers come from the seed and do not change.
"""

from __future__ import annotations

import bisect
import copy
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler_proctorexam.sandbox.errors import FieldErrors, SandboxError
from reconciler_proctorexam.sandbox.fields import mirror_language, new_institute
from reconciler_proctorexam.sandbox.seed import SeedSource, read_seed, read_seed_extras
from reconciler_proctorexam.sandbox.statefile import StateFile
from reconciler_proctorexam.sandbox.users import (
    UserTable,
    list_item,
    show_object,
    validate_user_create,
    validate_user_update,
)

__all__ = ["InstituteStore", "open_store"]

Institute = dict[str, Any]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _format_ms(ms: int) -> str:
    """``2018-08-20T15:11:09.284+00:00``: the API's shape, always in UTC here."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def _parse_ms(stamp: Any) -> int:
    try:
        return int(datetime.fromisoformat(stamp).timestamp() * 1000)
    except (TypeError, ValueError):
        return 0


class InstituteStore:
    """Every institute of the sandbox, indexed for O(1) lookups and paging by slices."""

    def __init__(
        self,
        institutes: Iterable[Institute],
        *,
        next_id: int = 1,
        state: StateFile | None = None,
        clock_ms: Callable[[], int] = _now_ms,
        users: Iterable[Mapping[str, Any]] = (),
        identity_providers: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self._lock = threading.Lock()
        self._identity_providers = [dict(p) for p in identity_providers]
        self._clock_ms = clock_ms
        self._last_ms = 0
        self._by_id: dict[int, Institute] = {}
        self._by_name: dict[str, int] = {}
        self._by_short_name: dict[str, int] = {}
        self._order: list[int] = []
        #: How many institutes share a name or short_name (only late commits make them).
        self._duplicates = 0
        self._state = state
        given = list(institutes)
        self._next_id = max([next_id, *(i["id"] + 1 for i in given if i.get("id"))])
        for index, institute in enumerate(given):
            self._load(institute, index)
        self._order.sort()
        self._users = UserTable(users)
        orphans = sorted(
            {u["email"] for u in self._users.all()}
            - {u["email"] for i in self._order for u in self._users.of_institute(i)}
        )
        if orphans:
            raise SandboxError(f"users {', '.join(orphans)}: their institute_id is no institute")

    def _load(self, institute: Institute, index: int) -> None:
        where = f"institutes[{index}] ({institute['short_name']!r})"
        if institute.get("id") is None:
            institute["id"] = self._next_id
            self._next_id += 1
        if institute["id"] in self._by_id:
            raise SandboxError(f"{where}: id {institute['id']} is used twice in the seed")
        for key, index_ in (("name", self._by_name), ("short_name", self._by_short_name)):
            if institute[key] in index_:
                raise SandboxError(f"{where}: {key} {institute[key]!r} is used twice in the seed")
        if institute.get("created_at") is None or institute.get("updated_at") is None:
            stamp = self._stamp(None)
            institute["created_at"] = institute.get("created_at") or stamp
            institute["updated_at"] = institute.get("updated_at") or stamp
        self._index(institute)
        self._order.append(institute["id"])

    def _index(self, institute: Institute) -> None:
        self._by_id[institute["id"]] = institute
        for key, index in (("name", self._by_name), ("short_name", self._by_short_name)):
            holder = index.setdefault(institute[key], institute["id"])
            if holder != institute["id"]:
                self._duplicates += 1

    def _unindex(self, institute: Institute, key: str, index: dict[str, int]) -> None:
        """Drop ``institute`` from one lookup; another holder of a duplicate takes its place."""
        value = institute[key]
        if index.get(value) != institute["id"]:
            return
        del index[value]
        if self._duplicates:
            for other in self._by_id.values():
                if other[key] == value and other["id"] != institute["id"]:
                    index[value] = other["id"]
                    break

    def _stamp(self, previous: Any) -> str:
        """A timestamp later than every one issued before, and than ``previous``."""
        ms = max(self._clock_ms(), self._last_ms + 1, _parse_ms(previous) + 1)
        self._last_ms = ms
        return _format_ms(ms)

    # Reads -----------------------------------------------------------------------------

    def page(self, page: int, limit: int) -> tuple[list[Institute], int]:
        """Institutes ``(page - 1) * limit`` to ``page * limit`` in id order, and the total."""
        start = (page - 1) * limit
        with self._lock:
            ids = self._order[start : start + limit]
            return [dict(self._by_id[i]) for i in ids], len(self._order)

    def get(self, institute_id: int) -> Institute | None:
        with self._lock:
            institute = self._by_id.get(institute_id)
            return None if institute is None else dict(institute)

    def snapshot(self) -> list[Institute]:
        """Deep copies of every institute in id order, for tests to inspect and mutate."""
        with self._lock:
            return [copy.deepcopy(self._by_id[i]) for i in self._order]

    # Writes ----------------------------------------------------------------------------

    def check_create(self, values: Mapping[str, Any]) -> None:
        """Raise the 422 that :meth:`create` would, without creating anything."""
        with self._lock:
            self._check_unique(values, None)

    def create(self, values: Mapping[str, Any], *, unique_checked: bool = False) -> Institute:
        """Add an institute from validated ``values`` (``name`` and ``short_name`` included).

        ``unique_checked`` skips the uniqueness check (it was made earlier, by a late commit):
        the institute is added even if its names are now taken, as a server without a unique
        index would. The lookups then keep pointing at the first holder.
        """
        with self._lock:
            if not unique_checked:
                self._check_unique(values, None)
            institute = new_institute()
            institute.update(values)
            mirror_language(institute)
            institute["id"] = self._next_id
            self._next_id += 1
            institute["created_at"] = institute["updated_at"] = self._stamp(None)
            self._index(institute)
            self._order.append(institute["id"])  # ids only grow: the order stays sorted
            self._persist_put(institute)
            return dict(institute)

    def update(self, institute_id: int, values: Mapping[str, Any]) -> Institute | None:
        """Change the given fields; ``updated_at`` moves even when no value changes."""
        with self._lock:
            current = self._by_id.get(institute_id)
            if current is None:
                return None
            self._check_unique(values, institute_id)
            institute = dict(current)
            institute.update(values)
            if "default_language" in values:
                mirror_language(institute)
            institute["updated_at"] = self._stamp(current["updated_at"])
            self._unindex(current, "name", self._by_name)
            self._unindex(current, "short_name", self._by_short_name)
            self._index(institute)
            self._persist_put(institute)
            return dict(institute)

    def delete(self, institute_id: int) -> bool:
        with self._lock:
            institute = self._by_id.pop(institute_id, None)
            if institute is None:
                return False
            self._unindex(institute, "name", self._by_name)
            self._unindex(institute, "short_name", self._by_short_name)
            del self._order[bisect.bisect_left(self._order, institute_id)]
            self._users.drop_institute(institute_id)
            if self._state is not None:
                self._state.append_delete(institute_id)
                self._compact_if_due()
            return True

    def _check_unique(self, values: Mapping[str, Any], own_id: int | None) -> None:
        errors: dict[str, list[str]] = {}
        for key, index in (("name", self._by_name), ("short_name", self._by_short_name)):
            holder = index.get(values[key]) if key in values else None
            if holder is not None and holder != own_id:
                errors[key] = ["has already been taken"]
        if errors:
            raise FieldErrors(errors)

    # Users and identity providers ------------------------------------------------------

    def users_page(
        self, institute_id: int, page: int, limit: int
    ) -> tuple[list[dict[str, Any]], int] | None:
        """A page of an institute's users as list items, and their total; None: no institute."""
        start = (page - 1) * limit
        with self._lock:
            institute = self._by_id.get(institute_id)
            if institute is None:
                return None
            users = self._users.of_institute(institute_id)
            items = [list_item(u, institute["name"]) for u in users[start : start + limit]]
            return items, len(users)

    def user(self, institute_id: int, user_id: int) -> dict[str, Any] | None:
        """The show object of one user of one institute, or None."""
        with self._lock:
            institute = self._by_id.get(institute_id)
            if institute is None:
                return None
            user = self._users.get(institute_id, user_id)
            return None if user is None else show_object(user, institute["name"])

    def create_user(
        self,
        institute_id: int,
        values: Mapping[str, Any],
        *,
        password_required: bool = False,
        drop: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
    ) -> dict[str, Any] | None:
        """Validate and add a user; None when the institute does not exist. ``drop`` takes out
        what this sandbox does not keep of a valid create (its quirks)."""
        with self._lock:
            institute = self._by_id.get(institute_id)
            if institute is None:
                return None
            cleaned = validate_user_create(
                values, self._idp_ids(), password_required=password_required
            )
            if drop is not None:
                cleaned = drop(cleaned)
            user = self._users.create(institute_id, cleaned)
            self._persist_user(user)
            return show_object(user, institute["name"])

    def update_user(
        self,
        institute_id: int,
        user_id: int,
        values: Mapping[str, Any],
        *,
        drop: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
    ) -> tuple[dict[str, Any], list[str]] | None:
        """Apply the permitted fields (the rest is dropped); the show object and what was kept."""
        with self._lock:
            institute = self._by_id.get(institute_id)
            if institute is None or self._users.get(institute_id, user_id) is None:
                return None
            kept = validate_user_update(values, self._idp_ids())
            if drop is not None:
                kept = drop(kept)
            user = self._users.update(user_id, kept)
            self._persist_user(user)
            return show_object(user, institute["name"]), sorted(kept)

    def identity_providers_page(self, page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        start = (page - 1) * limit
        with self._lock:
            providers = self._identity_providers
            return [dict(p) for p in providers[start : start + limit]], len(providers)

    def set_user_fields(self, user_id: int, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """Change any stored field of a user, as the service's own staff could (drift)."""
        with self._lock:
            if user_id not in {u["id"] for u in self._users.all()}:
                return None
            user = self._users.update(user_id, values)
            self._persist_user(user)
            return dict(user)

    def users(self) -> list[dict[str, Any]]:
        """Every user as stored (credentials and institute_id included), for tests."""
        with self._lock:
            return copy.deepcopy(self._users.all())

    def _idp_ids(self) -> list[int]:
        return [p["id"] for p in self._identity_providers]

    def _persist_user(self, user: dict[str, Any]) -> None:
        if self._state is not None:
            self._state.append_put_user(user)
            self._compact_if_due()

    # Persistence -----------------------------------------------------------------------

    def _persist_put(self, institute: Institute) -> None:
        if self._state is not None:
            self._state.append_put(institute)
            self._compact_if_due()

    def _compact_if_due(self) -> None:
        if self._state is not None and self._state.wants_compaction:
            self._write_snapshot()

    def _write_snapshot(self) -> None:
        assert self._state is not None
        self._state.write_snapshot(
            (self._by_id[i] for i in self._order),
            self._next_id,
            users=self._users.all(),
            identity_providers=self._identity_providers,
        )

    def save(self) -> None:
        """Write a fresh snapshot (at start-up, so the file exists and its journal is empty)."""
        with self._lock:
            if self._state is not None:
                self._write_snapshot()

    def close(self) -> None:
        """Fold the journal into the snapshot and release the file."""
        with self._lock:
            if self._state is not None:
                if self._state.journal_length:
                    self._write_snapshot()
                self._state.close()
                self._state.unlock()
                self._state = None


def open_store(
    seed: SeedSource, *, state_file: str | os.PathLike[str] | None = None, reset: bool = False
) -> InstituteStore:
    """The store a sandbox starts with: the saved state if there is one, else the seed.

    With ``reset`` the saved state is ignored and overwritten from the seed.
    """
    state = StateFile(Path(state_file)) if state_file is not None else None
    if state is not None:
        state.lock()
    try:
        return _open(seed, state, reset)
    except BaseException:
        if state is not None:
            state.unlock()
        raise


def _open(seed: SeedSource, state: StateFile | None, reset: bool) -> InstituteStore:
    if state is not None and state.exists() and not reset:
        saved = state.load()
        store = InstituteStore(
            saved.institutes,
            next_id=saved.next_id,
            state=state,
            users=saved.users,
            identity_providers=saved.identity_providers,
        )
    else:
        extras = read_seed_extras(seed)
        store = InstituteStore(
            read_seed(seed),
            state=state,
            users=extras.users,
            identity_providers=extras.identity_providers,
        )
    store.save()
    return store
