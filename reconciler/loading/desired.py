"""From parsed files to the desired state: sections, defaults, tombstones, references, schemas.

A config directory is read as one whole: ``defaults:`` from any file apply to every object of
every kind in the directory, and an object may be declared in only one file. Every problem
found on the way is collected and raised together as one :class:`~reconciler.errors.
ConfigError`, in file order and then line order, so that a pull request shows all of them in
one run.

A ``defaults:`` field applies to the kinds whose schema has it as a property, and is an error
when no kind has it. Its value is validated as part of each object that takes it, and its
problems are reported at the ``defaults:`` entry, once.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

from reconciler.collector import gc_paused
from reconciler.errors import ConfigError
from reconciler.loading.envaccess import EnvAccess
from reconciler.loading.layers import GROUP_FIELD, Layer, Layers, groups_of, layer_key
from reconciler.loading.limits import Limits
from reconciler.loading.references import Resolution, resolve
from reconciler.loading.validation import KindSchema, describe_value, did_you_mean
from reconciler.loading.variables import substitute_file
from reconciler.loading.yamlfile import KeyEntry, ParsedFile, read_file, span_at
from reconciler.model import DesiredObject, DesiredState, Location, Unset, make_location
from reconciler.records import Problem, ResourceKind

__all__ = [
    "assemble",
    "config_files",
    "desired_state",
    "load_desired",
    "read_desired",
]

DEFAULTS: Final = "defaults"
ABSENT: Final = "absent"
SUFFIXES: Final = (".yaml", ".yml")
_LIMITS: Final = Limits()
#: The ``layers`` of an object that takes no value from a shared layer (most of them).
_NO_LAYERS: Final[Mapping[str, str]] = {}
#: A value that is one environment reference and nothing else.
_WHOLE_ENV: Final = re.compile(r"\$\{env:[A-Za-z_][A-Za-z0-9_]*\}")


def load_desired(
    path: Path,
    kinds: Mapping[str, ResourceKind],
    environ: Mapping[str, str] | EnvAccess,
    *,
    limits: Limits = _LIMITS,
    secret_files: Collection[Path] = (),
) -> DesiredState:
    """Read the config directory (or file) at ``path`` into a validated desired state.

    ``kinds`` are the resource kinds by name, ``environ`` resolves ``${env:NAME}`` (an
    :class:`~reconciler.loading.envaccess.EnvAccess` also says what may be read, and whether
    an unset variable is an error; a plain mapping requires every variable). Raises
    :class:`~reconciler.errors.ConfigError` with every problem found; makes no network call.
    """
    state, problems = read_desired(path, kinds, environ, limits=limits, secret_files=secret_files)
    if problems:
        raise ConfigError(problems)
    return state


def read_desired(
    path: Path,
    kinds: Mapping[str, ResourceKind],
    environ: Mapping[str, str] | EnvAccess,
    *,
    limits: Limits = _LIMITS,
    secret_files: Collection[Path] = (),
    bases: Sequence[Path] = (),
    variables: Mapping[str, Any] | None = None,
    vars_where: str = "",
) -> tuple[DesiredState, list[Problem]]:
    """Like :func:`load_desired`, but returns the problems beside the state, without raising.

    The state holds only the objects that passed their schema, so that cross-object checks
    can run on them in the same pass and report beside the schema's problems. ``bases`` are
    the directories ``path`` extends, farthest first (see :mod:`reconciler.settings.environments`);
    ``variables`` the values of ``${var:NAME}`` read from ``vars_where``.
    """
    files: list[Path] = []
    levels: list[int] = []
    problems: list[Problem] = []
    chain = [*bases, path]
    for level, directory in enumerate(chain, start=-len(bases)):
        try:
            # An environment may hold no YAML of its own: only its settings and vars differ.
            found_files = config_files(
                directory, secret_files=secret_files, allow_empty=bool(bases)
            )
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        files += found_files
        levels += [level] * len(found_files)
        problems += [
            Problem(
                f"not read: sub-directories of a config directory are not config; move this"
                f" file into {directory} itself, or out of it",
                Location(str(unread), 1, 1),
            )
            for unread in unread_files(directory)
        ]
    if not files:
        return DesiredState(()), problems
    too_much = _over_total(path, files, limits)
    if too_much is not None:
        return DesiredState(()), [*problems, too_much]
    with gc_paused():
        state, found = assemble(
            [read_file(f, limits) for f in files],
            kinds,
            environ,
            levels=levels if bases else (),
            variables=variables,
            vars_where=vars_where,
        )
    return state, [*problems, *found]


def _over_total(path: Path, files: Sequence[Path], limits: Limits) -> Problem | None:
    """A problem when ``files`` hold more than ``limits.max_total_bytes`` together, else None.

    Sizes come from the file system: nothing is read. A file that cannot be stat'ed counts as
    empty here (reading it reports why), and so does one over the per-file cap (refused alone).
    """
    sizes = []
    for file in files:
        try:
            size = file.stat().st_size
        except OSError:
            size = 0
        # A file over the per-file cap is refused on its own, unread: it does not count.
        sizes.append(size if size <= limits.max_file_bytes else 0)
    total = sum(sizes)
    if total <= limits.max_total_bytes:
        return None
    largest = max(zip(sizes, files, strict=True))[1]
    return Problem(
        f"{path}: refused: its {len(files)} config file(s) hold {total:,} bytes together, more"
        f" than the limit of {limits.max_total_bytes:,} (the largest is {largest.name}); nothing"
        " was read. Split the configuration into several projects, or remove what is unused."
    )


def config_files(
    path: Path, *, secret_files: Collection[Path] = (), allow_empty: bool = False
) -> list[Path]:
    """The files a path names: itself, or a directory's ``*.yaml`` and ``*.yml`` by name.

    Hidden files (editor back-ups, ``.sandbox`` state) are not config. A credentials file named
    in the settings (``secret_files``) is never read as configuration, wherever it lives, so
    that no error can quote it. A name that is not a regular file (a FIFO, a device, a dangling
    or looping symbolic link, a directory) is an error naming it, never skipped in silence.
    Sub-directories are not read; :func:`unread_files` names the YAML files in them, so that
    they are reported.
    """
    # realpath, not resolve(): it does not raise on a symbolic link loop (reported below).
    secret = {os.path.realpath(p) for p in secret_files}
    if path.is_dir():
        files = sorted(
            (p for p in path.iterdir() if p.suffix in SUFFIXES and not p.name.startswith(".")),
            key=lambda p: p.name,
        )
        files = [p for p in files if os.path.realpath(p) not in secret]
        problems = [problem for p in files if (problem := _not_regular(p)) is not None]
        if problems:
            raise ConfigError(problems)
        if not files and not allow_empty:
            raise ConfigError(
                [Problem(f"{path}: no *.yaml or *.yml files here; is this the config directory?")]
            )
        return files
    if not path.exists() and not path.is_symlink():
        raise ConfigError([Problem(f"{path}: no such file or directory")])
    if os.path.realpath(path) in secret:
        raise ConfigError(
            [Problem(f"{path}: this is the credentials file the settings name, not configuration")]
        )
    problem = _not_regular(path)
    if problem is not None:
        raise ConfigError([problem])
    return [path]


def _not_regular(path: Path) -> Problem | None:
    """Why ``path`` cannot be read as a config file, or None if it is a regular file."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if path.is_symlink():
            why = "a symbolic link loop" if exc.errno == errno.ELOOP else "a dangling symbolic link"
        else:
            why = exc.strerror or "cannot be read"
        return Problem(f"cannot be read: {why}", Location(str(path), 1, 1))
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return Problem(f"cannot be read: {kind}, not a regular file", Location(str(path), 1, 1))


