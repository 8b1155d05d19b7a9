"""``export`` into a directory that holds a configuration: edit it, never replace it.

A configuration says more than the live values: ``${env:NAME}`` keeps a value out of the
repository, and ``defaults:`` says that objects share a value on purpose. Replacing the files
with the live values would drop both, and the next plan would still say "No changes", so
nothing would show the loss. Instead the files are edited in place with ruamel.yaml's
round-trip mode (comments, order, quoting and flow style stay as written):

- a live object the configuration declares keeps its entry, in its own file: a literal value
  the service holds otherwise is updated; an exported field it does not set is added, unless
  ``defaults:`` gives it the live value already (the layering is kept; where the live value
  differs, the object gets its own value over the default);
- a ``${env:NAME}`` reference is kept when ``NAME`` holds the live value, or is not set here
  (then it cannot be compared, and the output says so). One whose variable holds another
  value cannot be kept: the run says so for each such value and writes nothing, unless
  ``--force``, which writes the live value in its place;
- a live object the configuration does not declare is added to the kind's file
  (``institutes.yaml``), with only the fields ``defaults:`` does not already give it;
- a tombstone (``absent: true``), a declared object that is not live, and every field the
  export does not write (write-only ones) are left as they are.

The values compared are normalised by the kind (``"6"`` equals ``6``), so that a value written
in another form is not rewritten.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from reconciler.errors import SettingsError
from reconciler.export import ExportFile, escaped, header_lines, table_of
from reconciler.loading.references import resolve
from reconciler.model import LiveObject
from reconciler.records import ResourceKind

__all__ = ["Config", "MergeNote", "Merged", "has_config", "merge", "read_config"]

DEFAULTS: Final = "defaults"
_SUFFIXES: Final = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class MergeNote:
    """One value of the configuration the export could not keep as written, or compare.

    ``blocking`` notes stop the export (nothing written) unless ``--force``.
    """

    where: str
    address: str
    message: str
    blocking: bool = False

    def __str__(self) -> str:
        return f"{self.where}: {self.address}: {self.message}"


@dataclass(slots=True)
class _File:
    """One YAML file of the directory, as ruamel.yaml's round trip holds it."""

    path: Path
    data: Any
    indent: int = 2
    sequence_offset: int = 0
    header: str = ""
    changed: bool = False


@dataclass(slots=True)
class Config:
    """The YAML files of an export directory, read for editing."""

    directory: Path
    files: list[_File] = field(default_factory=list)


@dataclass(slots=True)
class Merged:
    """What the edit makes: the files to write, the notes, and how much it changed."""

    files: list[ExportFile] = field(default_factory=list)
    notes: list[MergeNote] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    kept: int = 0
    replaced: int = 0

    @property
    def refused(self) -> list[MergeNote]:
        return [note for note in self.notes if note.blocking]


def has_config(directory: Path) -> bool:
    """Whether ``directory`` holds YAML files: a configuration to edit rather than replace."""
    return directory.is_dir() and any(_yaml_files(directory))


def read_config(directory: Path) -> Config:
    """Every YAML file of ``directory`` for editing; one that cannot be read is an error."""
    config = Config(directory)
    problems = []
    for path in _yaml_files(directory):
        text = path.read_text("utf-8")
        try:
            _, indent, offset = load_yaml_guess_indent(text)
            data = _yaml().load(text)
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
            problems.append(f"  {where}: {getattr(exc, 'problem', None) or exc}")
            continue
        if data is not None and not isinstance(data, CommentedMap):
            problems.append(f"  {path}: not a mapping of sections")
            continue
        config.files.append(_File(path, data, indent or 2, offset or 0))
    if problems:
        raise SettingsError(
            "\n".join(
                [
                    f"{directory}: the configuration there cannot be edited; nothing was written:",
                    *problems,
                    "Fix it and export again, or pass --force to replace the files export"
                    " writes (losing what they hold).",
                ]
            )
        )
    return config


