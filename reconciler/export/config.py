"""The YAML files of an ``export`` directory, read and written with ruamel.yaml's round trip.

Comments, key order, quoting, flow style and each file's own indentation survive a read and a
write; ``null`` is written out, as a new export writes it. :mod:`reconciler.export.merge` edits
what :func:`read_config` reads.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from reconciler.errors import SettingsError

__all__ = ["Config", "ConfigFile", "dump", "has_config", "read_config"]

_SUFFIXES: Final = (".yaml", ".yml")


@dataclass(slots=True)
class ConfigFile:
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
    files: list[ConfigFile] = field(default_factory=list)


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
        config.files.append(ConfigFile(path, data, indent or 2, offset or 0))
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


def dump(file: ConfigFile) -> str:
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
