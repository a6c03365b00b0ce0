import sys


def pytest_terminal_summary(terminalreporter):
    """Say how much the fuzz tests sent, when they ran."""
    fuzz = sys.modules.get("tests.security.test_fuzz_api")
    if fuzz is not None and fuzz.SENT["requests"]:
        terminalreporter.write_line(
            f"fuzz: {fuzz.SENT['requests']} requests to {len(fuzz.SENT['operations'])} operations "
            f"(at most {fuzz.MAX_EXAMPLES} generated examples per operation and mode)"
        )