def merge(
    config: Config,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    environ: Mapping[str, str],
    *,
    force: bool,
) -> Merged:
    """Edit ``config`` so that it plans with no changes against ``live``; see the module."""
    merged = Merged()
    defaults = _defaults(config)
    for name in sorted(live):
        kind = kinds[name]
        table, skipped = table_of(kind, live[name])
        by_identity = {obj.identity: obj for obj in live[name]}
        declared = _declared(config, kind)
        new: dict[str, dict[str, Any]] = {}
        for identity, values in table.items():
            raw = by_identity[identity].fields
            entry = declared.get(identity)
            if entry is None:
                new[identity] = {
                    f: v
                    for f, v in values.items()
                    if not _given_by_default(kind, f, raw[f], defaults, environ)
                }
                continue
            file, parent, mapping = entry
            if isinstance(mapping, Mapping) and mapping.get("absent") is True:
                continue  # a tombstone: the configuration says delete, not export
            if not isinstance(mapping, CommentedMap):
                mapping = CommentedMap()
                parent[identity] = mapping
                file.changed = True
            address = f"{kind.name}.{identity}"
            for f, value in values.items():
                _merge_field(
                    merged, file, mapping, kind, address, f, value, raw[f], defaults, environ, force
                )
        if new:
            merged.added += len(new)
            _add_objects(config, kind, new, skipped)
    merged.files = [
        ExportFile(file.path.name, file.header + _dump(file), _count(file, kinds))
        for file in config.files
        if file.changed
    ]
    return merged


def _merge_field(
    merged: Merged,
    file: _File,
    mapping: CommentedMap,
    kind: ResourceKind,
    address: str,
    name: str,
    value: Any,
    live: Any,
    defaults: Mapping[str, tuple[_File, CommentedMap]],
    environ: Mapping[str, str],
    force: bool,
) -> None:
    if name in mapping:
        where = _where(file, mapping, name)
        written = _plain(mapping[name])
        resolution = resolve(written, environ)
        if resolution.failures:
            merged.kept += 1
            merged.notes.append(
                MergeNote(
                    where,
                    f"{address}.{name}",
                    f"kept as written ({_names(written)} not set here, so not compared with"
                    " the live value)",
                )
            )
            return
        if _same(kind, name, resolution.value, live):
            if resolution.from_env:
                merged.kept += 1
            return
        if resolution.from_env:
            merged.notes.append(_lost(where, f"{address}.{name}", written, force))
            if not force:
                return
            merged.replaced += 1
        mapping[name] = _node(value)
        file.changed = True
        merged.updated += 1
        return
    if name in defaults and _applies(kind, name):
        default_file, default_map = defaults[name]
        written = _plain(default_map[name])
        resolution = resolve(written, environ)
        if resolution.failures:
            merged.kept += 1
            merged.notes.append(
                MergeNote(
                    _where(default_file, default_map, name),
                    f"{address}.{name}",
                    f"kept the default ({_names(written)} not set here, so not compared with"
                    " the live value)",
                )
            )
            return
        if _same(kind, name, resolution.value, live):
            return  # the layering stays: the default gives the live value
    mapping[name] = _node(value)
    file.changed = True
    merged.updated += 1


def _lost(where: str, address: str, written: Any, force: bool) -> MergeNote:
    names = _names(written)
    if force:
        return MergeNote(
            where,
            address,
            f"{names} holds another value than the live one; replaced the reference with the"
            " live value (--force)",
        )
    return MergeNote(
        where,
        address,
        f"written as a reference to {names}, which holds another value than the live one:"
        " keeping the reference would not match the service. Set"
        f" {names} to the live value and export again, or pass --force to write the live"
        " value in place of the reference",
        blocking=True,
    )


def _given_by_default(
    kind: ResourceKind,
    name: str,
    live: Any,
    defaults: Mapping[str, tuple[_File, CommentedMap]],
    environ: Mapping[str, str],
) -> bool:
    if name not in defaults or not _applies(kind, name):
        return False
    _, default_map = defaults[name]
    resolution = resolve(_plain(default_map[name]), environ)
    return not resolution.failures and _same(kind, name, resolution.value, live)


