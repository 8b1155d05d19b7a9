"""The toolkit's public surface: what ``__all__`` names exists and is documented, and the
toolkit imports no command line, no plugin, and nothing of the core but its exported names."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import reconciler.http

TOOLKIT = Path(reconciler.http.__file__).parent


def test_every_exported_name_exists_and_is_documented() -> None:
    for name in reconciler.http.__all__:
        value = getattr(reconciler.http, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__doc__, name


def imported_by(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


#: The core's vocabulary, below the toolkit's floor (the layers contract in pyproject.toml).
VOCABULARY = {"reconciler.errors", "reconciler.records", "reconciler.fastjson"}
VOCABULARY |= {"reconciler.waiting", "reconciler.speedups"}


def test_the_toolkit_imports_only_the_vocabulary_and_no_command_line_or_plugin() -> None:
    for path in sorted(TOOLKIT.glob("*.py")):
        for name in imported_by(path):
            top = name.split(".")[0]
            assert top not in ("click", "rich", "reconciler_proctorexam"), (path.name, name)
            if top == "reconciler":
                assert name.startswith("reconciler.http") or name in VOCABULARY, (path, name)
