"""``plan DIR...`` and ``drift DIR...`` over the sandbox: one summary, the worst exit code,
one listing per tenant, and overlapping directories refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Aim = Callable[..., Sandbox]

SEED = [
    {"name": "Uni A", "short_name": "uni-a"},
    {"name": "Biz X", "short_name": "biz-x"},
    {"name": "Lab L", "short_name": "lab-l"},
]


def _directory(root: Path, name: str, scope: str, institutes: str, settings: str = "") -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "reconciler.toml").write_text(
        f'[scope]\nobjects = ["{scope}"]\n{settings}', encoding="utf-8"
    )
    (directory / "institutes.yaml").write_text(institutes, encoding="utf-8")
    return directory


def _table(out: str) -> list[list[str]]:
    lines = out.split("Summary of ", 1)[1].splitlines()[2:]
    return [line.split() for line in lines if line and not line[0].isdigit()]


def test_exit_codes_are_the_worst_and_a_tenant_is_listed_once(
    tmp_path: Path, aimed_at: Aim, run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    clean = _directory(
        tmp_path, "clean", "institute.uni-*", "institutes:\n  uni-a: {name: Uni A}\n"
    )
    changed = _directory(
        tmp_path, "changed", "institute.biz-*", "institutes:\n  biz-x: {name: Biz Renamed}\n"
    )
    broken = _directory(tmp_path, "broken", "institute.lab-*", "institutes:\n  lab-l: {nme: L}\n")
    sandbox.clear_requests()
    result = run_reconciler("plan", str(clean), str(changed), "--detailed-exitcode")
    assert result.exit_code == 2, result.stdout + result.stderr
    listings = [r for r in sandbox.requests if r.method == "GET" and r.path.endswith("/institutes")]
    assert len({r.query for r in listings}) == len(listings)  # each page read once: one listing
    out = result.stdout
    assert f"=== {clean} ({sandbox.base_url}) ===" in out
    assert "~ institute.biz-x" in out
    assert out.index("Summary of plan") > out.index("~ institute.biz-x")  # text: table last
    assert _table(out) == [
        [str(clean), sandbox.base_url, "0", "0", "0", "0"],
        [str(changed), sandbox.base_url, "0", "1", "0", "2"],
    ]
    assert "2 directories; exit code 2 (the worst)." in out
    # Without --detailed-exitcode a plan with changes exits 0, as alone; an error is worst.
    result = run_reconciler("plan", str(clean), str(changed), str(broken))
    assert result.exit_code == 1
    rows = _table(result.stdout)
    assert rows[1][-1] == "0"
    assert rows[2][:2] == [str(broken), "-"]
    assert rows[2][-2:] == ["1", "error"]
    assert f"{broken}/institutes.yaml:2:11: institutes.lab-l.nme" in result.stdout
    # Drift: the worst of 0 and 2.
    result = run_reconciler("drift", str(clean), str(changed), "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["exit_code"] == 2
    assert [(d["directory"], d["counts"], d["exit_code"]) for d in doc["directories"]] == [
        (str(clean), {"changed": 0, "missing": 0, "present": 0, "unmanaged": 0}, 0),
        (str(changed), {"changed": 1, "missing": 0, "present": 0, "unmanaged": 0}, 2),
    ]
    assert doc["directories"][1]["drift"]["objects"][0]["address"] == "institute.biz-x"


def test_two_directories_declaring_one_object_of_a_tenant_are_both_errors(
    tmp_path: Path, aimed_at: Aim, run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    one = _directory(tmp_path, "one", "institute.*", "institutes:\n  uni-a: {name: Uni A}\n")
    two = _directory(
        tmp_path, "two", "institute.uni-*", "# also ours\ninstitutes:\n  uni-a: {name: Uni A}\n"
    )
    # Alone, each is fine.
    assert run_reconciler("drift", str(one), "--only-managed").exit_code == 0
    result = run_reconciler("drift", str(one), str(two))
    assert result.exit_code == 1
    message = (
        f"institute.uni-a is declared by both {one} (at {one}/institutes.yaml:2:3) and {two}"
        f" (at {two}/institutes.yaml:3:3), which share the tenant {sandbox.base_url}; an"
        " object belongs to one directory"
    )
    assert result.stdout.count(message) == 2
    assert [row[-2:] for row in _table(result.stdout)] == [["1", "error"], ["1", "error"]]


def test_markdown_and_html_give_the_table_first_and_different_tenants_are_apart(
    tmp_path: Path,
    aimed_at: Aim,
    run_reconciler: Run,
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = aimed_at(seed=SEED)
    second = proctorexam_sandbox_factory(seed=[{"name": "Other", "short_name": "uni-a"}])
    monkeypatch.delenv("PROCTOREXAM_BASE_URL")  # each directory names its own tenant
    a = _directory(
        tmp_path,
        "a",
        "institute.*",
        "institutes:\n  uni-a: {name: Uni A}\n",
        f'[providers.proctorexam]\nbase_url = "{first.base_url}"\n',
    )
    b = _directory(
        tmp_path,
        "b",
        "institute.*",
        "institutes:\n  uni-a: {name: Uni A}\n",
        f'[providers.proctorexam]\nbase_url = "{second.base_url}"\n',
    )
    result = run_reconciler("plan", str(a), str(b), "--format", "markdown")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.startswith("### reconciler plan: 2 directories\n\n| directory | tenant | create |")
    assert f"| `{a}` | {first.base_url} | 0 | 0 | 0 | 0 |  |" in out
    assert f"| `{b}` | {second.base_url} | 0 | 1 | 0 | 0 |  |" in out
    assert out.index("| `") < out.index(f"#### `{a}`") < out.index(f"#### `{b}`")
    page = run_reconciler("drift", str(a), str(b), "--format", "html").stdout
    assert page.index('<table class="summary">') < page.index(f"<h2>{a}</h2>")
    assert page.count("<html") == 1
    assert page.count("<body>") == 1
    # A tenant that cannot be reached is an error in its row; the others still run.
    down = _directory(
        tmp_path,
        "down",
        "institute.*",
        "institutes:\n  uni-a: {name: Uni A}\n",
        '[providers.proctorexam]\nbase_url = "http://127.0.0.1:9/api/v3"\nmax_retries = 0\n',
    )
    result = run_reconciler("drift", str(a), str(down), str(b))
    assert result.exit_code == 1
    assert [row[-1] for row in _table(result.stdout)] == ["0", "error", "2"]
