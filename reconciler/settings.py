"""The project settings file, ``reconciler.toml``, beside the YAML of a config directory.

::

    [providers.proctorexam]          # handed to the provider as ProviderContext.options
    base_url = "https://acme.proctorexam.com/api/v3"

    [apply]
    parallelism = 4                  # concurrent changes (and requests) at most

    [safety]
    allow_delete = false             # tombstones are refused unless this or --allow-delete
    max_change_share = 0.5           # refuse a plan touching more than half the live objects

    [plugins]
    local = ["policies/reminders.py"]   # paths relative to this file
    disable = ["some-plugin"]

    [ignore]                         # see reconciler.ignoring
    objects = ["institute.legacy-*"]
    [ignore.fields]
    "institute.*" = ["callback_url"]

Secrets never live here: credentials come from the environment or a file a provider's table
names. Every key is checked, so that a typo is an error rather than a setting silently ignored.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import SettingsError
from reconciler.ignoring import NO_RULES, IgnoreRules, parse_ignore

__all__ = ["SETTINGS_FILE", "Settings", "load_settings"]

SETTINGS_FILE = "reconciler.toml"

_KNOWN: Mapping[str, frozenset[str]] = {
    "providers": frozenset(),  # free-form: each provider checks its own table
    "apply": frozenset({"parallelism"}),
    "safety": frozenset({"allow_delete", "max_change_share"}),
    "plugins": frozenset({"local", "disable"}),
    "ignore": frozenset(),  # checked, with locations, by reconciler.ignoring
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Project settings with their defaults; ``base_dir`` anchors relative paths."""

    base_dir: Path = Path()
    providers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    parallelism: int = 4
    allow_delete: bool = False
    max_change_share: float | None = None
    local_plugins: tuple[Path, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    ignore: IgnoreRules = NO_RULES
    source: Path | None = None

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
    """Read ``reconciler.toml`` from the config directory (or beside a single config file).

    No file means the defaults. A malformed file or a wrong key is a SettingsError naming it.
    """
    base_dir = config_path if config_path.is_dir() else config_path.parent
    path = base_dir / SETTINGS_FILE
    if not path.is_file():
        return Settings(base_dir=base_dir)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    for table, value in data.items():
        if table not in _KNOWN:
            raise SettingsError(
                f"{path}: unknown table [{table}]; expected one of {', '.join(sorted(_KNOWN))}."
            )
        if not isinstance(value, dict):
            raise SettingsError(f"{path}: {table} must be a table ([{table}]).")
        unknown = set(value) - _KNOWN[table] if _KNOWN[table] else set()
        if unknown:
            raise SettingsError(
                f"{path}: unknown key(s) {', '.join(sorted(unknown))} in [{table}];"
                f" expected {', '.join(sorted(_KNOWN[table]))}."
            )
    apply = data.get("apply", {})
    safety = data.get("safety", {})
    plugins = data.get("plugins", {})
    providers = data.get("providers", {})
    if not all(isinstance(v, dict) for v in providers.values()):
        raise SettingsError(f"{path}: each provider needs its own table, e.g. [providers.NAME].")
    parallelism = _typed(path, "apply.parallelism", apply.get("parallelism", 4), int)
    if parallelism < 1:
        raise SettingsError(f"{path}: apply.parallelism must be at least 1, not {parallelism}.")
    share = safety.get("max_change_share")
    if share is not None:
        share = float(_typed(path, "safety.max_change_share", share, (int, float)))
        if not 0 < share <= 1:
            raise SettingsError(f"{path}: safety.max_change_share must be in (0, 1], not {share}.")
    local = _typed(path, "plugins.local", plugins.get("local", []), list)
    disable = _typed(path, "plugins.disable", plugins.get("disable", []), list)
    return Settings(
        base_dir=base_dir,
        providers=providers,
        parallelism=parallelism,
        allow_delete=_typed(path, "safety.allow_delete", safety.get("allow_delete", False), bool),
        max_change_share=share,
        local_plugins=tuple(base_dir / str(p) for p in local),
        disabled_plugins=tuple(str(name) for name in disable),
        ignore=parse_ignore(data["ignore"], path, text) if "ignore" in data else NO_RULES,
        source=path,
    )


def _typed(path: Path, key: str, value: Any, expected: type | tuple[type, ...]) -> Any:
    # bool is an int in Python: a `parallelism = true` must not pass as 1.
    if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
        names = expected.__name__ if isinstance(expected, type) else "a number"
        raise SettingsError(f"{path}: {key} must be {names}, not {value!r}.")
    return value
