"""Users' identities: how e-mail addresses are compared, and which ones are traps.

OUR READING: ProctorExam keeps e-mail addresses in lower case and treats two spellings of one
address as one user, so the plugin compares them in Unicode NFC and without case
(:func:`canonical_email`): a live ``jose\u0301@uu.example`` (a combining accent, NFD) is the
YAML's ``jos\u00e9@uu.example``, not a second user. Lower case, not case folding: ``ß`` is a
letter of an address, not ``ss``.

An address that mixes scripts (a Cyrillic ``\u0430`` among Latin letters) or that looks like
another one (:func:`~reconciler_proctorexam.confusables.skeleton`) is reported as a look-alike
short_name is: declared twice, a located error at ``validate``; beside a live user the YAML
does not manage, a refusal at ``plan``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Final

from reconciler import Action, DesiredObject, DesiredState, Plan, Problem, Refusal
from reconciler_proctorexam.confusables import skeleton

__all__ = [
    "canonical_email",
    "email_look_alikes",
    "live_email_look_alikes",
    "mixed_scripts",
]

_KIND: Final = "user"
_PLUGIN: Final = "proctorexam"


def canonical_email(email: str) -> str:
    """``email`` as addresses are compared: NFC, lower case."""
    return unicodedata.normalize("NFC", email).lower()


def mixed_scripts(text: str) -> list[str]:
    """The scripts of the letters of ``text`` (``LATIN``, ``CYRILLIC``…) when there are two or
    more, sorted; an empty list when its letters are of one script."""
    scripts = set()
    for ch in unicodedata.normalize("NFC", text):
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            scripts.add(name.split(" ", 1)[0] if name else "UNKNOWN")
    return sorted(scripts) if len(scripts) > 1 else []


def email_look_alikes(state: DesiredState) -> list[Problem]:
    """Declared addresses that mix scripts, or that look like another declared one."""
    problems: list[Problem] = []
    first_by_skeleton: dict[str, DesiredObject] = {}
    users = sorted(state.of_kind(_KIND), key=lambda o: (o.location.file, o.location.line))
    for obj in users:
        scripts = mixed_scripts(obj.identity)
        if scripts:
            problems.append(
                Problem(
                    f"users.{obj.identity!a} mixes the {' and '.join(scripts)} scripts: it looks"
                    " like another address but is not; a look-alike is almost always a typo or"
                    " a trap: write it in one script.",
                    obj.location,
                    _PLUGIN,
                )
            )
        first = first_by_skeleton.setdefault(skeleton(obj.identity), obj)
        if first is not obj and first.identity != obj.identity:
            problems.append(
                Problem(
                    f"users.{obj.identity!a} looks like {first.identity!a} (at"
                    f" {first.location}) but is a different address; a look-alike is almost"
                    " always a typo or a trap: use one spelling.",
                    obj.location,
                    _PLUGIN,
                )
            )
    return problems


def live_email_look_alikes(plan: Plan) -> list[Refusal]:
    """A user created with an address that looks like a live user's the YAML does not manage:
    refused, as a look-alike short_name is."""
    live = _by_skeleton(ref.identity for ref in plan.unmanaged if ref.kind == _KIND)
    refusals: list[Refusal] = []
    for change in plan.changes:
        if change.kind != _KIND or change.action is not Action.CREATE:
            continue
        twin = live.get(skeleton(change.identity))
        if twin is not None and canonical_email(twin) != canonical_email(change.identity):
            refusals.append(
                Refusal(
                    f"the e-mail {change.identity!a} looks like the live user {twin!a} but is"
                    " a different address; a look-alike is almost always a typo: use the live"
                    " spelling, or correct the address.",
                    plugin=_PLUGIN,
                    address=change.address,
                )
            )
    return refusals


def _by_skeleton(emails: Iterable[str]) -> dict[str, str]:
    return {skeleton(email): email for email in emails}
