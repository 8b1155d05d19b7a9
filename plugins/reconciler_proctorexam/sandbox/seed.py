"""Reading the sandbox's starting data: a JSON file shaped like the list response, or a list.

A seed is ``{"institutes": [...]}``, as ``GET /institutes`` answers (a bare list is accepted
too), optionally with ``"identity_providers": [...]`` (as ``GET /identity_providers`` answers)
and ``"users": [...]`` (each with its ``institute_id``, and whatever of the show object it
sets; credentials are made up when left out). It describes what the service already holds,
so it is read tolerantly: ``id``,
``created_at`` and ``updated_at`` may be left out (the store assigns them), missing fields get
the defaults of a new institute, and legacy shapes that older API versions returned, such as
``"default_exam_languages": "fr,nl"`` or a ``student_experience`` field, are kept and served back
as they are, so that a client meets them. Only what would break the server is refused: an
entry without ``name`` or ``short_name``, or an ``id`` that is not a number.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler_proctorexam.sandbox.errors import SandboxError
from reconciler_proctorexam.sandbox.fields import new_institute

__all__ = ["SeedExtras", "SeedSource", "normalize_seeded", "read_seed", "read_seed_extras"]

#: What ``Sandbox(seed=...)`` takes: a JSON file, the institutes themselves, a whole seed
#: document (``{"institutes": [...], "users": [...], "identity_providers": [...]}``), or nothing.
SeedSource = str | os.PathLike[str] | Sequence[Mapping[str, Any]] | Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class SeedExtras:
    """What a seed holds besides institutes."""

    users: list[dict[str, Any]] = field(default_factory=list)
    identity_providers: list[dict[str, Any]] = field(default_factory=list)


def read_seed_extras(source: SeedSource) -> SeedExtras:
    """The users and identity providers of ``source`` (none for a list of institutes)."""
    if isinstance(source, str | os.PathLike):
        document: Any = _load_document(Path(source))
    else:
        document = source
    if not isinstance(document, Mapping):
        return SeedExtras()
    extras = {}
    for key in ("users", "identity_providers"):
        entries = document.get(key, [])
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            raise SandboxError(f"seed: {key} is a list of JSON objects")
        extras[key] = [dict(e) for e in entries]
    for index, provider in enumerate(extras["identity_providers"]):
        if not isinstance(provider.get("id"), int) or not isinstance(provider.get("name"), str):
            raise SandboxError(f"seed: identity_providers[{index}] needs an id and a name")
    return SeedExtras(**extras)


_LOCALE = re.compile(r"[a-z]{2,3}-[A-Z]{2}")
_DIGITS = re.compile(r"[0-9]+")


def read_seed(source: SeedSource) -> list[dict[str, Any]]:
    """The institutes of ``source``, each with every field of the object filled in."""
    if source is None:
        return []
    if isinstance(source, str | os.PathLike):
        entries = _load_file(Path(source))
        origin = str(source)
    elif isinstance(source, Mapping):
        entries = list(source.get("institutes", []))
        origin = "seed"
    else:
        entries = list(source)
        origin = "seed"
    return [
        normalize_seeded(entry, where=f"{origin}: institutes[{index}]")
        for index, entry in enumerate(entries)
    ]


def _load_file(path: Path) -> list[Any]:
    document = _load_document(path)
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("institutes"), list):
        return list(document["institutes"])
    raise SandboxError(f'{path}: a seed is shaped like the list response: {{"institutes": [...]}}')


def _load_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SandboxError(
            f"{path}: the seed file does not exist; create it with"
            ' {"institutes": [...]} or leave the seed out to start empty'
        ) from None
    except OSError as exc:
        raise SandboxError(f"{path}: cannot read the seed file ({exc.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SandboxError(
            f"{path}:{exc.lineno}:{exc.colno}: the seed is not valid JSON ({exc.msg})"
        ) from None


def normalize_seeded(raw: Any, *, where: str) -> dict[str, Any]:
    """One seeded institute as the store keeps it; ``where`` names it in error messages."""
    if not isinstance(raw, Mapping):
        raise SandboxError(f"{where}: an institute is a JSON object, not {type(raw).__name__}")
    for required in ("name", "short_name"):
        if not isinstance(raw.get(required), str) or not raw[required]:
            raise SandboxError(f"{where}: every seeded institute needs a {required} (a string)")
    institute = new_institute()
    institute.update(raw)
    institute["id"] = _seeded_id(raw.get("id"), where)
    for stamp in ("created_at", "updated_at"):
        if not isinstance(institute[stamp], str):
            institute[stamp] = None
    period = institute["session_retention_period"]
    if isinstance(period, int) and not isinstance(period, bool):
        institute["session_retention_period"] = str(period)
    language = _seeded_language(raw)
    institute["default_language"] = language
    # Mirrors left out follow default_language; legacy values given in the seed are kept.
    for mirror in ("default_locale", "default_exam_languages"):
        if mirror not in raw:
            institute[mirror] = language
    return institute


def _seeded_id(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value) and int(value) > 0:
        return int(value)
    raise SandboxError(f"{where}: id must be a positive integer, or be left out to be assigned")


def _seeded_language(raw: Mapping[str, Any]) -> Any:
    """``default_language``, or the best guess from the deprecated fields of older shapes."""
    if "default_language" in raw:
        return raw["default_language"]
    for legacy in ("default_locale", "default_exam_languages"):
        value = raw.get(legacy)
        if isinstance(value, str) and _LOCALE.fullmatch(value):
            return value
    return "en-GB"
