"""The project settings file, ``reconciler.toml``, beside the YAML of a config directory.

::

    [providers.proctorexam]          # handed to the provider as ProviderContext.options
    base_url = "https://acme.proctorexam.com/api/v3"

    [apply]
    parallelism = 4                  # concurrent changes (and requests) at most
    journal = ".reconciler/journal"  # the apply journal's directory (see reconciler.engine.journal)

    [safety]                         # see reconciler.settings.safety
    allow_delete = false             # tombstones are refused unless this or --allow-delete
    max_change_share = 0.3           # refuse a plan changing more of a kind's live objects
    [safety.institute]               # one kind's own limits
    max_changes = 50

    [plugins]
    local = ["policies/reminders.py"]   # paths relative to this file
    disable = ["some-plugin"]

    [plugins.reminders]              # a plugin's own settings, checked by its schema
    fields = ["reminder_emails_enabled"]

    [env]                            # optional: the only variables ${env:NAME} may read
    allow = ["PE_*"]

    [ignore]                         # see reconciler.settings.ignoring
    objects = ["institute.legacy-*"]
    [ignore.fields]
    "institute.*" = ["callback_url"]

    [scope]                          # see reconciler.settings.ownership
    objects = ["institute.uni-*"]
    [drift]
    unmanaged = "report"

An environment's settings may also say, before any table, which directory it extends and where
its ``${var:NAME}`` values are (see :mod:`reconciler.settings.environments`)::

    extends = "../base"
    vars = "vars.yaml"

Secrets never live here: credentials come from the environment or a file a provider's table
names. Every key is checked, so that a typo is an error rather than a setting silently ignored.
Every problem is collected, located as ``reconciler.toml:LINE:COL``: :func:`read_settings`
returns them with the settings (so that ``validate`` reports them beside the YAML's), and
:func:`load_settings` raises them all at once. The tables of providers and plugins are checked
against their owners' schemas once the plugins are loaded (:mod:`reconciler.settings.options`).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import SettingsError
from reconciler.loading.validation import did_you_mean
from reconciler.model import Location
from reconciler.records import Problem
from reconciler.settings.ignoring import NO_RULES, IgnoreRules, parse_ignore
from reconciler.settings.ownership import Ownership, parse_ownership
from reconciler.settings.safety import LIMIT_KEYS, SAFETY_KEYS, SafetySettings, read_safety
from reconciler.settings.tomllines import KeyLines, key_lines, locate

__all__ = ["SETTINGS_FILE", "Settings", "load_settings", "read_settings"]

SETTINGS_FILE = "reconciler.toml"

#: The core's tables and their keys. ``providers`` and ``plugins`` also hold one sub-table per
#: provider or plugin, checked against that owner's schema once the plugins are loaded.
_KNOWN: Mapping[str, frozenset[str]] = {
    "providers": frozenset(),
    "apply": frozenset({"parallelism", "journal"}),
    "safety": SAFETY_KEYS,
    "plugins": frozenset({"local", "disable"}),
    "ignore": frozenset(),  # checked, with locations, by reconciler.settings.ignoring
    "env": frozenset({"allow"}),
    "scope": frozenset(),  # checked, with locations, by reconciler.settings.ownership
    "drift": frozenset(),  # likewise
}
_SUB_TABLES = frozenset({"providers", "plugins", "safety"})
_CHECKED_ELSEWHERE = frozenset({"ignore", "scope", "drift"})
#: Keys written before any table: paths, relative to the settings file.
_TOP_KEYS = frozenset({"extends", "vars"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Project settings with their defaults; ``base_dir`` anchors relative paths.

    ``providers`` and ``plugin_settings`` hold the ``[providers.<name>]`` and
    ``[plugins.<name>]`` tables by name; ``key_lines`` places every key of the file.
    """

    base_dir: Path = Path()
    providers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    parallelism: int = 4
    journal: Path | None = None
    allow_delete: bool = False
    safety: SafetySettings = field(default_factory=SafetySettings)
    local_plugins: tuple[Path, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    ignore: IgnoreRules = NO_RULES
    source: Path | None = None
    plugin_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    key_lines: KeyLines = field(default_factory=dict, repr=False)
    #: ``[env] allow``: globs of the only variables ``${env:NAME}`` may read; None: any.
    env_allow: tuple[str, ...] | None = None
    #: The base directory this one extends, and the vars file of ``${var:NAME}``, if any.
    extends: Path | None = None
    vars_file: Path | None = None
    ownership: Ownership = field(default_factory=Ownership)

    def locate(self, *path: str) -> Location:
        """Where the key ``path`` (``"providers", "proctorexam", "timeout"``) is written."""
        line, column = locate(self.key_lines, path)
        return Location(str(self.source or SETTINGS_FILE), line, column)

    @property
    def secret_files(self) -> tuple[Path, ...]:
        """Files a provider's ``credentials_file`` names: never read as configuration."""
        named = (table.get("credentials_file") for table in self.providers.values())
        return tuple(
            (self.base_dir / Path(name).expanduser()).resolve()
            for name in named
            if isinstance(name, str) and name
        )


def load_settings(config_path: Path) -> Settings:
    """The settings beside ``config_path``; every problem at once as a SettingsError."""
    settings, problems = read_settings(config_path)
    if problems:
        raise SettingsError("\n".join(["problems in the project settings:", *map(str, problems)]))
    return settings


def read_settings(config_path: Path) -> tuple[Settings, list[Problem]]:
    """Read ``reconciler.toml`` from the config directory (or beside a single config file).

    No file means the defaults. Returns the settings (a wrong value replaced by its default)
    and every problem found, each located in the file.
    """
    base_dir = config_path if config_path.is_dir() else config_path.parent
    path = base_dir / SETTINGS_FILE
    if not path.is_file():
        return Settings(base_dir=base_dir), []
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.14 has exc.lineno; before it, the position is only in the message.
        at = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(at.group(1)), int(at.group(2))) if at else (1, 1)
        message = str(exc).split(" (at ")[0]
        where = Location(str(path), line, column)
        return Settings(base_dir=base_dir, source=path), [
            Problem(f"not valid TOML: {message}; the settings were not read", where)
        ]
    except UnicodeDecodeError as exc:
        where = Location(str(path), 1, 1)
        return Settings(base_dir=base_dir, source=path), [Problem(f"not UTF-8 text: {exc}", where)]
    reader = _Reader(path, key_lines(text))
    reader.check_tables(data)
    apply = _table(data, "apply")
    safety = _table(data, "safety")
    plugins = _table(data, "plugins")
    providers = {
        name: table for name, table in _table(data, "providers").items() if isinstance(table, dict)
    }
    parallelism = reader.typed(apply, ("apply", "parallelism"), 4, int)
    if parallelism < 1:
        reader.problem(("apply", "parallelism"), f"must be at least 1, not {parallelism}")
        parallelism = 4
    limits = read_safety(safety, reader.problem)
    ignore = NO_RULES
    if "ignore" in data:
        ignore, found = parse_ignore(data["ignore"], path, text)
        reader.problems += found
    env = _table(data, "env")
    env_allow = tuple(reader.strings(env, ("env", "allow"))) if "allow" in env else None
    ownership, found = parse_ownership(data, path, text)
    reader.problems += found
    extends = reader.path_key(data, "extends", base_dir)
    vars_file = reader.path_key(data, "vars", base_dir)
    journal = reader.typed(apply, ("apply", "journal"), None, str)
    local = reader.strings(plugins, ("plugins", "local"))
    disable = reader.strings(plugins, ("plugins", "disable"))
    settings = Settings(
        base_dir=base_dir,
        providers=providers,
        parallelism=parallelism,
        journal=base_dir / Path(journal).expanduser() if journal else None,
        allow_delete=reader.typed(safety, ("safety", "allow_delete"), False, bool),
        safety=limits,
        local_plugins=tuple(base_dir / p for p in local),
        disabled_plugins=tuple(disable),
        ignore=ignore,
        source=path,
        plugin_settings={k: v for k, v in plugins.items() if isinstance(v, dict)},
        key_lines=reader.lines,
        env_allow=env_allow,
        extends=extends,
        vars_file=vars_file,
        ownership=ownership,
    )
    return settings, sorted(reader.problems, key=lambda p: p.location or Location("", 0, 0))


