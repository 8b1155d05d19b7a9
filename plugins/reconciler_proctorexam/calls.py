"""What a per-kind client (:mod:`.institutes_client`, :mod:`.users_client`) needs of the
connection: the :class:`Requester` it sends through, paginated listings, and the object or
list an answer carries.

A per-kind client names paths and fields; signing, pacing, retries and every error message are
the connection's (:class:`~reconciler_proctorexam.client.ProctorExamClient`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from reconciler import ProviderError, ReadProgress
from reconciler.http import Reply
from reconciler_proctorexam.config import ClientSettings

__all__ = ["PAGE_LIMIT", "Requester", "item_in", "items_in", "list_all"]

log = logging.getLogger("reconciler_proctorexam.client")

#: The documented default and maximum page size: the fewest requests for a full listing.
PAGE_LIMIT = 300

#: A listing is walked again (at most this often) when the item count moved while it was read.
_LISTING_ROUNDS = 3

T = TypeVar("T")


class Requester(Protocol):
    """The one request method of the ProctorExam API (see ``ProctorExamClient.request``)."""

    @property
    def settings(self) -> ClientSettings: ...

    @property
    def progress(self) -> ReadProgress | None: ...

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        *,
        path_params: Mapping[str, str] | None = None,
        address: str | None = None,
        confirm: Callable[[], Awaitable[Reply | None]] | None = None,
        absent_is_done: bool = False,
    ) -> Reply: ...


async def list_all(
    requester: Requester,
    path: str,
    key: str,
    *,
    path_params: Mapping[str, str] | None = None,
    address: str | None = None,
) -> list[dict[str, Any]]:
    """Every item of a paginated list exactly once: page 1, then the others concurrently.

    Pages shift when an item is deleted during the walk, so the result is de-duplicated
    by id, and the walk starts again when the total reported by the pages changed under it.
    """

    def page_of(page: int) -> Coroutine[Any, Any, Reply]:
        params = {"page": page, "limit": PAGE_LIMIT}
        return requester.request("GET", path, params, path_params=path_params, address=address)

    items: dict[Any, dict[str, Any]] = {}
    for _ in range(_LISTING_ROUNDS):
        replies = await _pages(page_of, key)
        items = {}
        for reply in replies:
            for item in items_in(reply, key):
                items.setdefault(item.get("id"), item)
        totals = {reply.headers.get("X-Pagination-Item-Count") for reply in replies}
        if len(totals) <= 1:
            break
        log.debug("the %s changed during the listing; walking it again", key)
    return list(items.values())


async def _pages(page_of: Callable[[int], Coroutine[Any, Any, Reply]], key: str) -> list[Reply]:
    """Every page of one walk: the first, then the rest at once when their count is known."""
    first = await page_of(1)
    pages = _page_count(first)
    if pages is not None:
        return [first, *await _gather(page_of(p) for p in range(2, pages + 1))]
    # Without pagination headers: follow pages until one is not full.
    replies = [first]
    while len(items_in(replies[-1], key)) >= PAGE_LIMIT:
        replies.append(await page_of(len(replies) + 1))
    return replies


def item_in(reply: Reply, key: str) -> dict[str, Any]:
    """The object under ``key`` in an answer (``{"institute": {...}}``)."""
    body = reply.body
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        return dict(body[key])
    raise ProviderError(f"unexpected answer from the ProctorExam API: no {key!r} object in it.")


def items_in(reply: Reply, key: str) -> list[dict[str, Any]]:
    """The objects of the list under ``key`` in an answer (``{"institutes": [...]}``)."""
    body = reply.body
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return [item for item in body[key] if isinstance(item, dict)]
    raise ProviderError(f"unexpected answer from the ProctorExam API: no {key!r} list in it.")


def _page_count(reply: Reply) -> int | None:
    """Pages to fetch, from ``X-Pagination-Page-Count`` (or the item count); None if unknown."""
    for header, per in (("X-Pagination-Page-Count", 1), ("X-Pagination-Item-Count", PAGE_LIMIT)):
        value = reply.headers.get(header)
        if value is not None and value.strip().isdigit():
            return max(1, math.ceil(int(value) / per))
    return None


async def _gather(coroutines: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run all; on the first failure cancel the rest and raise that failure itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coroutines]
    except BaseExceptionGroup as failed:
        raise _first_leaf(failed) from None
    return [task.result() for task in tasks]


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
