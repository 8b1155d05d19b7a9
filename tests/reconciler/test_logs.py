"""``-v``/``--log-level``: accepted before and after the command name, and they set the level."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult

Run = Callable[..., CliResult]

#: A local plugin that logs once at each level while the config is validated.
CHATTY = """
import logging

from reconciler import hookimpl

log = logging.getLogger("chatty")


@hookimpl
def reconciler_validate(state, kinds):
    log.debug("debug-line")
    log.info("info-line")
    log.warning("warning-line")
    return []
"""


@pytest.fixture
def chatty(write_config: Callable[..., Path]) -> Path:
    return write_config(
        {
            "institutes.yaml": "institutes:\n  pe: {name: PE}\n",
            "chatty.py": CHATTY,
            "reconciler.toml": '[plugins]\nlocal = ["chatty.py"]\n',
        }
    )


@pytest.mark.parametrize(
    ("flags", "shown", "hidden"),
    [
        ((), ["warning-line"], ["info-line", "debug-line"]),
        (("-v",), ["warning-line", "info-line"], ["debug-line"]),
        (("-vv",), ["warning-line", "info-line", "debug-line"], []),
        (("-v", "-v"), ["debug-line"], []),
        (("--log-level", "debug"), ["debug-line"], []),
        (("--log-level", "ERROR", "-vv"), [], ["warning-line", "info-line", "debug-line"]),
    ],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_verbosity_sets_the_level_before_or_after_the_command(
    run_reconciler: Run,
    chatty: Path,
    flags: tuple[str, ...],
    shown: list[str],
    hidden: list[str],
    where: str,
) -> None:
    args = (
        [*flags, "validate", str(chatty)]
        if where == "before"
        else ["validate", str(chatty), *flags]
    )
    result = run_reconciler(*args)
    assert result.exit_code == 0, result.stderr
    for line in shown:
        assert line in result.stderr
    for line in hidden:
        assert line not in result.stderr
    assert "-line" not in result.stdout  # logs never mix into results


def test_counts_add_up_across_both_positions(run_reconciler: Run, chatty: Path) -> None:
    result = run_reconciler("-v", "validate", str(chatty), "-v")
    assert "debug-line" in result.stderr


def test_no_color_after_the_command_name(run_reconciler: Run, chatty: Path) -> None:
    assert run_reconciler("validate", str(chatty), "--no-color").exit_code == 0


def test_an_unknown_level_is_a_usage_error(run_reconciler: Run, chatty: Path) -> None:
    result = run_reconciler("validate", str(chatty), "--log-level", "loud")
    assert result.exit_code == 1
    assert "loud" in result.stderr


def test_a_run_leaves_no_handler_behind(run_reconciler: Run, chatty: Path) -> None:
    import logging

    before = list(logging.getLogger().handlers)
    run_reconciler("-vv", "validate", str(chatty))
    assert logging.getLogger().handlers == before


def test_request_logs_of_httpx_stay_muted_at_any_verbosity() -> None:
    import logging

    from reconciler import logs

    logs.configure(2)
    try:
        assert logging.getLogger("reconciler_proctorexam.client").isEnabledFor(logging.DEBUG)
        # httpx would log each full URL, signature included, at INFO.
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert not logging.getLogger("httpcore").isEnabledFor(logging.DEBUG)
    finally:
        logs.reset()
