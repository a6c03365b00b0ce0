"""`make manual`: docs/manual/build.py prints the manual to an A4 PDF in Chromium."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def test_the_manual_builds_to_an_a4_pdf_with_every_chapter(tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    out = tmp_path / "manual.pdf"
    subprocess.run(
        [sys.executable, str(ROOT / "docs" / "manual" / "build.py"), "--out", str(out)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    chapters = len(list((ROOT / "docs" / "manual").glob("[0-9][0-9]-*.md")))
    assert pages > 2 * chapters, f"only {pages} pages"  # a cover, the index, each chapter on its own pages
    assert re.search(rb"MediaBox \[0 0 59[45][.0-9]* 84[12][.0-9]*\]", pdf), "A4 pages"
    html = out.with_suffix(".html").read_text()
    assert html.count('<section class="chapter"') == chapters + 1
    assert html.count("<img") == len(list((ROOT / "docs" / "manual" / "img").glob("*.png")))


def test_a_missing_picture_stops_the_build(tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    (tmp_path / "README.md").write_text("# 索引\n", encoding="utf-8")
    (tmp_path / "01-test.md").write_text("# 测试\n\n![没有的图](img/nothing.png)\n", encoding="utf-8")
    out = tmp_path / "out" / "manual.pdf"
    built = subprocess.run(
        [
            sys.executable,
            str(ROOT / "docs" / "manual" / "build.py"),
            "--source",
            str(tmp_path),
            "--out",
            str(out),
        ],
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert built.returncode != 0 and "did not load" in built.stderr
    assert not out.exists()
