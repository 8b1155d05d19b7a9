"""The HTML drift report as a person sees it: rendered by a real headless Chromium.

Chromium prints the page to PDF, and the text it laid out is read back: an object hidden by
CSS, clipped or never rendered would be missing. ``.ci/run`` installs Debian's ``chromium``;
elsewhere the test is skipped when no Chromium is installed (never under CI).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult

Run = Callable[..., CliResult]

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)


def laid_out_text(page: Path, work: Path) -> str:
    """The text Chromium lays out for ``page``, whitespace removed (lines may wrap anywhere)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    pypdf = pytest.importorskip("pypdf")
    pdf = work / f"{page.stem}.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={work / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = "".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages)
    return re.sub(r"\s+", "", text)


def test_every_drifted_object_is_visible_in_chromium(
    example: tuple[Path, object],
    drifted: dict[str, list[str]],
    run_reconciler: Run,
    tmp_path: Path,
) -> None:
    path, _ = example
    (path / "institutes.yaml").write_text(
        (path / "institutes.yaml")
        .read_text()
        .replace("name: Eindhoven University of Technology", "name: <script>alert(1)</script>")
    )
    page = tmp_path / "drift.html"
    result = run_reconciler("drift", str(path), "--format", "html", "--output", str(page))
    assert result.exit_code == 2, result.stderr
    text = laid_out_text(page, tmp_path)
    drifted["changed"].append("institute.tue")
    for address in (a for addresses in drifted.values() for a in addresses):
        assert address in text, f"{address} is not visible in the rendered page"
    assert "Drift:3changed,1missing,1present,1unmanaged." in text
    assert "<script>alert(1)</script>" in text  # shown as text, not run


def test_the_check_sees_what_css_hides(tmp_path: Path) -> None:
    page = tmp_path / "control.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>institute.shown</p>"
        '<p style="display:none">institute.hidden</p></body></html>'
    )
    text = laid_out_text(page, tmp_path)
    assert "institute.shown" in text
    assert "institute.hidden" not in text
