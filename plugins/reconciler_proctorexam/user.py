"""The ``user`` kind (an institute's people) and the ``identity_provider`` kind it refers to.

A user is declared under ``users:``, keyed by e-mail (``user.alice@uu.example``), and names
its institute by short_name and its single sign-on by the identity provider's name::

    users:
      alice@uu.example:
        institute: uu                 # an institute declared here, or live
        name: Alice Example           # create-only
        role: administrator           # create-only
        receives_reports: true
        report_frequency: week
        identity_provider: UU SAML    # resolved by name to omniauth_config_id
      bob@new.example:
        institute: new-inst
        name: Bob Example
        role: teacher
        password: ${env:BOB_INITIAL_PASSWORD}   # write-only, create-only, from the environment

Identity providers are only read (``GET /identity_providers``), so that a user can name one;
they cannot be declared.

The users API as this project reads it is :class:`UsersApi`, below, and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from reconciler import DesiredState, Problem, ResourceKind
from reconciler_proctorexam.emails import canonical_email, email_look_alikes

__all__ = [
    "IDP_KIND",
    "KIND",
    "UsersApi",
    "check_new_user",
    "check_users",
    "identity_provider_kind",
    "user_kind",
    "user_schema",
]

KIND: Final = "user"
IDP_KIND: Final = "identity_provider"
_PLUGIN: Final = "proctorexam"


class UsersApi:
    """The users and identity provider pages, as this project reads them, kept in one place.

    Each point is marked. **Documented** (the stored API pages): the endpoints; the list item;
    the credentials in the show object; what create takes (``email, name, institute_id,
    password, password_confirmation, role, omniauth_config_id``, with ``password`` marked as
    required, and an example that sends one next to ``omniauth_config_id``); that update takes
    the report settings. **Our reading** (not stated anywhere; change it here when the live API
    says otherwise): that the show object carries the report settings and the list does not
    (the stored show example has ``id, email, name, role, logo_image, institute_name`` only:
    ``reconciler doctor PATH`` says what a tenant's pages carry); the service's defaults of the
    report settings; and the set of fields PATCH keeps: like any Rails application with strong
    parameters it silently drops the others, so a ``role`` or ``name`` sent there "succeeds"
    and changes nothing. Whatever a write answers is verified by the core all the same.
    """

    #: Paths; ``institute_id`` and ``id`` are path parameters, and both are signed.
    LIST: Final = "/institutes/{institute_id}/users"
    MEMBER: Final = "/institutes/{institute_id}/users/{id}"
    IDENTITY_PROVIDERS: Final = "/identity_providers"
    #: The same routes as a message names them (a field one of them does not return).
    LIST_ROUTE: Final = "GET /institutes/:institute_id/users"
    SHOW_ROUTE: Final = "GET /institutes/:institute_id/users/:id"

    #: What each item of ``GET /institutes/:institute_id/users`` (``{"users": [...]}``) holds.
    LIST_FIELDS: Final = frozenset(
        {"id", "email", "name", "role", "logo_image", "institute_name", "omniauth_config_id"}
    )
    #: Our reading: what only ``GET /institutes/:institute_id/users/:id`` (``{"user": {...}}``)
    #: adds.
    SHOW_ONLY_FIELDS: Final = frozenset({"receives_reports", "report_frequency"})
    #: Credentials in the show object (documented): dropped on arrival, never kept or shown.
    CREDENTIALS: Final = frozenset({"api_token", "secret_key"})

    #: Documented: what ``POST /institutes/:institute_id/users`` takes (``institute_id`` is
    #: the path). E-mails are unique across the service: a clash is a 422
    #: ``{"email": ["has already been taken"]}`` (our reading of its wording).
    CREATE_FIELDS: Final = frozenset(
        {"email", "name", "role", "password", "password_confirmation", "omniauth_config_id"}
    )
    #: Documented for update only: set by a PATCH right after the create, in the same apply,
    #: when they differ from :attr:`DEFAULTS`.
    AFTER_CREATE_FIELDS: Final = frozenset({"receives_reports", "report_frequency"})
    #: Our reading: what a new user has before any update.
    DEFAULTS: Final = {"receives_reports": False, "report_frequency": None}
    #: Parameters of create whose values are secrets (kept out of every message).
    SECRET_PARAMS: Final = frozenset({"password", "password_confirmation"})
    #: Our reading: what ``PATCH /institutes/:institute_id/users/:id`` keeps; anything else
    #: is dropped.
    PATCH_FIELDS: Final = frozenset({"receives_reports", "report_frequency", "omniauth_config_id"})
    #: There is no documented delete.
    CAN_DELETE: Final = False

    ROLES: Final = (
        "superuser",
        "administrator",
        "teacher",
        "proctor",
        "global_proctor",
        "reviewer",
        "global_reviewer",
        "auditor",
    )
    REPORT_FREQUENCIES: Final = ("day", "week", "month")

    #: Our reading of when create needs a password, the ``user_password`` setting of
    #: ``[providers.proctorexam]`` (config.READINGS), the default first. ``"required"`` is the
    #: docs' own word: every create sends one, and a single sign-on user created without a
    #: password in the YAML is sent a random one made for that one request (never stored,
    #: shown or logged; the person signs in through the identity provider).
    #: ``"without_identity_provider"``: only a user without an identity provider needs one.
    PASSWORD_READINGS: Final = ("required", "without_identity_provider")


#: How to change a create-only field by hand, said when a plan would change one.
_BY_HAND: Final = (
    "change it in the ProctorExam web application, or replace the user by hand (create the"
    " new one, then retire the old), and then bring the YAML in line."
)

_E_MAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def user_schema() -> dict[str, Any]:
    """The Draft 2020-12 JSON Schema of one user as written in YAML (without its e-mail key)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ProctorExam user",
        "description": (
            "One person of an institute; the mapping key above it is the e-mail address."
            " Fields left out are not managed."
        ),
        "type": "object",
        "properties": {
            "institute": {
                "type": "string",
                "minLength": 1,
                "description": "The institute's short_name, declared in the config or live.",
            },
            "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "description": "Full name; set on create only.",
            },
            "role": {
                "enum": list(UsersApi.ROLES),
                "description": "The user's role; set on create only.",
            },
            "receives_reports": {"type": "boolean"},
            "report_frequency": {"enum": list(UsersApi.REPORT_FREQUENCIES)},
            "identity_provider": {
                "type": ["string", "null"],
                "minLength": 1,
                "description": "The single sign-on provider, by name (GET /identity_providers).",
            },
            "password": {
                "type": "string",
                "minLength": 8,
                "description": (
                    "The first password: write it as ${env:NAME}; sent on create only, never"
                    " shown. Needed when there is no identity provider; allowed beside one."
                ),
            },
        },
        "required": ["institute"],
        "additionalProperties": False,
    }


