"""ARCHITECTURE.md stays true: every path it names exists, and the import contract names every
part of the core that a plugin must not import."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
#: A path in backticks or in the floors' picture: a folder (ending in /) or a file with a suffix.
_PATH = re.compile(r"(?<![\w./-])((?:[\w.-]+/)+(?:[\w.-]+\.(?:py|md|toml|json|yaml|yml))?)")
#: What a plugin may import from the core.
PUBLIC = {"reconciler.testing", "reconciler.http"}


def named_paths(text: str) -> set[str]:
    return {m.group(1) for m in _PATH.finditer(text) if not m.group(1).startswith(("http", "//"))}


def test_every_path_the_map_names_exists() -> None:
    paths = named_paths(ARCHITECTURE.read_text(encoding="utf-8"))
    assert len(paths) > 40  # the map names the files; a broken pattern would find none
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == [], f"ARCHITECTURE.md names paths that do not exist: {missing}"


def test_the_readme_points_to_the_map() -> None:
    development = (ROOT / "README.md").read_text(encoding="utf-8").split("## Development", 1)[1]
    assert "ARCHITECTURE.md" in development


def test_the_plugin_contract_forbids_every_other_part_of_the_core() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (plugins,) = [
        c
        for c in contracts
        if c.get("source_modules") == ["reconciler_proctorexam", "reconciler_reports"]
    ]
    core = {
        f"reconciler.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "reconciler").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert set(plugins["forbidden_modules"]) == core - PUBLIC
