"""``export`` into a directory that holds a configuration: edit it, never replace it.

A configuration says more than the live values: ``${env:NAME}`` keeps a value out of the
repository, and ``defaults:`` says that objects share a value on purpose. Replacing the files
with the live values would drop both, and the next plan would still say "No changes", so
nothing would show the loss. Instead the files are edited in place with ruamel.yaml's
round-trip mode (comments, order, quoting and flow style stay as written; a value that is
replaced takes the comment written after it along):

- a live object the configuration declares keeps its entry, in its own file: a literal value
  the service holds otherwise is updated; an exported field it does not set is added, unless
  ``defaults:`` gives it the live value already (the layering is kept; where the live value
  differs, the object gets its own value over the default);
- a ``${env:NAME}`` reference is kept when ``NAME`` holds the live value, or is not set here
  (then it cannot be compared, and the output says so). One whose variable holds another
  value cannot be kept as matching: the run says so for each such value and writes nothing,
  unless ``--force``, which writes the rest and keeps the reference. The live value is never
  written in its place: a field the configuration reads from the environment holds a secret
  (a token in a callback URL, say), and YAML goes into git;
- a live object the configuration does not declare is added to the kind's file
  (``institutes.yaml``), with only the fields ``defaults:`` does not already give it;
- a tombstone (``absent: true``), a declared object that is not live, every field the
  export does not write (write-only ones), and an entry that is one YAML node with another's
  (an alias: an edit of one would change both, so the run says so) are left as they are.

The values compared are normalised by the kind (``"6"`` equals ``6``), so that a value written
in another form is not rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.export.config import Config, ConfigFile, dump, has_config, read_config
from reconciler.export.live import ExportFile, escaped, header_lines, table_of
from reconciler.loading.references import referenced_names, resolve
from reconciler.model import LiveObject
from reconciler.records import ResourceKind

__all__ = ["Config", "MergeNote", "Merged", "has_config", "merge", "read_config"]

DEFAULTS: Final = "defaults"


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
class Merged:
    """What the edit makes: the files to write, the notes, and how much it changed."""

    files: list[ExportFile] = field(default_factory=list)
    notes: list[MergeNote] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    #: References kept although their variable holds another value than the live one.
    kept_apart: int = 0

    @property
    def refused(self) -> list[MergeNote]:
        return [note for note in self.notes if note.blocking]


def merge(
    config: Config,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    environ: Mapping[str, str],
    *,
    force: bool,
) -> Merged:
    """Edit ``config`` so that it plans with no changes against ``live``; see the module."""
    merger = _Merger(config, environ, force=force)
    for name in sorted(live):
        merger.kind(kinds[name], live[name])
    merged = merger.merged
    merged.files = [
        ExportFile(file.path.name, file.header + dump(file), _count(file, kinds))
        for file in config.files
        if file.changed
    ]
    return merged


class _Merger:
    """One edit of a configuration: the notes and counts it gathers as it goes."""

    def __init__(self, config: Config, environ: Mapping[str, str], *, force: bool) -> None:
        self.config = config
        self.environ = environ
        self.force = force
        self.merged = Merged()
        self.defaults = _defaults(config)
        #: Each default's resolved value, or _UNSET when its variable is not set here.
        self._resolved: dict[str, Any] = {}

    def kind(self, kind: ResourceKind, objects: Sequence[LiveObject]) -> None:
        table, skipped = table_of(kind, objects)
        by_identity = {obj.identity: obj for obj in objects}
        declared = _declared(self.config, kind)
        shared = _shared_entries(declared)
        new: dict[str, dict[str, Any]] = {}
        for identity, values in table.items():
            raw = by_identity[identity].fields
            entry = declared.get(identity)
            if entry is None:
                new[identity] = {
                    f: v for f, v in values.items() if not self._default_gives(kind, f, raw[f])
                }
                continue
            file, parent, key, mapping = entry
            if isinstance(mapping, Mapping) and mapping.get("absent") is True:
                continue  # a tombstone: the configuration says delete, not export
            if mapping is None:  # `pe:` with nothing under it
                mapping = CommentedMap()
                parent[key] = mapping
                file.changed = True
            elif not isinstance(mapping, CommentedMap):
                continue  # not an object at all: validate says so, at its line
            if identity in shared:
                self.merged.notes.append(_aliased(file, parent, key, kind, identity, shared))
                continue
            for f, value in values.items():
                where = _Entry(file, mapping, f"{kind.name}.{identity}.{f}")
                if f in mapping:
                    self._written(where, kind, f, value, raw[f])
                elif not self._default_gives(kind, f, raw[f]):
                    self._write(where, f, value)
        if new:
            self.merged.added += len(new)
            _add_objects(self.config, kind, new, skipped)

    def _written(self, entry: _Entry, kind: ResourceKind, name: str, value: Any, live: Any) -> None:
        """A field the object sets: kept, updated, or (a reference) said not to be kept."""
        written = _plain(entry.mapping[name])
        resolution = resolve(written, self.environ)
        where = entry.where(name)
        if resolution.failures:
            self.merged.notes.append(
                MergeNote(
                    where,
                    entry.address,
                    f"kept as written ({_names(written)} not set here, so not compared with"
                    " the live value)",
                )
            )
            return
        if _same(kind, name, resolution.value, live):
            return
        if resolution.from_env:
            # Never the live value in its place: it is the secret the reference keeps out.
            self.merged.notes.append(_lost(where, entry.address, written, self.force))
            self.merged.kept_apart += 1
            return
        self._write(entry, name, value)

    def _write(self, entry: _Entry, name: str, value: Any) -> None:
        entry.mapping[name] = _node(value)
        entry.file.changed = True
        self.merged.updated += 1

    def _default_gives(self, kind: ResourceKind, name: str, live: Any) -> bool:
        """Whether ``defaults:`` gives ``kind``'s field ``name`` its live value (or a value
        read from a variable not set here, which is then kept: it cannot be compared)."""
        if name not in self.defaults or not _applies(kind, name):
            return False
        if name not in self._resolved:
            file, mapping = self.defaults[name]
            written = _plain(mapping[name])
            resolution = resolve(written, self.environ)
            self._resolved[name] = _UNSET if resolution.failures else resolution.value
            if resolution.failures:
                self.merged.notes.append(
                    MergeNote(
                        _Entry(file, mapping, "").where(name),
                        f"{DEFAULTS}.{name}",
                        f"kept as written ({_names(written)} not set here, so not compared with"
                        " the live values)",
                    )
                )
        resolved = self._resolved[name]
        return resolved is _UNSET or _same(kind, name, resolved, live)


_UNSET: Final = object()


@dataclass(frozen=True, slots=True)
class _Entry:
    """Where a field of one object is written: its file and mapping, and its address."""

    file: ConfigFile
    mapping: CommentedMap
    address: str

    def where(self, name: str) -> str:
        """``file:line:col`` of ``name``'s value (of the mapping, for a field not there)."""
        try:
            line, column = self.mapping.lc.value(name)
        except (KeyError, TypeError):
            line, column = self.mapping.lc.line, self.mapping.lc.col
        return f"{self.file.path}:{line + 1}:{column + 1}"