def _add_objects(
    config: Config, kind: ResourceKind, objects: Mapping[str, Mapping[str, Any]], skipped: Any
) -> None:
    """Add new objects to the kind's file: ``<section>.yaml``, else the first file holding
    the section, else a new ``<section>.yaml``."""
    name = f"{kind.section}.yaml"
    target = next((f for f in config.files if f.path.name == name), None)
    if target is None:
        target = next(
            (f for f in config.files if f.data is not None and kind.section in f.data), None
        )
    if target is None:
        target = _File(config.directory / name, None)
        header = header_lines(kind, len(objects), skipped)
        target.header = "".join(f"# {' '.join(line.split())}\n" for line in header)
        config.files.append(target)
    if target.data is None:
        target.data = CommentedMap()
    section = target.data.get(kind.section)
    if not isinstance(section, CommentedMap):
        section = CommentedMap()
        target.data[kind.section] = section
    for identity, values in sorted(objects.items()):
        section[identity] = CommentedMap((f, _node(v)) for f, v in values.items())
    target.changed = True


def _defaults(config: Config) -> dict[str, tuple[_File, CommentedMap]]:
    """Each ``defaults:`` field with the file and mapping it is written in (first wins)."""
    found: dict[str, tuple[_File, CommentedMap]] = {}
    for file in config.files:
        section = file.data.get(DEFAULTS) if file.data is not None else None
        if isinstance(section, CommentedMap):
            for name in section:
                found.setdefault(str(name), (file, section))
    return found


def _declared(config: Config, kind: ResourceKind) -> dict[str, tuple[_File, CommentedMap, Any]]:
    """Each object of ``kind`` the files declare: its file, its section, and its entry."""
    found: dict[str, tuple[_File, CommentedMap, Any]] = {}
    for file in config.files:
        section = file.data.get(kind.section) if file.data is not None else None
        if isinstance(section, CommentedMap):
            for identity, entry in section.items():
                found.setdefault(str(identity), (file, section, entry))
    return found


def _applies(kind: ResourceKind, name: str) -> bool:
    return name in (kind.schema.get("properties") or {})


def _same(kind: ResourceKind, name: str, written: Any, live: Any) -> bool:
    try:
        return bool(kind.normalize(name, written) == kind.normalize(name, live))
    except (TypeError, ValueError):
        return bool(written == live)


def _names(value: Any) -> str:
    """The variables a written value refers to: ``PE_TAWK_KEY`` (or ``A, B``)."""
    import re

    names = sorted(set(re.findall(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", repr(value))))
    return ", ".join(names) or "a variable"


def _where(file: _File, mapping: CommentedMap, name: str) -> str:
    try:
        line, column = mapping.lc.value(name)
    except (KeyError, TypeError):
        line, column = mapping.lc.line, mapping.lc.col
    return f"{file.path}:{line + 1}:{column + 1}"


def _plain(value: Any) -> Any:
    """A round-trip node as plain Python: dict, list, str and the scalars."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _node(value: Any) -> Any:
    """A live value to write: ``${`` escaped, a list in flow style (``[en-GB, fr-FR]``)."""
    value = escaped(value)
    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    return value


def _count(file: _File, kinds: Mapping[str, ResourceKind]) -> int:
    if file.data is None:
        return 0
    sections = {kind.section for kind in kinds.values()}
    return sum(len(v) for k, v in file.data.items() if k in sections and isinstance(v, Mapping))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_unicode = True
    yaml.width = 4096  # one value, one line: no folded scalars
    # ``null`` written out, as a new export writes it (the round trip would leave it empty).
    yaml.representer.add_representer(type(None), _null)
    return yaml


def _null(representer: Any, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _dump(file: _File) -> str:
    yaml = _yaml()
    # As ruamel.yaml's load_yaml_guess_indent documents: the file's own indentation.
    yaml.indent(mapping=file.indent, sequence=file.indent, offset=file.sequence_offset)
    stream = io.StringIO()
    yaml.dump(file.data, stream)
    return stream.getvalue()


def _yaml_files(directory: Path) -> Iterable[Path]:
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in _SUFFIXES and not p.name.startswith(".") and p.is_file()
    )
