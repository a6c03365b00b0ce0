"""Open311 publishes no resident's exact position (issue 26, item 2): positions are rounded to three
decimals (about 110 m), and never published for a category about the resident's home."""

import xml.etree.ElementTree as ET

import pytest

from cases.models import Category
from tests.support.data import case_in

BASE = "/open311/v2"
EXACT = {"lat": "31.0123456", "long": "109.5304449"}


def in_category(users, code: str, state: str = "accepted"):
    return case_in(state, users, category=Category.objects.get(code=code), **EXACT)


def test_a_public_space_position_is_published_rounded_to_three_decimals(client, users):
    case = in_category(users, "municipal")
    for path in (f"{BASE}/requests.json", f"{BASE}/requests/{case.number}.json"):
        response = client.get(path)
        [data] = response.json()
        assert (data["lat"], data["long"]) == (31.012, 109.53)
        assert b"31.0123" not in response.content and b"109.5304" not in response.content
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert (root.findtext("request/lat"), root.findtext("request/long")) == ("31.012", "109.53")


@pytest.mark.parametrize("code", ["infrastructure", "utilities", "property", "noise", "other"])
def test_a_home_category_never_publishes_a_position(client, users, code):
    case = in_category(users, code)
    for path in (f"{BASE}/requests.json", f"{BASE}/requests/{case.number}.json"):
        response = client.get(path)
        [data] = response.json()
        assert "lat" not in data and "long" not in data
        assert b"31.01" not in response.content and b"109.53" not in response.content
    for path in (f"{BASE}/requests.xml", f"{BASE}/requests/{case.number}.xml"):
        content = client.get(path).content
        assert b"<lat>" not in content and b"31.01" not in content


def test_the_exact_position_is_still_stored_for_staff(users):
    case = in_category(users, "infrastructure")
    case.refresh_from_db()
    assert (str(case.lat), str(case.long)) == ("31.012346", "109.530445")
