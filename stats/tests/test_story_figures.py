"""The story's population: 1,200 cases in half a year; the dashboard and the API show its figures."""

from stats.models import StatRow

from .conftest import STORY_PERIOD as PERIOD


def test_the_api_gives_the_story_figures_with_numerators_and_denominators(client, story, token_for):
    response = client.get(f"/api/v1/stats?{PERIOD}", headers=token_for("supervisor"))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["counts"]["received"] == 1200
    inclusion = data["inclusion"]
    assert inclusion["elderly_share_of_online"] | {"definition": ""} == {
        "numerator": 60,
        "denominator": 600,
        "value": 0.1,
        "definition": "",
    }
    assert (
        inclusion["elderly_offline_share"]["numerator"],
        inclusion["elderly_offline_share"]["denominator"],
    ) == (240, 300)
    assert inclusion["elderly_offline_share"]["value"] == 0.8
    assert inclusion["elderly_share"]["value"] == 0.25
    rate = data["service"]["satisfaction_rate"]
    assert (rate["numerator"], rate["denominator"], rate["value"]) == (880, 1000, 0.88)


def test_story_counts_are_exact(client, story, token_for):
    data = client.get(f"/api/v1/stats?{PERIOD}", headers=token_for("supervisor")).json()
    counts = data["counts"]
    assert counts["received"] == 1200
    assert counts["accepted"] == counts["completed"] == 1100
    assert counts["rated"] == 1000
    assert (counts["satisfied"], counts["basically"], counts["dissatisfied"]) == (700, 200, 100)
    assert counts["reopened"] == 100
    service = data["service"]
    assert service["answers"]["satisfied"] | {"definition": ""} == {
        "numerator": 700,
        "denominator": 1000,
        "value": 0.7,
        "definition": "",
    }
    assert service["satisfaction_rate"]["numerator"] == 880
    assert service["satisfaction_rate"]["value"] == 0.88
    assert (service["response_rate"]["numerator"], service["response_rate"]["denominator"]) == (1100, 1200)
    # 1,000 resolved: 900 rated 满意/基本满意 and closed, 100 completed and waiting for a rating.
    assert (service["resolution_rate"]["numerator"], service["resolution_rate"]["denominator"]) == (
        1000,
        1100,
    )
    assert service["on_time_rate"]["value"] == 1.0
    by_channel = {row["code"]: row["count"] for row in data["volume"]["by_channel"]}
    assert by_channel == {"online": 600, "help_desk": 270, "phone": 180, "walk_in": 150}
    assert sum(p["received"] for p in data["volume"]["series"]) == 1200
    assert [p["from"] for p in data["volume"]["series"]][:2] == ["2026-01-01", "2026-02-01"]


def test_the_page_shows_ten_eighty_and_seventy_percent(supervisor_client, story):
    response = supervisor_client.get(f"/supervisor/dashboard?{PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    for figure in ("10.0%", "80.0%", "70.0%", "88.0%", "1,200"):
        assert figure in html, figure


def test_every_rate_links_to_the_cases_it_counts(supervisor_client, story):
    response = supervisor_client.get(f"/supervisor/cases?{PERIOD}&metric=satisfied")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 700
    response = supervisor_client.get(f"/supervisor/cases?{PERIOD}&age=60_plus&offline=1")
    assert response.context["page"].paginator.count == 240
    response = supervisor_client.get(f"/supervisor/cases?{PERIOD}&age=60_plus&channel=online")
    assert response.context["page"].paginator.count == 60


def test_a_year_reads_monthly_rows_for_whole_months(story):
    assert StatRow.objects.filter(grain="m").count() < StatRow.objects.filter(grain="d").count()
