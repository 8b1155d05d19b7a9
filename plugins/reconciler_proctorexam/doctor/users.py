"""Doctor step: which of the user fields a config manages the service's user pages carry.

A managed field that the service does not return is an error at ``plan`` (it is never read as
``null``). Which page carries the report settings is our reading (:class:`UsersApi`): the
stored show example lacks them. So, when the config manages users, one live user is read back,
its list item and its own page, and the step says where each managed field was found, before
the first plan or apply meets a field that is never there. Values are never shown: the show
object holds the user's credentials, and they stay out of the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from reconciler import DesiredState, DoctorStep, StepStatus
from reconciler_proctorexam.doctor.probe import Answer, Prober
from reconciler_proctorexam.user import KIND, UsersApi

__all__ = ["STEP", "managed_user_fields", "user_fields_step"]

STEP = "user fields"

#: YAML fields of a user that are not read from the pages as they are written.
_NOT_READ = frozenset({"institute", "password"})
#: YAML fields that the API spells otherwise.
_WIRE = {"identity_provider": "omniauth_config_id"}


def managed_user_fields(desired: DesiredState) -> list[str]:
    """Every user field the config manages that a page must carry, sorted (YAML names)."""
    names = {n for o in desired.of_kind(KIND) if not o.absent for n in o.fields} - _NOT_READ
    return sorted(names)


async def user_fields_step(prober: Prober, desired: DesiredState) -> DoctorStep:
    """Read one live user (list item and page) and say where each managed field is."""
    fields = managed_user_fields(desired)
    if not fields:
        return DoctorStep(STEP, StepStatus.PASSED, "the configuration manages no user field.")
    named = {o.fields.get("institute") for o in desired.of_kind(KIND)}
    listing = await prober.send("GET", "/institutes", {"page": 1, "limit": 300})
    institutes = _items(listing, "institutes")
    institutes.sort(key=lambda i: i.get("short_name") not in named)
    for institute in institutes[:3]:
        iid = str(institute.get("id", ""))
        users = await prober.send(
            "GET",
            UsersApi.LIST.format(institute_id=quote(iid, safe="")),
            {"page": 1, "limit": 1},
            path_params={"institute_id": iid},
        )
        found = _items(users, "users")
        if not found:
            continue
        item = found[0]
        uid = str(item.get("id", ""))
        page = await prober.send(
            "GET",
            UsersApi.MEMBER.format(institute_id=quote(iid, safe=""), id=quote(uid, safe="")),
            {},
            path_params={"institute_id": iid, "id": uid},
        )
        shown = page.body.get("user") if isinstance(page, Answer) and page.ok else None
        if not isinstance(shown, dict):
            continue
        return _verdict(fields, item, shown, str(institute.get("short_name", "?")))
    return DoctorStep(
        STEP,
        StepStatus.INCONCLUSIVE,
        "no live user could be read back (no institute on the first page has one these"
        " credentials can see), so the user pages were not checked.",
    )


def _verdict(
    fields: list[str], item: Mapping[str, Any], shown: Mapping[str, Any], institute: str
) -> DoctorStep:
    in_list = [f for f in fields if _WIRE.get(f, f) in item]
    on_page = [f for f in fields if f not in in_list and _WIRE.get(f, f) in shown]
    nowhere = [f for f in fields if f not in in_list and f not in on_page]
    seen = (
        f"read back one user of institute {institute!r}: the list ({UsersApi.LIST_ROUTE})"
        f" carries {_names(in_list)}; the user's page ({UsersApi.SHOW_ROUTE}) adds"
        f" {_names(on_page)}"
    )
    if nowhere:
        return DoctorStep(
            STEP,
            StepStatus.FAILED,
            f"{seen}; neither returns {_names(nowhere)}.",
            fix="stop managing those fields (remove them from the YAML): plan stops at their"
            " lines, since a field that is never returned cannot be compared.",
        )
    return DoctorStep(STEP, StepStatus.PASSED, f"{seen}: every managed user field is returned.")


def _names(fields: list[str]) -> str:
    return ", ".join(fields) if fields else "none of them"


def _items(answer: object, key: str) -> list[dict[str, Any]]:
    body = answer.body if isinstance(answer, Answer) and answer.ok else None
    items = body.get(key) if isinstance(body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
