"""The project settings file, ``reconciler.toml``, beside the YAML of a config directory.

::

    [providers.proctorexam]          # handed to the provider as ProviderContext.options
    base_url = "https://acme.proctorexam.com/api/v3"

    [apply]
    parallelism = 4                  # concurrent changes (and requests) at most
    journal = ".reconciler/journal"  # the apply journal's directory (see reconciler.journal)

    [safety]
    allow_delete = false             # tombstones are refused unless this or --allow-delete
    max_change_share = 0.5           # refuse a plan touching more than half the live objects

    [plugins]
    local = ["policies/reminders.py"]   # paths relative to this file
    disable = ["some-plugin"]

    [plugins.reminders]              # a plugin's own settings, checked by its schema
    fields = ["reminder_emails_enabled"]

    [ignore]                         # see reconciler.ignoring
    objects = ["institute.legacy-*"]
    [ignore.fields]
    "institute.*" = ["callback_url"]

Secrets never live here: credentials come from the environment or a file a provider's table
names. Every key is checked, so that a typo is an error rather than a setting silently ignored.
Every problem is collected, located as ``reconciler.toml:LINE:COL``: :func:`read_settings`
returns them with the settings (so that ``validate`` reports them beside the YAML's), and
:func:`load_settings` raises them all at once. The tables of providers and plugins are checked
against their owners' schemas once the plugins are loaded (:mod:`reconciler.options`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import SettingsError
from reconciler.ignoring import NO_RULES, IgnoreRules, parse_ignore
from reconciler.model import Location
from reconciler.records import Problem
from reconciler.tomllines import KeyLines, key_lines, locate
from reconciler.validation import did_you_mean

__all__ = ["SETTINGS_FILE", "Settings", "load_settings", "read_settings"]

SETTINGS_FILE = "reconciler.toml"

#: The core's tables and their keys. ``providers`` and ``plugins`` also hold one sub-table per
#: provider or plugin, checked against that owner's schema once the plugins are loaded.
_KNOWN: Mapping[str, frozenset[str]] = {
    "providers": frozenset(),
    "apply": frozenset({"parallelism", "journal"}),
    "safety": frozenset({"allow_delete", "max_change_share"}),
    "plugins": frozenset({"local", "disable"}),
    "ignore": frozenset(),  # checked, with locations, by reconciler.ignoring
}
_SUB_TABLES = frozenset({"providers", "plugins"})
_CHECKED_ELSEWHERE = frozenset({"ignore"})


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
    max_change_share: float | None = None
    local_plugins: tuple[Path, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    ignore: IgnoreRules = NO_RULES
    source: Path | None = None
    plugin_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    key_lines: KeyLines = field(default_factory=dict, repr=False)

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
    share = reader.typed(safety, ("safety", "max_change_share"), None, (int, float))
    if share is not None:
        share = float(share)
        if not 0 < share <= 1:
            reader.problem(("safety", "max_change_share"), f"must be in (0, 1], not {share}")
            share = None
    ignore = NO_RULES
    if "ignore" in data:
        ignore, found = parse_ignore(data["ignore"], path, text)
        reader.problems += found
    journal = reader.typed(apply, ("apply", "journal"), None, str)
    local = reader.strings(plugins, ("plugins", "local"))
    disable = reader.strings(plugins, ("plugins", "disable"))
    settings = Settings(
        base_dir=base_dir,
        providers=providers,
        parallelism=parallelism,
        journal=base_dir / Path(journal).expanduser() if journal else None,
        allow_delete=reader.typed(safety, ("safety", "allow_delete"), False, bool),
        max_change_share=share,
        local_plugins=tuple(base_dir / p for p in local),
        disabled_plugins=tuple(disable),
        ignore=ignore,
        source=path,
        plugin_settings={k: v for k, v in plugins.items() if isinstance(v, dict)},
        key_lines=reader.lines,
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
            if table not in _KNOWN:
                line, column = locate(self.lines, (table,))
                self.problems.append(
                    Problem(
                        f"unknown table [{table}]{did_you_mean(table, _KNOWN)} (tables:"
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

    def strings(self, table: Mapping[str, Any], key: tuple[str, str]) -> list[str]:
        value = table.get(key[1], [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, f"must be a list of strings, not {value!r}")
            return []
        return value