def _shared_entries(declared: Mapping[str, tuple[Any, Any, Any, Any]]) -> dict[str, list[str]]:
    """Objects whose entry is one YAML node with another's (``uu: *pe``), and those others:
    editing one would edit them all."""
    holders: dict[int, list[str]] = {}
    for identity, (_, _, _, entry) in declared.items():
        if isinstance(entry, CommentedMap):
            holders.setdefault(id(entry), []).append(identity)
    return {
        identity: [other for other in group if other != identity]
        for group in holders.values()
        if len(group) > 1
        for identity in group
    }


def _aliased(
    file: ConfigFile,
    section: CommentedMap,
    key: Any,
    kind: ResourceKind,
    identity: str,
    shared: Mapping[str, list[str]],
) -> MergeNote:
    others = ", ".join(f"{kind.name}.{other}" for other in shared[identity])
    return MergeNote(
        _Entry(file, section, "").where(key),
        f"{kind.name}.{identity}",
        f"left as written: its entry is the same YAML node as {others}'s (an alias), so an"
        " edit of one would change the other; write each entry out in full and export again",
        blocking=False,
    )


def _lost(where: str, address: str, written: Any, force: bool) -> MergeNote:
    names = _names(written)
    if force:
        return MergeNote(
            where,
            address,
            f"{names} holds another value than the live one; the reference is kept (--force),"
            f" and the live value, a secret, is not written: set {names} to it",
        )
    return MergeNote(
        where,
        address,
        f"written as a reference to {names}, which holds another value than the live one:"
        " keeping the reference would not match the service, and the live value is a secret"
        f" that is never written to YAML. Set {names} to the live value and export again, or"
        " pass --force to write the rest and keep the reference",
        blocking=True,
    )


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
        target = ConfigFile(config.directory / name, None)
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


def _defaults(config: Config) -> dict[str, tuple[ConfigFile, CommentedMap]]:
    """Each ``defaults:`` field with the file and mapping it is written in (first wins)."""
    found: dict[str, tuple[ConfigFile, CommentedMap]] = {}
    for file in config.files:
        section = file.data.get(DEFAULTS) if file.data is not None else None
        if isinstance(section, CommentedMap):
            for name in section:
                found.setdefault(str(name), (file, section))
    return found


def _declared(
    config: Config, kind: ResourceKind
) -> dict[str, tuple[ConfigFile, CommentedMap, Any, Any]]:
    """Each object of ``kind`` the files declare, by identity: its file, its section, its key
    there as written (``123`` may be a number), and its entry."""
    found: dict[str, tuple[ConfigFile, CommentedMap, Any, Any]] = {}
    for file in config.files:
        section = file.data.get(kind.section) if file.data is not None else None
        if isinstance(section, CommentedMap):
            for key, entry in section.items():
                found.setdefault(str(key), (file, section, key, entry))
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
    return ", ".join(referenced_names(value)) or "a variable"


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


def _count(file: ConfigFile, kinds: Mapping[str, ResourceKind]) -> int:
    if file.data is None:
        return 0
    sections = {kind.section for kind in kinds.values()}
    return sum(len(v) for k, v in file.data.items() if k in sections and isinstance(v, Mapping))
