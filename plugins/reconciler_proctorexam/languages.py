"""Language tags as ProctorExam writes them (``en-GB``, ``no-NO``): what looks wrong, and why.

The JSON Schema only checks the rough shape of a tag; this module says what is wrong with one
in words (an underscore, the wrong case, a language code that does not exist) and proposes the
tag the user most likely meant.
"""

from __future__ import annotations

import functools
import re

__all__ = ["ISO_639_1", "language_tag_problem"]

#: The two-letter language codes of ISO 639-1.
_ISO_639_1_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu
"""
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

_SUBTAGS = re.compile(r"[A-Za-z0-9]+")


@functools.lru_cache(maxsize=1024)
def language_tag_problem(tag: str) -> str | None:
    """What is wrong with ``tag`` (a sentence with a suggestion), or ``None`` if it looks right.

    A tag is a language (two or three lower-case letters), then optionally a script (four
    letters, ``Latn``) and a region (two upper-case letters or three digits), joined by ``-``.
    Cached: a config names a handful of tags thousands of times.
    """
    parts = re.split(r"[-_]", tag)
    if not 1 <= len(parts) <= 3 or not all(_SUBTAGS.fullmatch(p) for p in parts):
        return f"{tag!r} is not a language tag such as en-GB"
    language, rest = parts[0], parts[1:]
    script = rest.pop(0) if rest and len(rest[0]) == 4 and rest[0].isalpha() else None
    region = rest.pop(0) if rest else None
    if not (language.isalpha() and 2 <= len(language) <= 3):
        return f"{tag!r} does not start with a two- or three-letter language code"
    if rest:
        return f"{tag!r} is not a language tag such as en-GB (language-Script-REGION)"
    if region is not None and not (
        (len(region) == 2 and region.isalpha()) or (len(region) == 3 and region.isdigit())
    ):
        return f"{tag!r} has no valid region: two letters (GB) or three digits (419)"
    if len(language) == 2 and language.lower() not in ISO_639_1:
        return f"{tag!r}: {language.lower()!r} is not an ISO 639-1 language code"
    subtags = [language.lower(), script.title() if script else "", region.upper() if region else ""]
    canonical = "-".join(p for p in subtags if p)
    if canonical != tag:
        return f"{tag!r} should be written {canonical!r}"
    return None
