"""The README's command table names every flag, above all those the shipped pipelines use.

A flag a workflow passes but the table leaves out (``--allow-delete`` once) sends a reader to
``--help`` in the middle of a pipeline change; the table is where the README promises them.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from ruamel.yaml import YAML

from reconciler.cli.app import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
WORKFLOWS = sorted((ROOT / "examples" / "github-actions").glob("*.yml"))
#: Commands of the core whose every option the table lists (the sandbox's many fault options
#: are listed by its ``--help``, as its row says).
LISTED = ("validate", "plan", "apply", "drift", "doctor", "snapshot", "export")


def table_rows() -> dict[str, str]:
    """Each command's rows of the README's command table, joined."""
    rows: dict[str, str] = {}
    for line in README.splitlines():
        found = re.match(r"\| `reconciler ([a-z-]+)", line)
        if found:
            rows[found.group(1)] = rows.get(found.group(1), "") + line
    return rows


def global_options() -> str:
    """The README's sentence on the options every command takes."""
    start = README.index("Every command takes")
    return README[start : README.index("\n\n", start)]


def words_of(text: str) -> list[str]:
    """Shell words; a quote left open (a command named inside an ``echo "…"``) ends them."""
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split('"')[0].split()


def pipeline_flags() -> set[tuple[str, str]]:
    """``(command, flag)`` for every flag on a ``reconciler`` line of a shipped workflow or of
    a README shell example."""
    scripts = []
    for path in WORKFLOWS:
        document = YAML(typ="safe").load(path.read_text("utf-8"))
        for job in document["jobs"].values():
            scripts += [step.get("run", "") for step in job["steps"]]
    scripts += re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    used: set[tuple[str, str]] = set()
    for script in scripts:
        text = script.replace("\\\n", " ")
        for line in text.splitlines():
            for found in re.finditer(r"\breconciler ((?:-[-\w]+ )*)([a-z]+)\b([^|;&#>]*)", line):
                words = found.group(1).split() + words_of(found.group(3))
                used |= {(found.group(2), w.split("=")[0]) for w in words if w.startswith("--")}
        # Flags gathered in a bash array before the command line (``flags+=(--no-local-plugins)``).
        for extra in re.findall(r"flags\+=\(([^)]*)\)", text):
            commands = re.findall(r"\breconciler ([a-z]+)\b[^\n]*\"\$\{flags\[@\]\}\"", text)
            used |= {(c, w) for c in commands for w in extra.split()}
    return used


def test_the_pipelines_use_flags_that_are_found() -> None:
    used = pipeline_flags()
    # The scan sees what the workflows pass: a scan that finds nothing checks nothing.
    for expected in [("plan", "--out"), ("plan", "--live"), ("validate", "--no-local-plugins")]:
        assert expected in used


def test_every_flag_a_pipeline_uses_is_in_the_command_table() -> None:
    rows, everywhere = table_rows(), global_options()
    missing = sorted(
        f"reconciler {command} {flag}"
        for command, flag in pipeline_flags()
        if command in rows and f"`{flag}" not in everywhere and flag not in rows[command]
    )
    assert not missing, f"not in the README's command table: {missing}"


@pytest.mark.parametrize("name", LISTED)
def test_the_command_table_lists_every_option(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    everywhere = global_options()
    # Options every command takes (-v, --log-level, …) are the group's: documented once.
    shared = {flag for param in cli.params for flag in param.opts}
    options = [
        flag
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden
        for flag in param.opts
        if flag.startswith("--") and flag != "--help" and flag not in shared
    ]
    missing = [o for o in options if o not in table_rows()[name] and f"`{o}" not in everywhere]
    assert not missing, f"reconciler {name}: {missing} not in the README's command table"


def test_allow_delete_is_listed_where_plans_take_it() -> None:
    rows = table_rows()
    assert "[--allow-delete[=ADDRESS]]" in rows["plan"]
    assert "[--allow-delete[=ADDRESS]]" in rows["apply"]


def test_the_options_every_command_takes_are_in_one_sentence() -> None:
    everywhere = global_options()
    for param in cli.params:
        if isinstance(param, click.Option) and param.name not in {"version", "help", "config"}:
            assert any(f"`{flag}" in everywhere for flag in param.opts), param.opts
