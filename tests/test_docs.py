"""The documentation stands on its own: a short README, no link that leaves the repository or points
nowhere, and the workflow table as the code has it."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted(ROOT.glob("*/eval/README.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    suffixes = {".py", ".md", ".html", ".toml", ".txt", ".css", ".js", ".conf", ".template", ".service"}
    return [ROOT / name for name in names.split() if Path(name).suffix in suffixes]


def test_the_readme_is_a_front_door():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250
    text = "\n".join(lines)
    assert "make run" in text and "make test" in text


def test_nothing_points_outside_the_repository():
    # The founders' guides sit beside the repository, not in it: the project must stand alone.
    needle = ".." + "/shared"
    outside = [
        str(path.relative_to(ROOT))
        for path in tracked_text_files()
        if path.exists() and needle in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert not outside


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file(doc):
    missing = []
    for target, _anchor in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        if not (doc.parent / target).resolve().exists():
            missing.append(target)
        elif not (doc.parent / target).resolve().is_relative_to(ROOT):
            missing.append(f"{target} (outside the repository)")
    assert not missing


def test_the_moves_table_lists_exactly_the_workflows_moves():
    from cases.workflow import TRANSITIONS

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("### Moves", 1)[1].split("\n\n")
    rows = next(block for block in table if block.startswith("| action"))
    documented = re.findall(r"^\| `([a-z_]+)` \|", rows, re.M)
    assert sorted(documented) == sorted(str(action) for action in TRANSITIONS)
