"""Reading an answer with a ceiling on its size: a wrong address or a broken service can answer
with a file of gigabytes, and nothing of it is read past the ceiling.

The declared ``Content-Length`` is checked first (refused without reading a byte), then what
arrives, chunk by chunk. The answer that comes back is complete and in memory, its connection
already given back.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

import httpx

__all__ = ["ResponseTooLarge", "read_capped"]


class ResponseTooLarge(Exception):
    """An answer above the ceiling; ``size`` is how much of it was declared or seen."""

    def __init__(self, size: int) -> None:
        super().__init__(f"an answer of at least {size:,} bytes")
        self.size = size


async def read_capped(response: httpx.Response, cap: int) -> httpx.Response:
    """``response`` read whole into a new response, or :class:`ResponseTooLarge` above ``cap``
    bytes. ``response`` is closed either way."""
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(int(declared))
        chunks: list[bytes] = []
        size = 0
        async for chunk in _body(response):
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(size)
            chunks.append(chunk)
    finally:
        await response.aclose()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        content=b"".join(chunks),
        request=response.request,
    )


def _body(response: httpx.Response) -> AsyncIterable[bytes]:
    """The body as the transport gives it: what ``aiter_raw`` adds (re-chunking, the download
    count) is for an answer that is kept, and this one is replaced. An answer made in memory
    (a test's mock transport) comes already read."""
    if response.is_stream_consumed:
        return _once(response.content)
    if isinstance(response.stream, httpx.AsyncByteStream):
        return response.stream
    return response.aiter_raw()


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content
