"""Saved plans: ``plan PATH --out FILE`` writes one, ``apply FILE`` applies exactly it.

A saved plan holds what apply needs and nothing secret:

- the project it came from (the config path as given, and whether deletes were allowed), so
  that settings and local plugins load the same way at apply time;
- the plan document (:mod:`reconciler.documents.plan`): the changes, with each object's ``ref``,
  ``fingerprint`` and, for fields that may be shown, the planned-before values;
- each touched object as the plan saw it (the fields a snapshot keeps), so that a refusal can
  say what moved since;
- for each value read through ``${env:…}``, the value *as written* (``${env:PE_TAWK_KEY}``)
  and the names of its variables, resolved again at apply time. Never the value itself.

A write-only field written as a literal in the YAML cannot be saved: the file would have to
hold it. Making such a plan is refused, with the advice to write the value as ``${env:NAME}``.

Nothing in the file is trusted: ``apply FILE`` checks it against the configuration of the
checkout it runs in, today's settings and live objects, the tenant and, with
``RECONCILER_PLAN_KEY`` set, its signature (:mod:`reconciler.documents.trust`). The file is
recognised by its content (``"format": "reconciler saved plan"``), whatever its name.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from reconciler.documents.guards import GUARDS_SCHEMA, guards_document, protect_base_from_document
from reconciler.documents.plan import (
    PLAN_SCHEMA,
    REDACTED,
    json_value,
    plan_from_document,
    plan_to_document,
)
from reconciler.documents.signing import SIGNATURE_SCHEMA, check_signature, key_fingerprint
from reconciler.documents.snapshot import (
    LIVE_OBJECT_SCHEMA,
    LiveSnapshot,
    object_from_document,
    object_to_document,
)
from reconciler.documents.versioned import DocumentKind
from reconciler.errors import ReconcilerError, SettingsError
from reconciler.loading.references import resolve
from reconciler.model import Action, Change, DesiredState, FieldChange, LiveObject, Plan
from reconciler.records import ResourceKind
from reconciler.settings.guards import Overrides, ProtectBase
from reconciler.version import __version__
from reconciler.workflowguard import one_line

__all__ = [
    "SAVED_PLAN_FORMAT",
    "SAVED_PLAN_FORMAT_VERSION",
    "SAVED_PLAN_SCHEMA",
    "EnvValue",
    "SavedPlan",
    "is_saved_plan",
    "read_saved_plan",
    "saved_plan_document",
]

#: The value of a saved plan's ``format`` key: how ``apply`` tells it from a configuration.
SAVED_PLAN_FORMAT: Final = "reconciler saved plan"
SAVED_PLAN_FORMAT_VERSION: Final = "1.1"


def _foreign_hint(doc: Mapping[str, Any]) -> str:
    """What a file with another ``format`` may be mistaken for: the JSON output of ``plan``."""
    if "changes" in doc and "format" not in doc:
        return (
            " It looks like `plan --format json` output, which is for reading: a plan to apply"
            " later is written by `plan --out FILE`."
        )
    return ""


def _checked_schema() -> dict[str, Any]:
    # The plan inside is checked by plan_from_document: checking it here too would double the
    # cost.
    schema = copy.deepcopy(SAVED_PLAN_SCHEMA)
    schema["properties"]["plan"] = {"type": "object"}
    return schema


SAVED_PLAN: Final = DocumentKind(
    name="saved plan",
    title="saved plan",
    version=SAVED_PLAN_FORMAT_VERSION,
    schema=_checked_schema,
    remedy="Make it again with `reconciler plan PATH --out FILE`; do not edit it.",
    format=SAVED_PLAN_FORMAT,
    hint=_foreign_hint,
)
_STAMP: Final = "%Y-%m-%dT%H:%M:%SZ"
#: ``${env:NAME}``, but not the escaped ``$${env:NAME}`` (a literal).
_REFERENCE: Final = re.compile(r"(?<!\$)\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class EnvValue:
    """A sensitive value the saved plan reads from the environment at apply time."""

    address: str
    field: str
    written: Any = dataclasses.field(repr=False)
    variables: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A saved plan read back.

    ``plan`` holds :data:`~reconciler.documents.plan.REDACTED` in place of sensitive values until
    :meth:`resolved` reads them from the environment. ``planned`` maps the address of each
    object the plan touches to that object as the plan saw it (``None`` for a create).
    ``snapshot`` describes the live snapshot the plan was made against, if any.
    """

    source: str
    project: Path
    allow_delete: bool
    created_at: str
    plan: Plan
    planned: Mapping[str, LiveObject | None] = dataclasses.field(repr=False)
    env_values: tuple[EnvValue, ...] = ()
    snapshot: str | None = None
    #: What ``[safety] protect`` said at the merge base ``plan --out`` compared with.
    base: ProtectBase | None = None
    #: The project path exactly as the file writes it (``project`` is it as a Path).
    project_text: str = ""
    #: Provider name to the tenant the plan was made against (since format 1.1).
    tenants: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: The fingerprint of the key the file is signed with, checked; None when unsigned.
    signed_with: str | None = None

    def resolved(self, environ: Mapping[str, str]) -> Plan:
        """The plan with every sensitive value read from ``environ``; all unset ones at once.

        The variables are the file's: ``apply FILE`` does not use this, and reads those values
        as the checkout's configuration says instead
        (:func:`reconciler.documents.trust.trusted_plan`).
        """
        values: dict[tuple[str, str], Any] = {}
        missing: list[str] = []
        for env in self.env_values:
            resolution = resolve(env.written, environ)
            if resolution.failures:
                unset = [name for name in env.variables if name not in environ]
                missing.append(f"  {env.address}.{env.field}: {', '.join(unset) or 'unreadable'}")
                continue
            values[(env.address, env.field)] = resolution.value
        if missing:
            raise SettingsError(
                "\n".join(
                    [
                        f"{self.source} reads these values from the environment at apply time,"
                        " and they are not set; nothing was written:",
                        *missing,
                        "Export them and apply again.",
                    ]
                )
            )
        return replace(self.plan, changes=tuple(_with_values(c, values) for c in self.plan.changes))


