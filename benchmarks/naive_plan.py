"""The script a team writes first, before it has a reconciler: the baseline to beat.

``python benchmarks/naive_plan.py DIR`` loads ``DIR/*.yaml`` with PyYAML's ``CSafeLoader``,
validates each institute with ``jsonschema`` against the published institute schema, lists
the live institutes one page at a time with a synchronous ``httpx.Client``, and prints one line
per field that differs. It is written plainly, as a first version is: no locations, no YAML
1.2 scalars, no secrets handling, no retries. It is not slowed down on purpose either: the
validator is compiled once, the pages are as large as the API allows, the connection is
kept alive. If ``reconciler plan`` is not clearly faster than this, the project's machinery
costs more than it is worth.

The API credentials come from ``PROCTOREXAM_BASE_URL``, ``PROCTOREXAM_API_TOKEN`` and
``PROCTOREXAM_SECRET_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import ssl
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "institute.schema.json"


def sign(params: dict[str, Any], secret: str) -> dict[str, Any]:
    """Add timestamp, nonce and the HMAC of the sorted ``name=value`` pairs joined by ``?``."""
    params = {
        **params,
        "timestamp": time.time_ns() // 1_000_000,
        "nonce": secrets.randbelow(10**15),
    }
    message = "?".join(f"{k}={v}" for k, v in sorted(params.items()))
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {**params, "signature": digest}


def main(directory: Path) -> int:
    desired: dict[str, dict[str, Any]] = {}
    defaults: dict[str, Any] = {}
    for path in sorted(directory.glob("*.yaml")):
        with path.open() as handle:
            doc = yaml.load(handle, Loader=yaml.CSafeLoader) or {}
        defaults.update(doc.get("defaults") or {})
        desired.update(doc.get("institutes") or {})

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    errors = 0
    for name, fields in desired.items():
        institute = {**defaults, **fields}
        desired[name] = institute
        for error in validator.iter_errors(institute):
            print(f"institutes.{name}: {error.message}", file=sys.stderr)
            errors += 1
    if errors:
        return 1

    base = os.environ["PROCTOREXAM_BASE_URL"]
    token = os.environ["PROCTOREXAM_API_TOKEN"]
    secret = os.environ["PROCTOREXAM_SECRET_KEY"]
    headers = {"Accept": "application/vnd.procwise.v3", "Authorization": f"Token token={token}"}
    live: dict[str, dict[str, Any]] = {}
    with httpx.Client(headers=headers, timeout=30, verify=_verify()) as client:
        page = 1
        while True:
            response = client.get(
                base + "/institutes", params=sign({"page": page, "limit": 300}, secret)
            )
            response.raise_for_status()
            institutes = response.json()["institutes"]
            for institute in institutes:
                live[institute["short_name"]] = institute
            if len(institutes) < 300:
                break
            page += 1

    changes = 0
    for name, institute in sorted(desired.items()):
        current = live.get(name)
        if current is None:
            print(f"+ create {name}")
            changes += 1
            continue
        differs = False
        for field, value in institute.items():
            have = current.get(field)
            if isinstance(value, list) and isinstance(have, list):
                same = sorted(value) == sorted(have)
            else:
                same = str(value) == str(have)
            if not same:
                print(f"~ {name}.{field}: {have!r} -> {value!r}")
                differs = True
        changes += differs
    print(f"{changes} to change")
    return 0


def _verify() -> ssl.SSLContext | bool:
    """Over https (``--tls``), the sandbox's certificate authority; verification is never off."""
    ca_file = os.environ.get("PROCTOREXAM_CA_BUNDLE")
    return ssl.create_default_context(cafile=ca_file) if ca_file else True


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
