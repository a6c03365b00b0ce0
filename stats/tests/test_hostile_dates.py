"""Dates in year 1 or 9999 on every page and API that takes a period (issue 26, item 5): a clear 400
in the caller's format, not a 500 from the arithmetic on them."""

import pytest

PAGES = [
    "/supervisor/dashboard",
    "/supervisor/cases",
    "/supervisor/cases.csv",
    "/staff/supervision/access-log",
]
FIELDS = {"/staff/supervision/access-log": ("start", "end")}
DATES = ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("day", DATES)
def test_a_page_refuses_a_date_outside_2000_to_2100(client, users, path, day):
    client.force_login(users["supervisor"])
    start, end = FIELDS.get(path, ("from", "to"))
    for params in ({start: day}, {end: day}, {start: day, end: day}):
        response = client.get(path, params)
        assert response.status_code == 400, (path, params)
        if not path.endswith(".csv"):
            assert "2000" in response.content.decode() and "2100" in response.content.decode()


@pytest.mark.parametrize("day", DATES)
def test_the_stats_api_refuses_a_date_outside_2000_to_2100(client, token_for, day):
    for params in ({"from": day}, {"to": day}):
        response = client.get("/api/v1/stats", params, headers=token_for("supervisor"))
        assert response.status_code in (400, 422), params
        assert "2000" in response.json()["detail"]


def test_a_huge_desk_number_in_the_case_list_is_a_400(client, users):
    client.force_login(users["supervisor"])
    assert client.get("/supervisor/cases", {"desk": "9" * 20}).status_code == 400
