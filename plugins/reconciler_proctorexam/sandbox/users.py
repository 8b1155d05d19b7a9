"""The sandbox's users and identity providers: the objects, the write rules, the tables.

The sandbox's own reading of the documented users pages (written apart from the client's, so
that the two readings check each other):

- a list item is ``id, email, name, role, logo_image, institute_name, omniauth_config_id``;
  the show object adds ``receives_reports``, ``report_frequency`` and the user's credentials,
  ``api_token`` and ``secret_key``;
- create takes ``email``, ``name``, ``role``, ``password`` with ``password_confirmation``
  (needed when there is no ``omniauth_config_id``), ``omniauth_config_id``,
  ``receives_reports`` and ``report_frequency``; anything else is refused (strict where the
  contract is silent);
- e-mails are unique across the service, compared without case and kept in lower case, as
  Devise does: a clash is a 422 ``{"email": ["has already been taken"]}``;
- update keeps only ``receives_reports``, ``report_frequency`` and ``omniauth_config_id``
  and **silently drops everything else**, as Rails' strong parameters do: a ``role`` sent there
  answers 200 and changes nothing;
- there is no delete.

Every method of :class:`UserTable` is called under the store's lock.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler_proctorexam.sandbox.errors import FieldErrors, SandboxError

__all__ = [
    "LIST_KEYS",
    "PERMITTED_ON_UPDATE",
    "ROLES",
    "UserTable",
    "list_item",
    "validate_user_create",
    "validate_user_update",
]

ROLES = frozenset(
    {
        "superuser",
        "administrator",
        "teacher",
        "proctor",
        "global_proctor",
        "reviewer",
        "global_reviewer",
        "auditor",
    }
)
FREQUENCIES = frozenset({"day", "week", "month"})
LIST_KEYS = ("id", "email", "name", "role", "logo_image", "institute_name", "omniauth_config_id")
PERMITTED_ON_UPDATE = frozenset({"receives_reports", "report_frequency", "omniauth_config_id"})
_CREATE_KEYS = frozenset(
    {
        "email",
        "name",
        "role",
        "password",
        "password_confirmation",
        "omniauth_config_id",
        "receives_reports",
        "report_frequency",
    }
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_MIN_PASSWORD = 8


def list_item(user: Mapping[str, Any], institute_name: str) -> dict[str, Any]:
    """What ``GET /institutes/:institute_id/users`` shows of a user."""
    item = {key: user.get(key) for key in LIST_KEYS}
    item["institute_name"] = institute_name
    return item


def show_object(user: Mapping[str, Any], institute_name: str) -> dict[str, Any]:
    """What ``GET /institutes/:institute_id/users/:id`` shows: the list item and more."""
    return {
        **list_item(user, institute_name),
        "receives_reports": user.get("receives_reports", False),
        "report_frequency": user.get("report_frequency"),
        "api_token": user["api_token"],
        "secret_key": user["secret_key"],
    }


def _check_common(
    values: Mapping[str, Any], identity_providers: Iterable[int], errors: dict[str, list[str]]
) -> None:
    if "receives_reports" in values and not isinstance(values["receives_reports"], bool):
        errors["receives_reports"] = ["is invalid"]
    frequency = values.get("report_frequency")
    if frequency is not None and frequency not in FREQUENCIES:
        errors["report_frequency"] = ["is not included in the list"]
    idp = values.get("omniauth_config_id")
    if idp is not None and (isinstance(idp, bool) or idp not in set(identity_providers)):
        errors["omniauth_config_id"] = ["does not exist"]


def validate_user_create(
    values: Mapping[str, Any],
    identity_providers: Iterable[int],
    *,
    password_required: bool = False,
) -> dict[str, Any]:
    """A new user's fields, checked; every problem at once as a 422.

    ``password_required``: every create needs a password, single sign-on or not (the
    ``user_password = "required"`` reading)."""
    errors: dict[str, list[str]] = {}
    for name in sorted(set(values) - _CREATE_KEYS):
        errors[name] = ["is not a known attribute"]
    email = values.get("email")
    if not isinstance(email, str) or not _EMAIL.fullmatch(email):
        errors["email"] = ["is invalid"]
    if not isinstance(values.get("name"), str) or not values["name"].strip():
        errors["name"] = ["can't be blank"]
    if values.get("role") not in ROLES:
        errors["role"] = ["is not included in the list"]
    password = values.get("password")
    if password_required or values.get("omniauth_config_id") is None:
        if not isinstance(password, str) or not password:
            errors["password"] = ["can't be blank"]
        elif len(password) < _MIN_PASSWORD:
            errors["password"] = [f"is too short (minimum is {_MIN_PASSWORD} characters)"]
    if password is not None and values.get("password_confirmation") != password:
        errors["password_confirmation"] = ["doesn't match Password"]
    _check_common(values, identity_providers, errors)
    if errors:
        raise FieldErrors(errors)
    kept = {
        "email": str(email).lower(),
        "name": values["name"],
        "role": values["role"],
        "omniauth_config_id": values.get("omniauth_config_id"),
    }
    # Kept only when sent: a new user's defaults are UserTable's.
    kept.update({k: values[k] for k in ("receives_reports", "report_frequency") if k in values})
    return kept


def validate_user_update(
    values: Mapping[str, Any], identity_providers: Iterable[int]
) -> dict[str, Any]:
    """The permitted fields of an update, checked; the rest is dropped without a word."""
    kept = {k: v for k, v in values.items() if k in PERMITTED_ON_UPDATE}
    errors: dict[str, list[str]] = {}
    _check_common(kept, identity_providers, errors)
    if errors:
        raise FieldErrors(errors)
    return kept


class UserTable:
    """Users by id, with indexes by e-mail and by institute; no lock of its own."""

    def __init__(self, users: Iterable[Mapping[str, Any]] = (), *, next_id: int = 1) -> None:
        self._by_id: dict[int, dict[str, Any]] = {}
        self._by_email: dict[str, int] = {}
        # institute id -> user ids in id order: a page of one institute's users is a slice.
        self._by_institute: dict[int, list[int]] = {}
        self.next_id = next_id
        for index, raw in enumerate(users):
            self._load(dict(raw), index)

    def _load(self, user: dict[str, Any], index: int) -> None:
        where = f"users[{index}]"
        email = user.get("email")
        if not isinstance(email, str) or not isinstance(user.get("institute_id"), int):
            raise SandboxError(f"{where}: a seeded user needs an email and an institute_id")
        user["email"] = email.lower()
        if user["email"] in self._by_email:
            raise SandboxError(f"{where}: the e-mail {email!r} is used twice")
        user.setdefault("id", self.next_id)
        user.setdefault("name", email)
        user.setdefault("role", "teacher")
        user.setdefault("logo_image", "/logo_images/original/missing.png")
        user.setdefault("omniauth_config_id", None)
        user.setdefault("receives_reports", False)
        user.setdefault("report_frequency", None)
        user.setdefault("api_token", secrets.token_hex(16))
        user.setdefault("secret_key", secrets.token_hex(32))
        if user["id"] in self._by_id:
            raise SandboxError(f"{where}: id {user['id']} is used twice")
        self.next_id = max(self.next_id, user["id"] + 1)
        self._add(user)

    def _add(self, user: dict[str, Any]) -> None:
        self._by_id[user["id"]] = user
        self._by_email[user["email"]] = user["id"]
        ids = self._by_institute.setdefault(user["institute_id"], [])
        ids.append(user["id"])
        if len(ids) > 1 and ids[-2] > ids[-1]:
            ids.sort()

    def of_institute(self, institute_id: int) -> list[dict[str, Any]]:
        return [self._by_id[i] for i in self._by_institute.get(institute_id, ())]

    def get(self, institute_id: int, user_id: int) -> dict[str, Any] | None:
        user = self._by_id.get(user_id)
        return user if user is not None and user["institute_id"] == institute_id else None

    def create(self, institute_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        if values["email"] in self._by_email:
            raise FieldErrors({"email": ["has already been taken"]})
        user = {
            "id": self.next_id,
            "receives_reports": False,
            "report_frequency": None,
            **values,
            "institute_id": institute_id,
            "logo_image": "/logo_images/original/missing.png",
            "api_token": secrets.token_hex(16),
            "secret_key": secrets.token_hex(32),
        }
        self.next_id += 1
        self._add(user)
        return user

    def update(self, user_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        user = {**self._by_id[user_id], **values}
        self._by_id[user_id] = user
        return user

    def drop_institute(self, institute_id: int) -> None:
        """An institute's users go with it."""
        for user in self.of_institute(institute_id):
            del self._by_id[user["id"]]
            del self._by_email[user["email"]]
        self._by_institute.pop(institute_id, None)

    def all(self) -> list[dict[str, Any]]:
        return [dict(u) for _, u in sorted(self._by_id.items())]
