"""The honest floors: the least any tool could do to read the same YAML and the same API.

``python benchmarks/floor.py parse FILE`` walks libyaml's event stream of FILE (the parser of
PyYAML's ``CSafeLoader``, through the public ``yaml.parse``) and builds nothing: no values, no
locations, no checks. Any tool that reads the file through libyaml pays at least this (the
project reads plain files without it: see ``benchmarks/README.md``).

``python benchmarks/floor.py plan DIR --pages N`` does that for every YAML file of DIR while,
in another thread, it fetches all N pages of ``GET /institutes`` at once (one connection each,
no pool limit, the page count known in advance, so one round trip in all) and decodes their
JSON. A real tool must first learn how many pages there are, validate, diff and print: the
floor does none of that.

Both print what they saw (events, institutes), so that a floor that read nothing is noticed.
The API credentials come from ``PROCTOREXAM_BASE_URL``, ``PROCTOREXAM_API_TOKEN`` and
``PROCTOREXAM_SECRET_KEY``; requests are signed with the project's recipe (an HMAC: a few
microseconds).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import sys
import threading
from pathlib import Path
from typing import Any

import yaml


def parse_events(path: Path) -> int:
    """Walk libyaml's event stream of ``path``; return how many events it had."""
    count = 0
    with path.open("rb") as handle:
        for _ in yaml.parse(handle, Loader=yaml.CSafeLoader):
            count += 1
    return count


async def fetch_all_pages(pages: int, limit: int) -> int:
    """Every page of the institute listing at once; how many institutes came back."""
    import httpx

    from reconciler_proctorexam.signing import render_value, signed_params

    base = os.environ["PROCTOREXAM_BASE_URL"]
    token = os.environ["PROCTOREXAM_API_TOKEN"]
    secret = os.environ["PROCTOREXAM_SECRET_KEY"]
    headers = {"Accept": "application/vnd.procwise.v3", "Authorization": f"Token token={token}"}
    unlimited = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(
        headers=headers, limits=unlimited, trust_env=False, verify=_verify()
    ) as client:

        async def page(number: int) -> list[Any]:
            params = signed_params({"page": number, "limit": limit}, secret)
            query = {k: render_value(v) for k, v in params.items()}
            response = await client.get(base + "/institutes", params=query)
            response.raise_for_status()
            institutes: list[Any] = response.json()["institutes"]
            return institutes

        results = await asyncio.gather(*(page(n) for n in range(1, pages + 1)))
    return sum(len(r) for r in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    parse = sub.add_parser("parse", help="libyaml's events of one file")
    parse.add_argument("file", type=Path)
    plan = sub.add_parser("plan", help="the events of DIR's YAML, overlapped with every page")
    plan.add_argument("directory", type=Path)
    plan.add_argument("--pages", type=int, required=True)
    plan.add_argument("--limit", type=int, default=300)
    args = parser.parse_args(argv)

    if args.mode == "parse":
        print(f"{parse_events(args.file)} events")
        return 0
    fetched: list[int] = []
    fetching = threading.Thread(
        target=lambda: fetched.append(asyncio.run(fetch_all_pages(args.pages, args.limit)))
    )
    fetching.start()
    events = sum(parse_events(p) for p in sorted(args.directory.glob("*.yaml")))
    fetching.join()
    if not fetched:
        return 1
    print(f"{events} events, {fetched[0]} institutes")
    return 0


def _verify() -> ssl.SSLContext | bool:
    """Over https (``--tls``), the sandbox's certificate authority; verification is never off."""
    ca_file = os.environ.get("PROCTOREXAM_CA_BUNDLE")
    return ssl.create_default_context(cafile=ca_file) if ca_file else True


if __name__ == "__main__":
    sys.exit(main())