def identity_problem(kind: ResourceKind, identity: Any) -> str | None:
    """What is wrong with an identity by its kind's ``identity_schema``, or None."""
    rule = kind.identity_schema
    if not rule:
        return None
    if not isinstance(identity, str):
        return f"a {kind.identity} must be text, not {_shape(identity)}"
    limit = rule.get("maxLength")
    if isinstance(limit, int) and len(identity) > limit:
        return f"a {kind.identity} has at most {limit} characters, not {len(identity)}"
    pattern = rule.get("pattern")
    if isinstance(pattern, str) and _compiled(pattern).fullmatch(identity) is None:
        why = rule.get("description") or f"it must match {pattern}"
        return f"{identity!r} is not a valid {kind.identity}: {why}"
    return None


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """``re.compile``, kept: every identity of a kind is checked against one pattern."""
    return re.compile(pattern)


def _shape(value: Any) -> str:
    """What a value is, without quoting it."""
    if isinstance(value, str):
        return "plain text"
    if isinstance(value, list):
        return "a list"
    return "nothing" if value is None else f"a {type(value).__name__}"


def unread_files(path: Path) -> list[Path]:
    """YAML files in sub-directories of a config directory (hidden ones aside), sorted.

    They are not read, and are reported rather than silently skipped: a file moved into a
    sub-directory must not quietly drop its objects (and turn them into unmanaged ones).
    """
    if not path.is_dir():
        return []
    return sorted(
        f
        for sub in path.iterdir()
        if sub.is_dir() and not sub.name.startswith(".")
        for f in sub.rglob("*")
        if f.suffix in SUFFIXES
        and not any(part.startswith(".") for part in f.relative_to(path).parts)
        and f.is_file()
    )


