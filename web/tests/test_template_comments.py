"""Django's {# … #} comment is one line only: one spread over two lines is printed on the page as
text (the dashboard showed "{# Only the bars are drawn in SVG …" to supervisors). Longer comments
use {% comment %}."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_template_has_a_one_line_comment_spread_over_lines():
    found = []
    for path in ROOT.glob("*/templates/**/*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2 :]
                if "#}" not in rest:
                    found.append(f"{path.relative_to(ROOT)}:{number}")
                    break
                rest = rest[rest.index("#}") + 2 :]
    assert not found, found


def test_the_dashboard_prints_no_template_comment(client, users):
    client.force_login(users["supervisor"])
    page = client.get("/supervisor/dashboard").content.decode()
    assert "{#" not in page and "#}" not in page
