"""One state machine: which moves a user may make, and what a stage means, is asked of
cases.workflow; no other module decides on a case's state itself."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# `case.state == "closed"`, `case.state in (...)`, `.state != State.X`, `.state not in OPEN_STATES`.
DECISION = re.compile(r"\.state\s*(==|!=|\bin\b|\bnot\s+in\b)")
OWNER = ROOT / "cases" / "workflow.py"


def sources() -> list[Path]:
    skip = {".venv", "migrations", "tests", "node_modules", "bench", "var"}
    found = []
    for path in ROOT.rglob("*"):
        if path.suffix not in (".py", ".html") or skip.intersection(path.relative_to(ROOT).parts):
            continue
        found.append(path)
    return found


def test_no_module_but_the_workflow_decides_on_a_cases_state():
    offenders = []
    for path in sources():
        if path == OWNER:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DECISION.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "ask cases.workflow (can, allowed_actions, is_open …) instead:\n" + "\n".join(
        offenders
    )


def test_the_check_would_catch_a_decision_in_python_and_in_a_template():
    for line in (
        "if case.state == State.COMPLETED:",
        "ok = case.state in (State.DISPATCHED, State.HANDLING)",
        "if case.state not in OPEN_STATES:",
        '{% if progress.case.state != "closed" %}',
    ):
        assert DECISION.search(line), line
    assert not DECISION.search('"state": case.state,')