@dataclass(frozen=True, slots=True)
class _Default:
    """One ``defaults:`` field, resolved once for every object that takes it."""

    value: Any
    entry: KeyEntry
    location: Location
    from_env: bool
    written: Any = None
    #: How messages name the entry's parent (``defaults``, ``defaults."group:x"``) and how the
    #: plan names the layer that set the value.
    prefix: str = DEFAULTS
    layer: str = DEFAULTS


class _Declared(NamedTuple):
    """One object as a file declares it, before defaults, references and the schema.

    A named tuple, not a dataclass: one is made per object, and a tuple is made faster.
    """

    kind: ResourceKind
    identity: str
    location: Location
    fields: dict[str, Any]
    tree: dict[str, KeyEntry]
    absent: bool
    #: The groups the object joins, in the order listed, with where each is named.
    groups: tuple[tuple[str, Location], ...] = ()
    #: For an object an overlay adds fields to: the file of each field, where not the object's.
    origins: dict[str, str] | None = None
    #: 0 for a directory's own files; the base a directory extends is -1, its base -2, ...
    level: int = 0


class _Locator:
    """Names and places the values of one object, for :meth:`KindSchema.check`.

    Without a declared object it places only ``defaults:`` entries.
    """

    __slots__ = ("declared", "defaults")

    def __init__(self, declared: _Declared | None, defaults: Mapping[str, _Default]) -> None:
        self.declared = declared
        self.defaults = defaults

    def __call__(self, path: Sequence[str | int], *, key: bool = False) -> tuple[str, Location]:
        declared = self.declared
        if not path and declared is not None:
            return f"{declared.kind.section}.{declared.identity}", declared.location
        name = str(path[0])
        if declared is not None and name in declared.tree:
            file = declared.location.file
            if declared.origins is not None:
                file = declared.origins.get(name, file)
            entry = declared.tree[name]
            shown = f"{declared.kind.section}.{declared.identity}.{name}"
        else:
            default = self.defaults[name]
            file = default.location.file
            entry = default.entry
            shown = f"{default.prefix}.{name}"
        shown += "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path[1:])
        kline, kcol, vline, vcol, tree = entry
        if key:
            return shown, Location(file, kline, kcol)
        span = span_at(tree, path[1:])
        line, col = (span[2], span[3]) if span is not None else (vline, vcol)
        return shown, Location(file, line, col)


