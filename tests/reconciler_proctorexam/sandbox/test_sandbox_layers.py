"""The sandbox's modules import each other without a circle, and the sandbox and the client
never import each other: the sandbox checks the client against a reading of its own.

Every import counts, at any depth of a module: those made only for type checking and those
made inside a function too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import reconciler_proctorexam

PLUGIN = Path(reconciler_proctorexam.__file__).parent
PACKAGE = "reconciler_proctorexam"
SANDBOX = f"{PACKAGE}.sandbox"
#: Where the plugin is wired together: the only modules outside the sandbox that may start one.
WIRING = {f"{PACKAGE}.plugin", f"{PACKAGE}.testing"}


def _name(path: Path) -> str:
    parts = path.relative_to(PLUGIN.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(path): path for path in PLUGIN.rglob("*.py")}


def _imports(module: str) -> set[str]:
    """Every module of this plugin that ``module`` imports, anywhere in its text."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in MODULES and name != module}


def _in_sandbox(module: str) -> bool:
    return module == SANDBOX or module.startswith(SANDBOX + ".")


def test_the_sandbox_imports_nothing_of_the_client() -> None:
    reached = {
        (module, imported)
        for module in MODULES
        if _in_sandbox(module)
        for imported in _imports(module)
        if not _in_sandbox(imported) and imported != PACKAGE
    }
    assert reached == set()


def test_the_client_imports_nothing_of_the_sandbox() -> None:
    reached = {
        (module, imported)
        for module in MODULES
        if not _in_sandbox(module) and module not in WIRING
        for imported in _imports(module)
        if _in_sandbox(imported)
    }
    assert reached == set()


def test_the_sandbox_modules_import_each_other_without_a_circle() -> None:
    graph = {
        module: {m for m in _imports(module) if _in_sandbox(m)}
        for module in MODULES
        if _in_sandbox(module)
    }
    circles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            circles.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert circles == []


def test_the_layer_check_sees_imports_at_any_depth() -> None:
    # user_routes reaches the API through calls.Api; a function-local import would count too.
    assert f"{SANDBOX}.calls" in _imports(f"{SANDBOX}.user_routes")
    assert f"{SANDBOX}.server" in _imports(f"{SANDBOX}.command")  # imported inside a function
