"""The institute object: its fields, which of them a client may write, and how they are checked.

Our reading of the contract, kept here and nowhere else: the documentation lists the fields of
the object (section 5) but only part of what create accepts, and no update page at all. The
sandbox is strict where the live API is silent, so that a client which passes against it does
not depend on leniency the real service may not have:

- only the fields in :data:`WRITABLE` may be written; a read-only field (:data:`READ_ONLY`) or
  an unknown one is a 422, as is a wrongly typed value;
- ``short_name`` is given on create only: it is the identity, so renaming is not an update;
- ``session_retention_period`` is accepted as an integer or a numeric string and always
  stored and returned as a string (``"6"``), as the live API returns it;
- the deprecated ``default_locale`` and ``default_exam_languages`` mirror ``default_language``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from reconciler_proctorexam.sandbox.errors import ApiError, FieldErrors

__all__ = [
    "CREATE_ONLY",
    "READ_ONLY",
    "REQUIRED_ON_CREATE",
    "WRITABLE",
    "mirror_language",
    "new_institute",
    "param_missing",
    "validate_write",
]

_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_DIGITS = re.compile(r"[0-9]+")


class _Invalid(Exception):
    """A value of the wrong type or shape; reported as ``is invalid``."""


def _string(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise _Invalid


def _optional_string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _Invalid


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _Invalid


def _count(value: Any) -> int:
    # bool is an int in Python but not in JSON: ``true`` is not a threshold.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _Invalid


def _retention_period(value: Any) -> str:
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return str(int(value))
    return str(_count(value))


def _language(value: Any) -> str:
    if isinstance(value, str) and _LANGUAGE.fullmatch(value):
        return value
    raise _Invalid


def _languages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_language(item) for item in value]
    raise _Invalid


Validator = Callable[[Any], Any]

#: Our reading of what a client may write, with the check each value must pass.
WRITABLE: Mapping[str, Validator] = {
    "name": _string,
    "callback_url": _optional_string,
    "tawk_url": _optional_string,
    "tawk_api_key": _optional_string,
    "global_proctor": _boolean,
    "global_reviewer": _boolean,
    "check_requirements_emails_enabled": _boolean,
    "reminder_emails_enabled": _boolean,
    "exam_link_emails_enabled": _boolean,
    "exam_changed_emails_enabled": _boolean,
    "exam_finalized_emails_enabled": _boolean,
    "default_language": _language,
    "custom_languages": _languages,
    "session_retention_period": _retention_period,
    "pre_assigned_proctor_fallback_threshold": _count,
    "connected_proctor_fallback_threshold": _count,
    "block_students_until_proctor_connected": _boolean,
}

#: Accepted on create only: the identity of an institute.
CREATE_ONLY: Mapping[str, Validator] = {"short_name": _string}

#: Required on create, in the order Rails' ``params.require`` reports them.
REQUIRED_ON_CREATE = ("name", "short_name")

#: Managed by the server: present in every answer, refused in every write.
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
        "default_exam_languages",
        "default_locale",
    }
)

#: A new institute before the client's values: the object of section 5, in its order, with
#: the defaults we assume for fields a create leaves out.
_TEMPLATE: Mapping[str, Any] = {
    "id": None,
    "name": None,
    "created_at": None,
    "updated_at": None,
    "short_name": None,
    "logo_image_file_name": None,
    "logo_image_content_type": None,
    "logo_image_file_size": None,
    "logo_image_updated_at": None,
    "callback_url": None,
    "tawk_url": None,
    "check_requirements_emails_enabled": True,
    "reminder_emails_enabled": True,
    "exam_link_emails_enabled": True,
    "exam_changed_emails_enabled": True,
    "exam_finalized_emails_enabled": True,
    "global_proctor": False,
    "global_reviewer": False,
    "token_value": 0,
    "tawk_api_key": None,
    "default_exam_languages": "en-GB",
    "default_locale": "en-GB",
    "default_language": "en-GB",
    "custom_languages": [],
    "logo_image": "/logo_images/original/missing.png",
    "tokens": [],
    "session_retention_period": "6",
    "pre_assigned_proctor_fallback_threshold": 0,
    "connected_proctor_fallback_threshold": 0,
    "block_students_until_proctor_connected": False,
}


def new_institute() -> dict[str, Any]:
    """A fresh institute with every field of section 5 at its default (lists not shared)."""
    institute = dict(_TEMPLATE)
    institute["custom_languages"] = []
    institute["tokens"] = []
    return institute


def mirror_language(institute: dict[str, Any]) -> None:
    """Keep the deprecated fields equal to ``default_language``, as the live API does."""
    institute["default_locale"] = institute["default_language"]
    institute["default_exam_languages"] = institute["default_language"]


def param_missing(name: str) -> ApiError:
    """Rails' ``ParameterMissing``, the documented 422 for a missing ``name``/``short_name``."""
    return ApiError(422, "param_missing", f"Param is missing or the value is empty: {name}")


def validate_write(
    values: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Check the fields of a create (``current`` is None) or an update; return them cleaned.

    Raises :func:`param_missing` for a create without ``name`` or ``short_name``, then
    :class:`FieldErrors` holding every other problem at once.
    """
    creating = current is None
    if creating:
        for name in REQUIRED_ON_CREATE:
            if values.get(name) in (None, ""):
                raise param_missing(name)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        validator = WRITABLE.get(name) or (CREATE_ONLY.get(name) if creating else None)
        if validator is not None:
            try:
                cleaned[name] = validator(value)
            except _Invalid:
                errors[name] = (
                    ["can't be blank"] if name == "name" and not value else ["is invalid"]
                )
        elif name in CREATE_ONLY and current is not None:
            if value != current.get(name):
                errors[name] = ["cannot be changed"]
        elif name in READ_ONLY:
            errors[name] = ["is read-only"]
        else:
            errors[name] = ["is not a known attribute"]
    if errors:
        raise FieldErrors(errors)
    return cleaned