class _Assembler:
    """Collects declarations file by file, then builds and checks the objects."""

    def __init__(
        self, kinds: Mapping[str, ResourceKind], environ: Mapping[str, str] | EnvAccess
    ) -> None:
        declarable = [kind for kind in kinds.values() if kind.declarable]
        self.sections = {kind.section: kind for kind in declarable}
        self.read_only_sections = {k.section: k for k in kinds.values() if not k.declarable}
        self.schemas = {kind.name: KindSchema(kind) for kind in declarable}
        #: ``kind.env_only``, a set computed on each access: once per kind here.
        self.env_only = {kind.name: kind.env_only for kind in declarable}
        self.environ = environ
        self.problems: list[Problem] = []
        self.defaults: dict[str, _Default] = {}
        self.declared: dict[tuple[str, str], _Declared] = {}
        #: Kinds whose section appears in some file, even an empty one.
        self.seen_kinds: set[str] = set()
        #: Values already reported (a bad tag, an unset variable): what the schema says about
        #: the same value would only repeat it.
        self.reported: set[Location | None] = set()
        #: Layers of ``defaults:``: address globs and named groups (see layers.py).
        self.layers = Layers()
        #: The level (see _Declared.level) of the file being read.
        self.level = 0
        #: The level each default, layer field and object was last set at: an overlay's value
        #: replaces its base's, while two files of one directory may not both set it.
        self.levels: dict[tuple[str, ...], int] = {}

    def problem(self, message: str, file: str, line: int, column: int) -> None:
        self.problems.append(Problem(message, Location(file, line, column)))

    # Reading files ---------------------------------------------------------------------------

    def add_file(self, parsed: ParsedFile, level: int = 0) -> None:
        self.level = level
        self.problems.extend(parsed.problems)
        self.reported.update(p.location for p in parsed.problems)
        if not parsed.complete:
            return
        name, content, tree = parsed.name, parsed.value, parsed.tree
        if content is None:
            self.problem(
                "the file is empty; declare a section such as"
                f" {self._section_names()} or delete the file",
                name,
                parsed.line,
                parsed.column,
            )
            return
        if not isinstance(content, dict) or not isinstance(tree, dict):
            self.problem(
                f"expected a mapping of sections ({self._section_names()}) at the top of the"
                # Not quoted: a file that is not config at all may be a secret (a .env file).
                f" file, got {_shape(content)}",
                name,
                parsed.line,
                parsed.column,
            )
            return
        for key, value in content.items():
            entry = tree[key]
            if key == DEFAULTS:
                self._add_defaults(name, value, entry)
            elif key in self.sections:
                self._add_section(name, self.sections[key], value, entry)
            elif key in self.read_only_sections:
                kind = self.read_only_sections[key]
                self.problem(
                    f"{key}: the {kind.name} objects are read from the service (plugin"
                    f" {kind.provider!r}), not declared; refer to one by its {kind.identity}"
                    " where a field takes it, and remove this section",
                    name,
                    entry[0],
                    entry[1],
                )
            else:
                hint = did_you_mean(key, [DEFAULTS, *self.sections])
                self.problem(
                    f"unknown section {key!r}{hint} (sections: {self._section_names()})",
                    name,
                    entry[0],
                    entry[1],
                )

    def _section_names(self) -> str:
        return ", ".join(f"'{s}:'" for s in [*sorted(self.sections), DEFAULTS])

    def _add_defaults(self, file: str, value: Any, entry: KeyEntry) -> None:
        if value is None:
            return
        tree = entry[4]
        if not isinstance(value, dict) or not isinstance(tree, dict):
            self.problem(
                f"{DEFAULTS}: expected a mapping of field to value, got {describe_value(value)}",
                file,
                entry[2],
                entry[3],
            )
            return
        for field, field_value in value.items():
            field_entry = tree[field]
            layered = layer_key(field)
            if layered is not None:
                self._add_layer(file, field, *layered, field_value, field_entry)
                continue
            self._add_default(file, field, field_value, field_entry, self.defaults)

    def _add_default(
        self,
        file: str,
        field: str,
        field_value: Any,
        field_entry: KeyEntry,
        into: dict[str, _Default],
        layer: Layer | None = None,
    ) -> None:
        """One field of the kind defaults, or of a layer's defaults (``into``)."""
        location = Location(file, field_entry[0], field_entry[1])
        prefix = DEFAULTS if layer is None else f'{DEFAULTS}."{layer.key}"'
        first = into.get(field)
        level_key = (prefix, field)
        if first is not None and self.levels.get(level_key, 0) >= self.level:
            self.problem(
                f"{prefix}.{field} is already set at {first.location}; set it in one place",
                file,
                location.line,
                location.column,
            )
            return
        self.levels[level_key] = self.level
        resolution = resolve(field_value, self.environ)
        default = _Default(
            _resolved_value(resolution),
            field_entry,
            location,
            resolution.from_env or bool(resolution.unset),
            field_value,
            prefix,
            DEFAULTS if layer is None else layer.label,
        )
        into[field] = default
        for failure in resolution.failures:
            shown, where = _Locator(None, {field: default})((field, *failure.path))
            self.problems.append(Problem(f"{shown}: {failure.message}", where))
            self.reported.add(where)

    def _add_layer(
        self, file: str, key: str, kind: str, name: str, value: Any, entry: KeyEntry
    ) -> None:
        """A glob's or a group's defaults: a mapping of field to value, like ``defaults:``."""
        kline, kcol, vline, vcol, tree = entry
        if not name:
            self.problem(
                f"{DEFAULTS}.{key}: a group needs a name (group:universities)", file, kline, kcol
            )
            return
        layer = self.layers.layer(kind, name, make_location(file, kline, kcol))
        if value is None:
            return
        if not isinstance(value, dict) or not isinstance(tree, dict):
            self.problem(
                f'{DEFAULTS}."{key}": expected a mapping of field to value, got'
                f" {describe_value(value)}",
                file,
                vline,
                vcol,
            )
            return
        for field, field_value in value.items():
            self._add_default(file, field, field_value, tree[field], layer.fields, layer)

    def _add_section(self, file: str, kind: ResourceKind, value: Any, entry: KeyEntry) -> None:
        self.seen_kinds.add(kind.name)
        if value is None:
            return
        tree = entry[4]
        if not isinstance(value, dict) or not isinstance(tree, dict):
            self.problem(
                f"{kind.section}: expected a mapping of {kind.identity} to fields, got"
                f" {describe_value(value)}",
                file,
                entry[2],
                entry[3],
            )
            return
        for identity, fields in value.items():
            kline, kcol, vline, vcol, fields_tree = tree[identity]
            address = f"{kind.section}.{identity}"
            location = make_location(file, kline, kcol)
            if not identity:
                self.problem(
                    f"{kind.section}: an empty {kind.identity}; name it", file, kline, kcol
                )
                continue
            wrong = identity_problem(kind, identity)
            if wrong is not None:
                self.problem(f"{address}: {wrong}", file, kline, kcol)
                continue
            first = self.declared.get((kind.name, identity))
            if first is not None and first.level < self.level and isinstance(fields, dict):
                # An overlay adds to (and overrides) its base's declaration of the object.
                self._overlay(first, file, location, fields, fields_tree)
                continue
            if first is not None:
                self.problem(
                    f"{address} is already declared at {first.location}; declare it once",
                    file,
                    kline,
                    kcol,
                )
                continue
            if not isinstance(fields, dict) or not isinstance(fields_tree, dict):
                self.problem(
                    f"{address}: expected a mapping of fields, got {describe_value(fields)}",
                    file,
                    vline,
                    vcol,
                )
                continue
            absent = self._absent(address, file, fields, fields_tree)
            if absent is None:
                continue
            if ABSENT in fields:
                fields = {k: v for k, v in fields.items() if k != ABSENT}
            groups: tuple[tuple[str, Location], ...] = ()
            # A kind with a field of that name keeps it: its objects join no group.
            if GROUP_FIELD in fields and GROUP_FIELD not in self.schemas[kind.name].properties:
                fields = dict(fields)
                groups = self._groups(address, file, fields.pop(GROUP_FIELD), fields_tree)
            self.declared[(kind.name, identity)] = _Declared(
                kind, identity, location, fields, fields_tree, absent, groups, None, self.level
            )

    def _groups(
        self, address: str, file: str, value: Any, tree: dict[str, KeyEntry]
    ) -> tuple[tuple[str, Location], ...]:
        """The groups an object joins, each with where it is named."""
        _, _, vline, vcol, items = tree[GROUP_FIELD]
        names, wrong = groups_of(value)
        if wrong is not None:
            self.problem(f"{address}.{wrong}", file, vline, vcol)
            return ()
        if isinstance(items, list):
            places = [(item[0], item[1]) for item in items]
        else:
            places = [(vline, vcol)] * len(names)
        return tuple(
            (name, Location(file, line, column))
            for name, (line, column) in zip(names, places, strict=True)
        )

    def _overlay(
        self,
        base: _Declared,
        file: str,
        location: Location,
        fields: dict[str, Any],
        tree: dict[str, KeyEntry],
    ) -> None:
        """An overlay's fields for an object its base declares: each replaces the base's."""
        kind = base.kind
        address = f"{kind.section}.{base.identity}"
        if not isinstance(tree, dict) or ABSENT in fields:
            absent = self._absent(address, file, fields, tree)
            if absent is None:
                return
            if absent:
                self.declared[(kind.name, base.identity)] = base._replace(
                    fields={},
                    tree=tree,
                    absent=True,
                    origins=None,
                    level=self.level,
                    location=location,
                )
                return
            fields = {k: v for k, v in fields.items() if k != ABSENT}
        # Fields the base wrote keep their base file; the object is now placed in the overlay.
        origins = dict(base.origins or {})
        for name in base.tree:
            origins.setdefault(name, base.location.file)
        merged_fields = dict(base.fields)
        merged_tree = dict(base.tree)
        groups = base.groups
        joins = GROUP_FIELD not in self.schemas[kind.name].properties
        for name, value in fields.items():
            if name == GROUP_FIELD and joins:
                groups = self._groups(address, file, value, tree)
                continue
            merged_fields[name] = value
            merged_tree[name] = tree[name]
            origins[name] = file
        self.declared[(kind.name, base.identity)] = base._replace(
            fields=merged_fields,
            tree=merged_tree,
            absent=False,  # an environment that declares fields keeps what its base tombstones
            groups=groups,
            origins=origins,
            level=self.level,
            location=location,
        )

    def _absent(
        self, address: str, file: str, fields: dict[str, Any], tree: dict[str, KeyEntry]
    ) -> bool | None:
        """Whether the object is a tombstone; ``None`` when the tombstone is malformed."""
        if ABSENT not in fields:
            return False
        flag = fields[ABSENT]
        _, _, vline, vcol, _ = tree[ABSENT]
        if not isinstance(flag, bool):
            self.problem(
                f"{address}.{ABSENT}: expected true or false, got {describe_value(flag)}",
                file,
                vline,
                vcol,
            )
            return None
        if not flag:
            return False
        others = [name for name in fields if name != ABSENT]
        for name in others:
            line, col = tree[name][0], tree[name][1]
            self.problem(
                f"{address}.{name}: a tombstone ({ABSENT}: true) takes no other fields;"
                " remove this one, or the tombstone",
                file,
                line,
                col,
            )
        return None if others else True

    # Building objects ------------------------------------------------------------------------

    def check_defaults(self) -> None:
        """Check each ``defaults:`` field once: some kind must take it, with this value.

        Objects that take the default report the same problems again; they are merged.
        """
        self._check_layer(self.defaults)
        for layer in self.layers.all():
            self._check_layer(layer.fields)

    def _check_layer(self, defaults: Mapping[str, _Default]) -> None:
        locate = _Locator(None, defaults)
        for field, default in defaults.items():
            takers = [schema for schema in self.schemas.values() if field in schema.properties]
            for schema in takers:
                if type(default.value) is Unset:
                    continue  # its value is not known in this run: nothing to check
                secret = default.from_env or field in schema.kind.write_only
                found = schema.check_field(field, default.value, locate, sensitive=secret)
                self.problems.extend(p for p in found if p.location not in self.reported)
            if takers:
                continue
            reasons = [
                reason
                for schema in self.schemas.values()
                if (reason := schema.name_problem(field)) is not None
                and not reason.startswith("is not a field")
            ]
            if reasons:
                message = f"{default.prefix}.{field} {reasons[0]}"
            else:
                known = {p for schema in self.schemas.values() for p in schema.properties}
                message = f"{default.prefix}.{field} is not a field of any kind" + did_you_mean(
                    field, known
                )
            self.problems.append(Problem(message, default.location))

    def build(self, declared: _Declared) -> DesiredObject:
        kind = declared.kind
        file = declared.location.file
        tree = declared.tree
        if declared.absent:
            if self.layers.globs:  # a glob that matches only tombstones is used
                self._defaults_of(declared._replace(groups=()))
            return DesiredObject(
                kind.name,
                declared.identity,
                {},
                declared.location,
                {ABSENT: Location(file, tree[ABSENT][0], tree[ABSENT][1])},
                absent=True,
            )
        schema = self.schemas[kind.name]
        fields = dict(declared.fields)
        locations: dict[str, Location] = {}
        sensitive: set[str] = set()
        templates: dict[str, Any] = {}
        defaults = self._defaults_of(declared) if self.layers or declared.groups else self.defaults
        locate = _Locator(declared, defaults)
        env_only = self.env_only[kind.name]
        origins = declared.origins
        for name, value in fields.items():
            entry = tree[name]
            where = file if origins is None else origins.get(name, file)
            locations[name] = make_location(where, entry[0], entry[1])
            if name in env_only:
                self._check_env_only(declared, name, value, locations[name])
            kind_of = type(value)
            if kind_of is str and "$" not in value:
                continue
            if kind_of is list and all(type(i) is str and "$" not in i for i in value):
                continue  # a list of plain strings (languages, say): nothing to resolve
            if isinstance(value, (str, list, dict)):
                resolution = resolve(value, self.environ)
                fields[name] = _resolved_value(resolution)
                if resolution.from_env or resolution.unset:
                    sensitive.add(name)
                    templates[name] = value
                for failure in resolution.failures:
                    shown, at = locate((name, *failure.path))
                    self.problems.append(Problem(f"{shown}: {failure.message}", at))
                    self.reported.add(at)
        layers: dict[str, str] = {}
        for name, default in defaults.items():
            if name not in fields and name in schema.properties:
                fields[name] = default.value
                locations[name] = default.location
                layers[name] = default.layer
                if default.from_env:
                    sensitive.add(name)
                    templates[name] = default.written
                elif name in env_only:
                    self._check_env_only(declared, name, None, default.location)
        sensitive.update(kind.write_only.intersection(fields))
        # A value whose variables are not set is not known in this run: not checked here.
        known = {k: v for k, v in fields.items() if type(v) is not Unset}
        if len(known) < len(fields):
            found = schema.check(known, locate, sensitive, unknown=fields.keys() - known.keys())
        else:
            found = schema.check(fields, locate, sensitive)
        if found:
            self.problems.extend(p for p in found if p.location not in self.reported)
        # Positional (absent=False): one per object, and keywords cost more.
        return DesiredObject(
            kind.name,
            declared.identity,
            fields,
            declared.location,
            locations,
            frozenset(sensitive),
            False,
            templates,
            layers or _NO_LAYERS,
        )

    def _defaults_of(self, declared: _Declared) -> dict[str, _Default]:
        """The defaults an object takes, its layers merged in order (see layers.py)."""
        kind = declared.kind
        merged, problems = self.layers.merged(
            self.defaults,
            f"{kind.name}.{declared.identity}",
            f"{kind.section}.{declared.identity}",
            declared.groups,
        )
        self.problems.extend(problems)
        return merged

    def check_layers_used(self) -> None:
        self.problems.extend(self.layers.unused_globs())

    def _check_env_only(
        self, declared: _Declared, name: str, value: Any, location: Location
    ) -> None:
        """A write-only, create-only value (a first password) must be ``${env:NAME}`` alone."""
        if isinstance(value, str) and _WHOLE_ENV.fullmatch(value):
            return
        kind = declared.kind
        self.problems.append(
            Problem(
                f"{kind.section}.{declared.identity}.{name}: a {name} is a secret and may only"
                f" be read from the environment: write {name}: ${{env:SOME_VARIABLE}} and"
                " export that variable, never the value itself.",
                location,
                kind.provider,
            )
        )
        # Whatever else is wrong with the value must not repeat it in a message.
        self.reported.add(location)


