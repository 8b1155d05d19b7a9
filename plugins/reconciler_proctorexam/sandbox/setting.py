"""Change the sandbox's objects behind the clients' back, to rehearse drift.

What someone in ProctorExam's web interface (or its staff) would do: ``reconciler sandbox set
institute.pe reminder_emails_enabled=false`` changes the stored object, moves its
``updated_at``, and keeps it in the state file, so that the next ``plan``, ``drift`` or saved
plan's ``apply`` finds it changed. No HTTP route does this: the API's routes stay exactly as
strict as the contract, and this goes through the store the routes use.

The values pass the checks an update through the API would (an institute's writable fields
with their types and uniqueness). A user is changed as the service's staff could: its
``name`` and ``role`` too, which the API's update ignores, and its single sign-on provider by
name (``identity_provider=UU SAML``), as the YAML names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reconciler_proctorexam.sandbox.errors import ApiError, SandboxError
from reconciler_proctorexam.sandbox.fields import validate_write
from reconciler_proctorexam.sandbox.store import InstituteStore
from reconciler_proctorexam.sandbox.users import PERMITTED_ON_UPDATE, ROLES, validate_user_update

__all__ = ["SECRET_FIELDS", "parse_assignments", "set_fields"]

#: Stored values never echoed back: a write-only field of the API.
SECRET_FIELDS = frozenset({"tawk_api_key"})

#: What ``user.EMAIL`` takes: the fields of the API's update, and what staff could change.
_USER_FIELDS = ("identity_provider", "name", "receives_reports", "report_frequency", "role")

#: A page size that holds every identity provider of a sandbox.
_ALL = 1_000_000


def parse_assignments(pairs: Iterable[str]) -> dict[str, Any]:
    """``FIELD=VALUE`` pairs; each value read as YAML (``false``, ``12``, ``[en-GB, fr-FR]``,
    ``null``), anything else as the text it is."""
    values: dict[str, Any] = {}
    for pair in pairs:
        field, equals, text = pair.partition("=")
        if not equals or not field.strip():
            raise SandboxError(f"{pair!r}: write FIELD=VALUE, e.g. reminder_emails_enabled=false")
        try:
            value = YAML(typ="safe").load(text) if text.strip() else None
        except YAMLError:
            value = text
        values[field.strip()] = text if isinstance(value, dict) else value
    return values


def set_fields(store: InstituteStore, address: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Change the object at ``address`` (``institute.SHORT_NAME`` or ``user.EMAIL``)."""
    kind, _, identity = address.partition(".")
    if kind == "institute":
        return _set_institute(store, identity, values)
    if kind == "user":
        return _set_user(store, identity, values)
    raise SandboxError(f"{address}: an address is institute.SHORT_NAME or user.EMAIL")


def _set_institute(
    store: InstituteStore, short_name: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    current = next((i for i in store.snapshot() if i.get("short_name") == short_name), None)
    if current is None:
        raise SandboxError(f"institute.{short_name}: no such institute in the sandbox")
    try:
        updated = store.update(current["id"], validate_write(values, current=current))
    except ApiError as exc:
        raise SandboxError(f"institute.{short_name}: {exc}; nothing was changed") from None
    assert updated is not None  # found above, under no other writer (the state is locked)
    return updated


def _set_user(store: InstituteStore, email: str, values: Mapping[str, Any]) -> dict[str, Any]:
    user = next((u for u in store.users() if u.get("email") == email.lower()), None)
    if user is None:
        raise SandboxError(f"user.{email}: no such user in the sandbox")
    unknown = sorted(set(values) - set(_USER_FIELDS))
    if unknown:
        raise SandboxError(
            f"user.{email}: {', '.join(unknown)}: not a field this sets;"
            f" it sets {', '.join(_USER_FIELDS)}"
        )
    changes = dict(values)
    if "identity_provider" in changes:
        changes["omniauth_config_id"] = _provider_id(store, changes.pop("identity_provider"))
    errors = []
    if "role" in changes and changes["role"] not in ROLES:
        errors.append(f"role must be one of {', '.join(sorted(ROLES))}")
    if "name" in changes and not (isinstance(changes["name"], str) and changes["name"].strip()):
        errors.append("name can't be blank")
    providers, _ = store.identity_providers_page(1, _ALL)
    permitted = {k: v for k, v in changes.items() if k in PERMITTED_ON_UPDATE}
    try:
        validate_user_update(permitted, [p["id"] for p in providers])
    except ApiError as exc:
        errors.append(str(exc))
    if errors:
        raise SandboxError(f"user.{email}: {'; '.join(errors)}; nothing was changed")
    updated = store.set_user_fields(user["id"], changes)
    assert updated is not None
    return updated


def _provider_id(store: InstituteStore, name: Any) -> int | None:
    if name is None:
        return None
    providers, _ = store.identity_providers_page(1, _ALL)
    for provider in providers:
        if provider.get("name") == name:
            return int(provider["id"])
    known = ", ".join(str(p.get("name")) for p in providers) or "none"
    raise SandboxError(f"identity_provider {name!r}: no such identity provider; known: {known}")
