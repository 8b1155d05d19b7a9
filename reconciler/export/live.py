"""``reconciler export``: the live objects as YAML that plans with zero changes.

Kind-agnostic: the resource kind says which fields are written. Only the fields of the kind's
schema are exported (the schema holds only what YAML may set), minus its ``write_only`` fields
and anything ``read_only`` or ``deprecated``; the identity becomes the mapping key. A
write-only field is never written, not even as a placeholder: the service does not give it
back, and a placeholder would overwrite the real secret on the next apply. The file says so
in a comment that names the field and the ``${env:…}`` form to use instead.

A live value that the kind's own schema would refuse (the service holds something the YAML
cannot say) is left out with a comment, so that the export always validates. Strings holding
``${`` are escaped as ``$${``, so that a live value is never read back as a reference.

With ``lift_defaults``, a field whose value is the same on every exported object (of every
kind that has the field) goes once into ``defaults.yaml`` instead, unless it says which
object is which: references, identities, create-only and unique fields stay on each object.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ruamel.yaml import YAML

from reconciler.console import write_atomic
from reconciler.errors import SettingsError
from reconciler.fastschema import Validator
from reconciler.model import LiveObject
from reconciler.records import ReadProgress, ResourceKind

if TYPE_CHECKING:
    from reconciler.pipeline.project import Project

__all__ = [
    "DEFAULTS_FILE",
    "ExportFile",
    "check_free",
    "check_targets",
    "escaped",
    "export_files",
    "exported_fields",
    "header_lines",
    "read_live",
    "selected_kinds",
    "table_of",
    "write_files",
]

log = logging.getLogger(__name__)

DEFAULTS_FILE: Final = "defaults.yaml"

#: How many left-out values a file's header names before it only counts the rest.
_SKIPS_SHOWN: Final = 20


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One file to write into the export directory: its name there and its text."""

    name: str
    text: str
    objects: int = 0


def exported_fields(kind: ResourceKind) -> tuple[str, ...]:
    """The fields of ``kind`` an export writes, in the order of its schema."""
    properties = kind.schema.get("properties") or {}
    hidden = (
        kind.write_only | kind.read_only | kind.secrets | set(kind.deprecated) | {kind.identity}
    )
    return tuple(name for name in properties if name not in hidden)


def selected_kinds(
    kinds: Mapping[str, ResourceKind], names: Collection[str], targets: Collection[str]
) -> list[str]:
    """The kinds to export: those named, else those of the targets, else every kind.

    Only kinds that YAML can declare: one that is only read, to be referred to by name (a
    single sign-on provider), has no section to write.
    """
    declarable = {name: kind for name, kind in kinds.items() if kind.declarable}
    unknown = sorted(set(names) - set(declarable))
    if unknown:
        raise SettingsError(
            f"--kind {', '.join(unknown)}: no resource kind that a configuration declares;"
            f" installed kinds: {', '.join(sorted(declarable)) or 'none'}."
        )
    kinds = declarable
    target_kinds = {t.partition(".")[0] for t in targets}
    bad = sorted(t for t in targets if t.partition(".")[0] not in (names or kinds))
    if bad:
        raise SettingsError(
            f"--target {', '.join(bad)}: a target is KIND.NAME with an exported kind,"
            f" e.g. {next(iter(sorted(kinds)), 'institute')}.NAME."
        )
    return sorted(names or target_kinds or kinds)


def check_targets(
    live: Mapping[str, Sequence[LiveObject]], targets: Collection[str]
) -> dict[str, list[LiveObject]]:
    """Only the targeted objects (all when there are no targets); a target not live is an error."""
    if not targets:
        return {name: list(objects) for name, objects in live.items()}
    chosen = {name: [o for o in objects if o.address in targets] for name, objects in live.items()}
    found = {o.address for objects in chosen.values() for o in objects}
    missing = sorted(set(targets) - found)
    if missing:
        raise SettingsError(
            f"--target {', '.join(missing)}: no such live object; nothing was written."
        )
    return {name: objects for name, objects in chosen.items() if objects}


async def read_live(
    project: Project, names: Sequence[str], progress: ReadProgress | None = None
) -> dict[str, Sequence[LiveObject]]:
    """Every live object of the named kinds, listed concurrently (read-only), as a plan lists
    them: ``[apply] parallelism`` requests in flight. ``progress`` is told of each request and
    of the objects as they arrive."""
    started = time.monotonic()
    async with project.sessions(names, progress=progress) as sessions:
        listed = await asyncio.gather(*(sessions[n].list(project.kinds[n]) for n in names))
    live = dict(zip(names, listed, strict=True))
    log.info(
        "export: read %s in %.2fs",
        ", ".join(f"{len(v)} {k}(s)" for k, v in live.items()) or "nothing",
        time.monotonic() - started,
    )
    return live


def write_files(directory: Path, files: Sequence[ExportFile], *, force: bool) -> None:
    """Write every file atomically, or none: an existing file without ``force`` is an error."""
    check_free(directory, [f.name for f in files], force=force)
    for file in files:
        write_atomic(directory / file.name, file.text)


def check_free(directory: Path, names: Iterable[str], *, force: bool) -> None:
    """Refuse, before anything is written, to replace files unless ``force``."""
    if directory.exists() and not directory.is_dir():
        raise SettingsError(f"{directory}: not a directory; export writes a directory of YAML.")
    taken = sorted(n for n in names if (directory / n).exists())
    if taken and not force:
        raise SettingsError(
            f"{directory}: {', '.join(taken)} already exist(s); nothing was written."
            " Pass --force to replace them, or export into another directory."
        )


