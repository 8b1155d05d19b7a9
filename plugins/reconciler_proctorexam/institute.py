"""The ``institute`` resource kind: its schema, its field classes, its normalisers, its checks.

Which fields may be written is *our reading* of the contract (:data:`WRITABLE_FIELDS`): the
documentation lists the object and part of what create accepts, nothing more. The JSON Schema
is built from that one table, so the schema, the provider's refusal to write anything else and
the documentation cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler import (
    Action,
    DesiredObject,
    DesiredState,
    Location,
    Plan,
    Problem,
    Refusal,
    ResourceKind,
)
from reconciler_proctorexam.confusables import skeleton
from reconciler_proctorexam.languages import language_tag_problem

__all__ = [
    "DEPRECATED",
    "KIND",
    "READ_ONLY",
    "SHORT_NAME_SCHEMA",
    "WRITABLE",
    "WRITABLE_FIELDS",
    "WRITE_ONLY",
    "check_institutes",
    "institute_kind",
    "institute_schema",
    "language_set",
    "live_look_alikes",
    "name_key",
    "whole_number",
]

KIND = "institute"
_PLUGIN = "proctorexam"

#: The rough shape of a language tag; :func:`check_institutes` says precisely what is wrong
#: with one (``en_GB``, ``en-gb``, an unknown language), which a pattern cannot say well.
_TAG_SHAPE = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,2}$"

_BOOLEAN: Mapping[str, Any] = {"type": "boolean"}
_URL: Mapping[str, Any] = {
    "type": ["string", "null"],
    "format": "uri",
    "pattern": r"^https?://\S+$",
    "maxLength": 2048,
}
#: The short_name is the identity, and it travels in URLs and messages: no path separators, no
#: ``..``, no URL-special characters, no whitespace, no control, format or bidi characters.
#: Our reading of what the service accepts; it documents no rule.
SHORT_NAME_SCHEMA: Mapping[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": (
        r"^(?!.*\.\.)(?!\.$)"
        r"[^\s/\\?#&%\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
        r"\u2028-\u202e\u2060-\u206f\ufeff]+$"
    ),
    "description": (
        "at most 255 characters, without whitespace, path separators (/ \\), '..', URL-special"
        " characters (? # & %), or control, invisible or bidirectional characters"
    ),
}

#: Our reading: the service keeps numbers in 32-bit integer columns (Rails' default).
MAX_INTEGER = 2**31 - 1
_COUNT: Mapping[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_INTEGER}
_TAG: Mapping[str, Any] = {"type": "string", "pattern": _TAG_SHAPE}

#: Our reading of what a client may write, with the JSON Schema of each value. Everything else
#: in the API object is read-only (:data:`READ_ONLY`) or deprecated (:data:`DEPRECATED`).
WRITABLE_FIELDS: Mapping[str, Mapping[str, Any]] = {
    "name": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": r"\S",
        "description": "Display name; unique across ProctorExam.",
    },
    "callback_url": {**_URL, "description": "Where ProctorExam posts session events."},
    "tawk_url": {**_URL, "description": "The tawk.to chat widget URL."},
    "tawk_api_key": {
        "type": ["string", "null"],
        "description": "The tawk.to API key: a secret, write it as ${env:NAME}.",
    },
    "global_proctor": _BOOLEAN,
    "global_reviewer": _BOOLEAN,
    "check_requirements_emails_enabled": _BOOLEAN,
    "reminder_emails_enabled": _BOOLEAN,
    "exam_link_emails_enabled": _BOOLEAN,
    "exam_changed_emails_enabled": _BOOLEAN,
    "exam_finalized_emails_enabled": _BOOLEAN,
    "default_language": {**_TAG, "description": "A language tag such as en-GB."},
    "custom_languages": {
        "type": "array",
        "items": _TAG,
        "uniqueItems": True,
        "description": "Extra languages offered, as tags such as no-NO.",
    },
    "session_retention_period": {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER},
            {"type": "string", "pattern": r"^[1-9][0-9]{0,9}$"},
        ],
        "description": "How long sessions are kept (months); the API returns it as a string.",
    },
    "pre_assigned_proctor_fallback_threshold": _COUNT,
    "connected_proctor_fallback_threshold": _COUNT,
    "block_students_until_proctor_connected": _BOOLEAN,
}

WRITABLE = frozenset(WRITABLE_FIELDS)

#: Written by the service only; refused in YAML.
READ_ONLY = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "logo_image",
        "logo_image_file_name",
        "logo_image_content_type",
        "logo_image_file_size",
        "logo_image_updated_at",
        "tokens",
        "token_value",
        # The deprecated mirrors are also read-only: the service derives them.
        "default_exam_languages",
        "default_locale",
    }
)

#: Sent, never shown: the service's answer may hold it, the reconciler never prints it.
WRITE_ONLY = frozenset({"tawk_api_key"})

#: Fields the API still returns but that must never be written, with the advice to give.
DEPRECATED: Mapping[str, str] = {
    "default_exam_languages": "use default_language",
    "default_locale": "use default_language",
    "student_experience": (
        "the student experience is an exam-level setting now, not an institute field;"
        " set it on the exams"
    ),
}


def institute_schema() -> dict[str, Any]:
    """The Draft 2020-12 JSON Schema of one institute as written in YAML (without its key)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ProctorExam institute",
        "description": (
            "The settings of one institute; the mapping key above it is its short_name."
            " Fields left out are not managed."
        ),
        "type": "object",
        "properties": {name: dict(schema) for name, schema in WRITABLE_FIELDS.items()},
        "additionalProperties": False,
    }