def user_kind() -> ResourceKind:
    """The ``user`` kind as the plugin registers it."""
    return ResourceKind(
        name=KIND,
        section="users",
        provider=_PLUGIN,
        schema=user_schema(),
        identity="email",
        read_only=(UsersApi.LIST_FIELDS | UsersApi.CREDENTIALS) - {"email", "name", "role"},
        write_only=frozenset({"password"}),
        references={"institute": "institute", "identity_provider": IDP_KIND},
        create_only={
            "institute": (
                "a user belongs to one institute for good; create a user in the other"
                " institute by hand, or move this entry back."
            ),
            "name": _BY_HAND,
            "role": _BY_HAND,
            "password": _BY_HAND,
        },
        can_delete=UsersApi.CAN_DELETE,
        secrets=UsersApi.CREDENTIALS,
        description="A ProctorExam user of one institute: role, reports and single sign-on.",
        # Our reading (as the sandbox): a create without a name or a role is a 422. A user
        # with no way to sign in is refused by every reading of the password rule.
        required_on_create=frozenset({"name", "role"}),
        check_create=check_new_user,
    )


def check_new_user(values: Mapping[str, Any]) -> list[str]:
    """Why the service would refuse to create a user with these values (at ``plan``).

    Under either reading of ``user_password`` a user needs a password or an identity provider:
    with neither, nobody could sign in, and the service answers 422.
    """
    if values.get("password") is None and values.get("identity_provider") is None:
        return [
            "a new user needs a password or an identity provider to sign in, and this one has"
            " neither: add identity_provider: NAME, or password: ${env:NAME}"
        ]
    return []


def identity_provider_kind() -> ResourceKind:
    """The ``identity_provider`` kind: read from the service, referred to by name."""
    return ResourceKind(
        name=IDP_KIND,
        section="identity_providers",
        provider=_PLUGIN,
        schema={"type": "object", "properties": {}, "additionalProperties": False},
        identity="name",
        can_delete=False,
        declarable=False,
        description="A SAML single sign-on provider (read only), named by users.",
    )


def check_users(state: DesiredState, kinds: Mapping[str, ResourceKind]) -> list[Problem]:
    """E-mail keys that are not e-mail addresses, or not in lower case (the service's form).

    A password next to an identity provider is allowed (the docs' own create example sends
    both); whether a user to be created can sign in is checked at ``plan``, which knows which
    users are new (:func:`check_new_user`).
    """
    problems: list[Problem] = []
    for obj in state.of_kind(KIND):
        where = obj.location
        if not _E_MAIL.fullmatch(obj.identity):
            problems.append(
                Problem(
                    f"users.{obj.identity}: the key of a user is its e-mail address, and this"
                    " is not one; write it as name@example.org.",
                    where,
                    _PLUGIN,
                )
            )
        elif obj.identity != obj.identity.lower():
            problems.append(
                Problem(
                    f"users.{obj.identity}: ProctorExam keeps e-mail addresses in lower case;"
                    f" write {obj.identity.lower()} so that the live user is found.",
                    where,
                    _PLUGIN,
                )
            )
        elif obj.identity != canonical_email(obj.identity):
            problems.append(
                Problem(
                    f"users.{obj.identity!a}: e-mail addresses are compared in Unicode NFC"
                    f" (composed characters); write {canonical_email(obj.identity)!a}, which"
                    " looks the same, so that the live user is found and not made twice.",
                    where,
                    _PLUGIN,
                )
            )
    problems.extend(email_look_alikes(state))
    return problems
