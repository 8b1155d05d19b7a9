"""The structure's figures, for a checkout: modules per folder, the largest module and function,
and the places that read another library's private parts.

    python scripts/measure_structure.py [CHECKOUT]      # default: this one

Radon measures each function's cyclomatic complexity and length. A *private reach* is one of:

- an import of a module whose name has a part starting with ``_`` from another distribution
  (``from yaml._yaml import CParser``);
- a read of an attribute named ``_x`` (not ``__x__``) on anything but ``self``, ``cls`` or
  ``super()`` (``pool._network_backend``), also when spelled ``getattr(obj, "_x")``. This counts
  the checkout's own objects too (``self.client._call`` from another module): a private part
  read across an object's boundary is a reach, whoever owns it;
- a string naming another distribution's private module (``"anyio._backends._asyncio"``);
- a class of the checkout that derives from uvicorn's HTTP protocol classes (which uvicorn does
  not export), or from ``uvicorn.Server`` overriding its loop (``_KNOWN_OVERRIDES``).

Attributes that a namedtuple documents with a leading ``_`` (``_replace``) are public.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path

from radon.complexity import cc_visit

OURS = ("reconciler", "reconciler_proctorexam", "reconciler_reports")
TREES = ("reconciler", "plugins")
#: uvicorn.Server's loop methods: not documented for overriding.
_KNOWN_OVERRIDES = {"main_loop", "shutdown", "startup", "on_tick"}
#: Public despite the underscore: namedtuple's documented methods.
_DOCUMENTED = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}
_PRIVATE_MODULE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\._[a-z0-9_]+")


def python_files(root: Path) -> list[Path]:
    return sorted(
        p for tree in TREES for p in (root / tree).rglob("*.py") if "__pycache__" not in p.parts
    )


def _foreign(module: str) -> bool:
    return module.split(".")[0] not in (*OURS, "__future__")


def private_reaches(files: list[Path], root: Path) -> list[str]:
    found: list[str] = []
    for path in files:
        tree = ast.parse(path.read_text())
        where = path.relative_to(root)
        protocols = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("uvicorn.protocols")
            for alias in node.names
        }
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.ImportFrom) and node.module and _foreign(node.module):
                if any(part.startswith("_") for part in node.module.split(".")):
                    found.append(f"{where}:{line}: imports {node.module}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if _foreign(alias.name) and any(p.startswith("_") for p in parts):
                        found.append(f"{where}:{line}: imports {alias.name}")
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                name = node.attr
                base = node.value
                if not name.startswith("_") or name.startswith("__") or name in _DOCUMENTED:
                    continue
                if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                    continue
                if isinstance(base, ast.Call) and getattr(base.func, "id", "") == "super":
                    continue
                found.append(f"{where}:{line}: reads .{name}")
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("getattr",):
                if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                    name = node.args[1].value
                    if isinstance(name, str) and name.startswith("_") and not name.startswith("__"):
                        found.append(f"{where}:{line}: getattr(..., {name!r})")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if _PRIVATE_MODULE.match(text) and _foreign(text) and " " not in text:
                    found.append(f"{where}:{line}: names {text}")
            elif isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                if any(b in protocols for b in bases):
                    found.append(f"{where}:{node.lineno}: subclasses uvicorn's {bases[-1]}")
                if any(b.split(".")[0] in ("uvicorn",) for b in bases):
                    for item in node.body:
                        if (
                            isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                            and item.name in _KNOWN_OVERRIDES
                        ):
                            found.append(f"{where}:{item.lineno}: overrides {bases[0]}.{item.name}")
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else ".").resolve()
    files = python_files(root)
    per_folder = Counter(str(p.parent.relative_to(root)) for p in files)
    print("Modules per folder:")
    for folder, count in sorted(per_folder.items()):
        print(f"  {count:4}  {folder}/")
    print(f"  {len(files):4}  in all")
    sizes = sorted(((len(p.read_text().splitlines()), p) for p in files), reverse=True)
    print("Largest modules (lines):")
    for lines, path in sizes[:3]:
        print(f"  {lines:5}  {path.relative_to(root)}")
    blocks = []
    for path in files:
        for block in cc_visit(path.read_text()):
            if type(block).__name__ != "Function":
                continue  # a class's span is not a function's
            length = block.endline - block.lineno + 1
            blocks.append((block.complexity, length, f"{path.relative_to(root)}:{block.fullname}"))
    print("Most complex functions (radon cyclomatic complexity, lines):")
    for complexity, length, name in sorted(blocks, reverse=True)[:3]:
        print(f"  {complexity:4}  {length:4}  {name}")
    print("Longest functions (lines, complexity):")
    for complexity, length, name in sorted(blocks, key=lambda b: b[1], reverse=True)[:3]:
        print(f"  {length:4}  {complexity:4}  {name}")
    reaches = private_reaches(files, root)
    print(f"Private reaches (into other libraries, and across objects): {len(reaches)}")
    for reach in reaches:
        print(f"  {reach}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