def whole_number(value: Any) -> Any:
    """``"6"`` and ``6`` compare equal: numeric strings become ints; anything else is kept."""
    if type(value) is int or isinstance(value, bool):
        return value
    if isinstance(value, str):
        stripped = value.strip()
        return int(stripped) if stripped.isascii() and stripped.isdigit() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def language_set(value: Any) -> Any:
    """A language list as a frozenset; a legacy comma-separated string (``"fr,nl"``) too."""
    if type(value) is list:
        # The usual shape, from YAML and from JSON: a list of strings, read without the
        # generic (and slower) path below, to the same set.
        stripped = [item.strip() for item in value if type(item) is str]
        if len(stripped) == len(value):
            return frozenset(filter(None, stripped))
    if value is None:
        return frozenset()
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = value
    else:
        return value
    return frozenset(str(item).strip() for item in items if str(item).strip())


def name_key(value: Any) -> Any:
    """How ProctorExam compares names for uniqueness: case and runs of spaces aside."""
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


def _as_kept(value: Any) -> Any:
    """What the service keeps of a ``session_retention_period`` sent: its decimal text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def institute_kind() -> ResourceKind:
    """The ``institute`` kind as the plugin registers it."""
    return ResourceKind(
        name=KIND,
        section="institutes",
        provider=_PLUGIN,
        schema=institute_schema(),
        identity="short_name",
        read_only=READ_ONLY,
        write_only=WRITE_ONLY,
        deprecated=DEPRECATED,
        normalizers={
            "custom_languages": language_set,
            "default_exam_languages": language_set,
            "session_retention_period": whole_number,
            "pre_assigned_proctor_fallback_threshold": whole_number,
            "connected_proctor_fallback_threshold": whole_number,
            "token_value": whole_number,
        },
        # The service keeps the retention period as a string ("6"): a write is verified
        # against that, then compared as a number.
        transformed={"session_retention_period": _as_kept},
        description="A ProctorExam institute (tenant): e-mails, languages, proctoring, callbacks.",
        # Documented: a create needs name (422 otherwise) and names are unique (422 "has
        # already been taken"). Our reading: compared without case, as check_institutes does.
        required_on_create=frozenset({"name"}),
        unique={"name": name_key},
        identity_schema=SHORT_NAME_SCHEMA,
    )


def check_institutes(state: DesiredState, kinds: Mapping[str, ResourceKind]) -> list[Problem]:
    """Problems a schema cannot express: two institutes of one name, language tags that are off.

    Names are unique on ProctorExam, so two institutes with the same name could never both be
    applied; the problem is located at the later one and names where the first is.
    """
    institutes = sorted(
        (o for o in state.of_kind(KIND) if not o.absent), key=lambda o: _order(_where(o, "name"))
    )
    problems: list[Problem] = []
    first_by_name: dict[str, DesiredObject] = {}
    for obj in institutes:
        name = obj.fields.get("name")
        if isinstance(name, str):
            key = name_key(name)
            first = first_by_name.setdefault(key, obj)
            if first is not obj:
                # A name read through ${env:...} is a secret: never quoted.
                shown = (
                    "(sensitive)"
                    if _sensitive(obj, "name") or _sensitive(first, "name")
                    else repr(name)
                )
                problems.append(
                    Problem(
                        f"institute {obj.identity!r} has the same name {shown} as institute"
                        f" {first.identity!r} (at {_where(first, 'name')}); names are unique"
                        " on ProctorExam (compared without case): rename one of them.",
                        _where(obj, "name"),
                        _PLUGIN,
                    )
                )
        problems.extend(_language_problems(obj))
    problems.extend(_look_alikes(state))
    return problems


def live_look_alikes(plan: Plan) -> list[Refusal]:
    """A create whose short_name looks like a live institute's that the YAML does not manage
    (``pe`` live, ``pe`` with a Cyrillic e planned): refused, since it is almost always a typo
    that would make a second institute beside the intended one."""
    live = {skeleton(ref.identity): ref.identity for ref in plan.unmanaged if ref.kind == KIND}
    refusals: list[Refusal] = []
    for change in plan.changes:
        if change.kind != KIND or change.action is not Action.CREATE:
            continue
        twin = live.get(skeleton(change.identity))
        if twin is not None and twin != change.identity:
            refusals.append(
                Refusal(
                    f"short_name {change.identity!a} looks like the live institute"
                    f" {twin!a} but is a different name; a look-alike is almost always a"
                    " typo: use the live spelling, or rename one of them.",
                    plugin=_PLUGIN,
                    address=change.address,
                )
            )
    return refusals


def _look_alikes(state: DesiredState) -> list[Problem]:
    """Two short_names that differ but look the same (``pe``, and ``pe`` with a Cyrillic e)."""
    problems: list[Problem] = []
    first_by_skeleton: dict[str, DesiredObject] = {}
    for obj in sorted(state.of_kind(KIND), key=lambda o: _order(o.location)):
        first = first_by_skeleton.setdefault(skeleton(obj.identity), obj)
        if first is not obj and first.identity != obj.identity:
            problems.append(
                Problem(
                    f"short_name {obj.identity!a} looks like {first.identity!a} (at"
                    f" {first.location}) but is a different name; a look-alike is almost"
                    " always a typo or a trap: use one spelling.",
                    obj.location,
                    _PLUGIN,
                )
            )
    return problems


def _language_problems(obj: DesiredObject) -> list[Problem]:
    problems: list[Problem] = []
    for field in ("default_language", "custom_languages"):
        value = obj.fields.get(field)
        tags: Sequence[Any]
        if type(value) is list:  # the usual shape, without the slower test for any Sequence
            tags = value
        elif isinstance(value, str):
            tags = [value]
        elif isinstance(value, Sequence):
            tags = value
        else:
            continue
        for tag in tags:
            problem = language_tag_problem(tag) if isinstance(tag, str) else None
            if problem is not None and _sensitive(obj, field):
                problem = "the value read from the environment (not shown) is not a tag like en-GB"
            if problem is not None:
                problems.append(
                    Problem(
                        f"institute {obj.identity!r}, {field}: {problem}.",
                        _where(obj, field),
                        _PLUGIN,
                    )
                )
    return problems


def _sensitive(obj: DesiredObject, field: str) -> bool:
    return field in obj.sensitive or field in WRITE_ONLY


def _order(location: Location) -> tuple[str, int, int]:
    """How locations sort (file, line, column), as a tuple: compared without a Python call."""
    return (location.file, location.line, location.column)


def _where(obj: DesiredObject, field: str) -> Location:
    return obj.locations.get(field, obj.location)