def export_files(
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    *,
    lift_defaults: bool = False,
) -> list[ExportFile]:
    """One file per kind in ``live`` (``<section>.yaml``), and ``defaults.yaml`` if lifted."""
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    skipped: dict[str, list[str]] = {}
    for name in sorted(live):
        if live[name]:  # a kind with no live object gets no file
            tables[name], skipped[name] = _table(kinds[name], live[name])
    lifted = _common_values(tables, kinds) if lift_defaults else {}
    files: list[ExportFile] = []
    if lifted:
        header = [
            "Values every exported object shares, lifted by `reconciler export --defaults`.",
            "Each applies to every object of this directory whose kind has the field,"
            " unless the object sets it itself.",
        ]
        files.append(ExportFile(DEFAULTS_FILE, _dump(header, {"defaults": lifted})))
    for name, table in tables.items():
        kind = kinds[name]
        for fields in table.values():
            for field in lifted:
                fields.pop(field, None)
        header = _header(kind, len(table), skipped[name])
        body = {kind.section: table}
        files.append(ExportFile(f"{kind.section}.yaml", _dump(header, body), len(table)))
    return files


def table_of(
    kind: ResourceKind, objects: Sequence[LiveObject]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The exported fields of each object by identity (``${`` escaped), and what was left
    out (``institute.x: field``), as the files of :func:`export_files` hold them."""
    return _table(kind, objects)


def escaped(value: Any) -> Any:
    """``value`` as YAML must hold it to be read back as it is (``${`` written ``$${``)."""
    return _escaped(value)


def header_lines(kind: ResourceKind, count: int, skipped: Sequence[str]) -> list[str]:
    """The comment lines that head a kind's exported file: what is left out, and why."""
    return _header(kind, count, skipped)


def _table(
    kind: ResourceKind, objects: Sequence[LiveObject]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The exported fields of each object by identity, and what was left out and why."""
    fields = exported_fields(kind)
    validator = Validator(dict(kind.schema))
    table: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for obj in sorted(objects, key=lambda o: o.identity):
        values = {f: _escaped(obj.fields[f]) for f in fields if f in obj.fields}
        # A value the schema refuses would make the export invalid: leave it out, say so.
        refused = []
        if not validator.is_valid(values):
            errors = validator.iter_errors(values)
            refused = sorted({str(e.path[0]) for e in errors if e.path}, key=fields.index)
        for field in refused:
            del values[field]
            skipped.append(f"{obj.address}: {field}")
            log.warning(
                "%s: the live %s does not fit the %s schema; not exported",
                obj.address,
                field,
                kind.name,
            )
        table[obj.identity] = values
    return table, skipped


def _common_values(
    tables: Mapping[str, Mapping[str, Mapping[str, Any]]], kinds: Mapping[str, ResourceKind]
) -> dict[str, Any]:
    """Fields with one value on every exported object of every kind that has the field.

    A defaults field applies to every kind whose schema has it, so a field that some kind has
    but does not export (a write-only one, say) is never lifted.
    """
    candidates: dict[str, list[Any]] = {}
    blocked = set(_never_lifted(kinds.values()))
    for name, table in tables.items():
        kind = kinds[name]
        exported = set(exported_fields(kind))
        blocked |= set(kind.schema.get("properties") or {}) - exported
        for field in exported:
            for fields in table.values():
                candidates.setdefault(field, []).append(fields.get(field, _ABSENT))
    lifted: dict[str, Any] = {}
    for field, values in candidates.items():
        if field in blocked or len(values) < 2 or _ABSENT in values:
            continue
        if len({_key(v) for v in values}) == 1:
            lifted[field] = values[0]
    return dict(sorted(lifted.items()))


_ABSENT: Final = object()


def _never_lifted(kinds: Iterable[ResourceKind]) -> Iterable[str]:
    """Fields that belong to each object, never to ``defaults:``, whatever the live values.

    A reference (a user's ``institute``, its ``identity_provider``), a create-only field and
    a unique one say which object is which: shared by every exported object today, a default
    would still put the next object written without it in the wrong place, silently. The
    identity of any kind is never a default either.
    """
    for kind in kinds:
        yield kind.identity
        yield from kind.references
        yield from kind.create_only
        yield from kind.unique


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _escaped(value: Any) -> Any:
    """``${`` written as ``$${``, so that the loader reads the text back, not a reference."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def _header(kind: ResourceKind, count: int, skipped: Sequence[str]) -> list[str]:
    lines = [
        f"The live {kind.section} ({count}), exported by `reconciler export`."
        f" Each key is the {kind.name}'s {kind.identity}.",
    ]
    for field in sorted(kind.write_only):
        variable = f"{kind.name}_{field}".upper().replace("-", "_")
        lines += [
            f"{field} is write-only: the service does not return it, so it is not exported"
            " (a placeholder would overwrite the real value on the next apply).",
            f"To manage it, write `{field}: ${{env:{variable}}}` in an entry below"
            " and set that variable where plan and apply run.",
        ]
    if skipped:
        lines.append(
            f"Left out because the live value does not fit the {kind.name} schema"
            " (not managed until you add it):"
        )
        lines += [f"  {entry}" for entry in skipped[:_SKIPS_SHOWN]]
        if len(skipped) > _SKIPS_SHOWN:
            lines.append(f"  and {len(skipped) - _SKIPS_SHOWN} more")
    return lines


def _dump(header: Iterable[str], body: Mapping[str, Any]) -> str:
    # libyaml's emitter (ruamel.yaml.clib) when installed: three times the pure one's speed.
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.width = 4096  # one value, one line: no folded scalars
    stream = io.StringIO()
    yaml.dump(dict(body), stream)
    comments = "".join(f"# {_one_line(line)}\n" for line in header)
    return comments + stream.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())