def _with_values(change: Change, values: Mapping[tuple[str, str], Any]) -> Change:
    if not any(f.after is REDACTED for f in change.fields):
        return change
    fields = tuple(
        replace(f, after=values[(change.address, f.name)]) if f.after is REDACTED else f
        for f in change.fields
    )
    return replace(change, fields=fields)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def saved_plan_document(
    plan: Plan,
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    *,
    project: Path,
    allow_delete: bool,
    snapshot: LiveSnapshot | None = None,
    created_at: datetime.datetime | None = None,
    overrides: Overrides | None = None,
    base: ProtectBase | None = None,
    tenants: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``plan`` as a saved plan document that :data:`SAVED_PLAN_SCHEMA` describes.

    ``live`` is what the plan was made against, ``project`` the path given to ``plan``
    (relative to the working directory), ``tenants`` the tenant of each provider. Raises
    a :class:`ReconcilerError` when a sensitive value could only be saved by writing it down (a
    write-only field written as a literal in the YAML).
    """
    when = created_at or datetime.datetime.now(datetime.UTC)
    by_address = {obj.address: obj for obj in desired.objects}
    live_by_address = {obj.address: obj for objects in live.values() for obj in objects}
    env_values: list[dict[str, Any]] = []
    unsaveable: list[str] = []
    objects: dict[str, list[dict[str, Any]]] = {}
    for change in plan.changes:
        if change.action is not Action.CREATE:
            then = live_by_address[change.address]
            # A field read through ${env:…} holds that secret live: never written down.
            withheld = by_address[change.address].templates if change.address in by_address else ()
            objects.setdefault(change.kind, []).append(
                object_to_document(kinds[change.kind], then, withheld)
            )
        for f in change.fields:
            if not f.sensitive:
                continue
            templates = by_address[change.address].templates
            if f.name not in templates:
                unsaveable.append(_unsaveable(change, f))
                continue
            written = json_value(templates[f.name])
            env_values.append(
                {
                    "address": change.address,
                    "field": f.name,
                    "written": written,
                    "variables": sorted(set(_REFERENCE.findall(str(written)))),
                }
            )
    if unsaveable:
        raise ReconcilerError(
            "\n".join(
                [
                    "The plan cannot be saved: a saved plan never holds a secret, and these"
                    " are written in the YAML itself:",
                    *unsaveable,
                    "Write each as ${env:NAME} and export NAME where apply runs, or apply"
                    " PATH directly.",
                ]
            )
        )
    return {
        **SAVED_PLAN.header(),
        "reconciler_version": __version__,
        "created_at": when.astimezone(datetime.UTC).strftime(_STAMP),
        "project": {"path": project.as_posix(), "allow_delete": allow_delete},
        "tenants": dict(sorted((tenants or {}).items())),
        "snapshot": None
        if snapshot is None
        else {"taken_at": snapshot.taken_at.strftime(_STAMP), "host": snapshot.host},
        "plan": plan_to_document(plan),
        "objects": objects,
        "env_values": env_values,
        "guards": guards_document(overrides or Overrides(), base),
    }


def _unsaveable(change: Change, f: FieldChange) -> str:
    where = f" ({f.location})" if f.location is not None else ""
    return f"  {change.address}.{f.name}{where}"


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def is_saved_plan(path: Path) -> bool:
    """Whether ``apply`` should read ``path`` as a saved plan rather than a configuration.

    A file is a saved plan when it says so, or when it is JSON by name or by its first
    character: a damaged or foreign JSON file is then refused as a saved plan, with a reason,
    rather than read as YAML. A ``.yaml``/``.yml`` file or a directory never is.
    """
    if not path.is_file() or path.suffix in (".yaml", ".yml"):
        return False
    with path.open("rb") as handle:
        head = handle.read(4096)
    return (
        path.suffix == ".json"
        or SAVED_PLAN_FORMAT.encode() in head
        or head.lstrip()[:1] in (b"{", b"[")
    )


def read_saved_plan(path: Path, *, key: bytes | None = None) -> SavedPlan:
    """Read the saved plan at ``path``; any problem with the file is a ReconcilerError.

    With ``key`` (``RECONCILER_PLAN_KEY``), a file not signed with it is refused before
    anything in it is read (:class:`~reconciler.documents.signing.PlanSignatureError`, exit 3).
    """
    source = str(path)
    doc = SAVED_PLAN.open(path)
    if key is not None:
        check_signature(doc, key, source=source)
    SAVED_PLAN.check(doc, source=source)
    plan = plan_from_document(doc["plan"], source=source)
    then = {
        f"{kind}.{item['identity']}": object_from_document(kind, item)
        for kind, items in doc["objects"].items()
        for item in items
    }
    planned: dict[str, LiveObject | None] = {}
    for change in plan.changes:
        if change.action is not Action.CREATE and change.address not in then:
            raise ReconcilerError(
                f"{source}: /objects has no {one_line(change.address)}, which the plan changes."
                f" {SAVED_PLAN.remedy}"
            )
        planned[change.address] = then.get(change.address)
    env_values = tuple(
        EnvValue(e["address"], e["field"], e["written"], tuple(e["variables"]))
        for e in doc["env_values"]
    )
    redacted = {(c.address, f.name) for c in plan.changes for f in c.fields if f.after is REDACTED}
    if redacted != {(e.address, e.field) for e in env_values}:
        raise ReconcilerError(
            f"{source}: its sensitive fields and /env_values do not match. {SAVED_PLAN.remedy}"
        )
    snap = doc["snapshot"]
    return SavedPlan(
        source=source,
        project=Path(doc["project"]["path"]),
        allow_delete=doc["project"]["allow_delete"],
        created_at=doc["created_at"],
        plan=plan,
        planned=planned,
        env_values=env_values,
        snapshot=None if snap is None else f"taken at {snap['taken_at']} on {snap['host']}",
        base=protect_base_from_document(doc.get("guards")),
        project_text=doc["project"]["path"],
        tenants=dict(doc.get("tenants") or {}),
        signed_with=None if key is None else key_fingerprint(key),
    )


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


def _plan_defs() -> dict[str, Any]:
    """The plan document's schema and its definitions, placed under this schema's ``$defs``.

    The plan schema's own references (``#/$defs/change``…) then resolve here unchanged.
    """
    plan = copy.deepcopy(PLAN_SCHEMA)
    plan.pop("$schema")
    defs = plan.pop("$defs")
    return {"plan": plan, **defs}


_TIMESTAMP: Final = {
    "type": "string",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
}

#: The JSON Schema (Draft 2020-12) of a saved plan: published as ``schemas/saved-plan.schema.json``.
SAVED_PLAN_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "reconciler saved plan",
    "description": (
        "What `reconciler plan PATH --out FILE` writes and `reconciler apply FILE` applies:"
        " the plan, the project it came from, each touched object as the plan saw it, and where"
        " to read sensitive values at apply time. Never holds a credential, a write-only value"
        " or a value read from the environment. Readers must ignore properties they do not"
        " know: a new minor format version only adds properties."
    ),
    "type": "object",
    "required": [
        "format",
        "format_version",
        "created_at",
        "project",
        "snapshot",
        "plan",
        "objects",
        "env_values",
    ],
    "properties": {
        "format": {"description": "Always this value.", "const": SAVED_PLAN_FORMAT},
        "format_version": SAVED_PLAN.version_schema(),
        "reconciler_version": {
            "description": "The version of reconciler that wrote the file.",
            "type": "string",
        },
        "created_at": {"description": "When the plan was made, in UTC.", **_TIMESTAMP},
        "project": {
            "description": "The project the plan came from, loaded again at apply time.",
            "type": "object",
            "required": ["path", "allow_delete"],
            "properties": {
                "path": {
                    "description": (
                        "The config directory (or file), relative to the directory plan ran in"
                        " (the checkout's root): apply from the same directory. Never absolute,"
                        " never with `..`: apply refuses such a plan."
                    ),
                    "type": "string",
                },
                "allow_delete": {
                    "description": (
                        "Whether deletes were allowed when the plan was made. Informative only:"
                        " apply checks its guards against its own settings and flags."
                    ),
                    "type": "boolean",
                },
            },
        },
        "snapshot": {
            "description": "The live snapshot planned against (`plan --live`), or null.",
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["taken_at", "host"],
                    "properties": {
                        "taken_at": {"description": "When it was taken, in UTC.", **_TIMESTAMP},
                        "host": {"description": "The machine that took it.", "type": "string"},
                    },
                },
            ],
        },
        "plan": {
            "description": "The plan itself, as `plan --format json` prints it.",
            "$ref": "#/$defs/plan",
        },
        "objects": {
            "description": (
                "Each object the plan updates or deletes, by kind, as the plan saw it: apply"
                " refuses the plan if any has moved on since, and says what moved."
            ),
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"$ref": "#/$defs/live_object"}},
        },
        "guards": {"$ref": "#/$defs/guards"},
        "tenants": {
            "description": (
                "Provider name to the tenant the plan was made against (since format 1.1): a"
                " base URL, never a credential. `apply` refuses the plan on another tenant."
            ),
            "type": "object",
            "additionalProperties": {"type": "string"},
        },
        "signature": SIGNATURE_SCHEMA,
        "env_values": {
            "description": (
                "Each sensitive value of the plan: where apply reads it from the environment."
            ),
            "type": "array",
            "items": {
                "type": "object",
                "required": ["address", "field", "written", "variables"],
                "properties": {
                    "address": {
                        "description": "The object, `<kind>.<identity>`.",
                        "type": "string",
                    },
                    "field": {"description": "The field's name.", "type": "string"},
                    "written": {
                        "description": "The value as the YAML writes it, e.g. `${env:PE_TAWK_KEY}`."
                    },
                    "variables": {
                        "description": "The environment variables it reads.",
                        "type": "array",
                        "items": {"type": "string"},
                    },
                },
            },
        },
    },
    "$defs": {**_plan_defs(), "live_object": LIVE_OBJECT_SCHEMA, "guards": GUARDS_SCHEMA},
}
