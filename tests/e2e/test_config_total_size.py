"""A config directory has a total size cap besides the per-file one, checked before reading."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reconciler.loading.limits import Limits
from reconciler.testing import CliResult

Run = Callable[..., CliResult]


def test_files_each_under_the_file_cap_but_too_large_together_are_refused_unread(
    tmp_path: Path, run_reconciler: Run
) -> None:
    limits = Limits()
    config = tmp_path / "config"
    config.mkdir()
    per_file = limits.max_file_bytes - 100_000
    count = limits.max_total_bytes // per_file + 1
    for index in range(count):
        with (config / f"part{index:02}.yaml").open("wb") as handle:
            handle.write(b"institutes: {")  # sparse, and never valid: it must not be read
            handle.truncate(per_file)
    assert per_file < limits.max_file_bytes
    result = run_reconciler("validate", str(config))
    assert result.exit_code == 1
    total = count * per_file
    assert (
        f"{config}: refused: its {count} config file(s) hold {total:,} bytes together, more"
        f" than the limit of {limits.max_total_bytes:,}"
    ) in result.stderr
    assert "nothing was read" in result.stderr
    assert "part00.yaml:" not in result.stderr  # no file was parsed


def test_a_directory_within_the_total_is_read(
    write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    path = write_config({f"p{i}.yaml": f"institutes:\n  i{i}: {{name: I{i}}}\n" for i in range(5)})
    assert run_reconciler("validate", str(path)).exit_code == 0