def _table(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    return value if isinstance(value, dict) else {}


class _Reader:
    """Checks the values of one settings file, collecting located problems."""

    def __init__(self, path: Path, lines: KeyLines) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []

    def problem(self, key: tuple[str, ...], message: str) -> None:
        line, column = locate(self.lines, key)
        shown = ".".join(key)
        self.problems.append(Problem(f"{shown} {message}", Location(str(self.path), line, column)))

    def check_tables(self, data: Mapping[str, Any]) -> None:
        for table, value in data.items():
            if table in _TOP_KEYS:
                continue
            if table not in _KNOWN:
                line, column = locate(self.lines, (table,))
                hint = did_you_mean(table, [*_KNOWN, *_TOP_KEYS])
                self.problems.append(
                    Problem(
                        f"unknown table [{table}]{hint} (tables:"
                        f" {', '.join(f'[{t}]' for t in sorted(_KNOWN))})",
                        Location(str(self.path), line, column),
                    )
                )
                continue
            if not isinstance(value, dict):
                self.problem((table,), f"must be a table ([{table}]), not a value")
                continue
            if table in _CHECKED_ELSEWHERE:
                continue
            for key, item in value.items():
                if table == "safety" and isinstance(item, dict):
                    self.check_limits(key, item)  # [safety.KIND]: its kind is checked on load
                    continue
                if table in _SUB_TABLES and isinstance(item, dict):
                    continue  # [providers.NAME] or [plugins.NAME]: checked by its owner
                if key in _KNOWN[table]:
                    continue
                if table == "providers":
                    self.problem(
                        (table, key), "is not a table; each provider has its own [providers.NAME]"
                    )
                    continue
                expected = ", ".join(sorted(_KNOWN[table]))
                self.problem(
                    (table, key),
                    f"is not a setting{did_you_mean(key, _KNOWN[table])} (under [{table}]:"
                    f" {expected})",
                )

    def check_limits(self, kind: str, table: Mapping[str, Any]) -> None:
        for key in table:
            if key not in LIMIT_KEYS:
                self.problem(
                    ("safety", kind, key),
                    f"is not a setting{did_you_mean(key, LIMIT_KEYS)} (under [safety.{kind}]:"
                    f" {', '.join(sorted(LIMIT_KEYS))})",
                )

    def typed(
        self,
        table: Mapping[str, Any],
        key: tuple[str, str],
        default: Any,
        expected: type | tuple[type, ...],
    ) -> Any:
        value = table.get(key[1], default)
        if value is default:
            return value
        # bool is an int in Python: a `parallelism = true` must not pass as 1.
        if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            names = (
                "a whole number"
                if expected is int
                else "true or false"
                if expected is bool
                else "a text (a path)"
                if expected is str
                else "a number"
            )
            self.problem(key, f"must be {names}, not {value!r}")
            return default
        return value

    def path_key(self, data: Mapping[str, Any], key: str, base_dir: Path) -> Path | None:
        """A top-level path (``extends``, ``vars``), relative to the settings file."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.problem((key,), f"must be a path (text), not {value!r}")
            return None
        # Normalised, so that messages say base/x.yaml rather than staging/../base/x.yaml.
        return Path(os.path.normpath(base_dir / value))

    def strings(self, table: Mapping[str, Any], key: tuple[str, str]) -> list[str]:
        value = table.get(key[1], [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, f"must be a list of strings, not {value!r}")
            return []
        return value
