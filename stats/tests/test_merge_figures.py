"""并单 in the figures: a merged problem counts once for the departments, every reporter's rating
counts for satisfaction; the listener and a rebuild agree."""

from django.db.models import Sum

from cases import merging, services
from stats.models import CaseFact, StatRow
from stats.selectors import _rates
from tests.support.data import case_in

from .test_listener import assert_listener_equals_rebuild, complete


class _Filters:
    def query(self, **kwargs) -> str:
        return ""


def totals():
    columns = [
        "received",
        "accepted",
        "completed",
        "resolved",
        "on_time",
        "merged",
        "rated",
        "co_rated",
        "co_basically",
    ]
    return StatRow.objects.filter(grain="d").aggregate(**{c: Sum(c) for c in columns})


def test_a_merged_problem_counts_once_and_every_reporters_rating_counts(users):
    parent = case_in("handling", users)
    child = case_in("accepted", users, phone="13600001111")
    merging.merge(child, into=parent, by=users["intake"])
    merging.follow(parent, phone="13900005678")
    assert CaseFact.objects.get(pk=child.pk).merged
    assert not CaseFact.objects.get(pk=child.pk).accepted
    parent.refresh_from_db()
    complete(parent, users)
    parent.refresh_from_db()
    services.rate(parent, score="satisfied", phone_last4="1111")  # the merged case's reporter: the move
    parent.refresh_from_db()
    services.rate(parent, score="basically_satisfied", phone_last4="5678")  # a co-reporter: counted
    parent.refresh_from_db()
    services.rate(parent, score="satisfied", phone_last4=parent.phone[-4:])  # the parent's own reporter
    t = totals()
    assert (t["received"], t["accepted"], t["completed"], t["resolved"], t["merged"]) == (2, 1, 1, 1, 1)
    assert (t["rated"], t["co_rated"], t["co_basically"]) == (1, 2, 1)
    assert_listener_equals_rebuild()
    rates = {
        r.key: r
        for r in _rates({**t, "responded": 2, "satisfied": 1, "basically": 0, "co_satisfied": 1}, _Filters())
    }
    assert rates["satisfaction"].denominator == 3
    assert rates["resolution"].numerator == rates["resolution"].denominator == 1


def test_unmerging_puts_the_case_back_in_the_departments_figures(users):
    parent = case_in("accepted", users)
    child = case_in("accepted", users)
    merging.merge(child, into=parent, by=users["intake"])
    child.refresh_from_db()
    merging.unmerge(child, by=users["intake"], reason="不是同一件事")
    assert totals()["merged"] == 0 and totals()["accepted"] == 2
    assert_listener_equals_rebuild()


def test_the_dashboard_has_a_merged_line_and_says_how_merged_cases_count(client, users):
    parent = case_in("accepted", users)
    child = case_in("accepted", users)
    merging.merge(child, into=parent, by=users["intake"])
    client.force_login(users["supervisor"])
    page = client.get("/supervisor/dashboard").content.decode()
    assert "metric=merged" in page and "每位反映人的评价各计一次" in page
    listed = client.get("/supervisor/cases?metric=merged")
    assert listed.status_code == 200 and child.number in listed.content.decode()
    assert parent.number not in listed.content.decode()