def _resolved_value(resolution: Resolution) -> Any:
    """The value, or an :class:`Unset` naming the variables it still needs."""
    if resolution.unset:
        return Unset(tuple(sorted(resolution.unset)))
    return resolution.value


def desired_state(
    parsed: Sequence[ParsedFile],
    kinds: Mapping[str, ResourceKind],
    environ: Mapping[str, str] | EnvAccess,
) -> DesiredState:
    """Assemble parsed files (in the order given) into a desired state, or raise every problem."""
    state, problems = assemble(parsed, kinds, environ)
    if problems:
        raise ConfigError(problems)
    return state


def assemble(
    parsed: Sequence[ParsedFile],
    kinds: Mapping[str, ResourceKind],
    environ: Mapping[str, str] | EnvAccess,
    *,
    levels: Sequence[int] = (),
    variables: Mapping[str, Any] | None = None,
    vars_where: str = "",
) -> tuple[DesiredState, list[Problem]]:
    """The desired state of the objects without problems, and every problem, in file order.

    ``levels`` gives each file's level when a directory extends a base (0 for its own files,
    -1 for its base's, ...: a higher level's value replaces a lower one's); ``variables`` are
    the values of ``${var:NAME}`` (``None``: no vars file), ``vars_where`` names their files.
    """
    assembler = _Assembler(kinds, environ)
    for index, file in enumerate(parsed):
        # ${var:NAME} first, on each file's own values, located in it.
        file = substitute_file(file, variables, vars_where)
        assembler.add_file(file, levels[index] if levels else 0)
    assembler.check_defaults()
    objects = []
    for declared in assembler.declared.values():
        before = len(assembler.problems)
        built = assembler.build(declared)
        if len(assembler.problems) == before:
            objects.append(built)
    assembler.check_layers_used()
    order = {file.name: index for index, file in enumerate(parsed)}
    objects.sort(key=lambda o: (o.kind, o.identity))
    state = DesiredState(
        tuple(objects), tuple(file.name for file in parsed), frozenset(assembler.seen_kinds)
    )
    return state, _in_file_order(assembler.problems, order)


def _in_file_order(problems: Sequence[Problem], order: Mapping[str, int]) -> list[Problem]:
    """Problems without repeats (a bad default shows once), by file, line and column."""

    def key(problem: Problem) -> tuple[int, int, int]:
        where = problem.location
        if where is None:
            return (len(order), 0, 0)
        return (order.get(where.file, len(order)), where.line, where.column)

    return sorted(dict.fromkeys(problems), key=key)
