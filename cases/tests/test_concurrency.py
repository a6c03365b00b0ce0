"""Real threads against PostgreSQL: numbers never shared, one winner per move, one rating per completion.

SQLite is not covered with threads here: the test database pytest-django builds for SQLite is an
in-memory, shared-cache database, where concurrent writers fail with "database table is locked"
(shared-cache locking ignores busy_timeout and BEGIN IMMEDIATE), which says nothing about the real
file database with WAL and IMMEDIATE transactions. Serialisation on SQLite comes from that single
writer lock; on PostgreSQL it rests on our row locks and compare-and-swap, which is what is tested.
"""

import threading

import pytest
from django.db import connection

from cases import idempotency, services
from cases.errors import Conflict, InvalidMove
from cases.models import Case, CaseEvent, DailyCounter, Rating, SubmissionKey
from tests.support.data import case_in, submit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://...): SQLite's in-memory test database "
        "cannot host concurrent writers",
    ),
]


def _run_together(count: int, work) -> list:
    """Run work(i) in `count` threads released at the same moment; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_twenty_simultaneous_submissions_get_twenty_distinct_gap_free_numbers(users):
    results = _run_together(20, lambda i: submit(description=f"第{i}号诉求").number)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    day = results[0][:8]
    assert sorted(results) == [f"{day}-{n:04d}" for n in range(1, 21)]
    assert Case.objects.count() == 20


def test_two_officers_accepting_the_same_case_at_once_one_wins(users):
    number = submit().number
    results = _run_together(
        2, lambda i: services.accept(Case.objects.get(number=number), by=users["intake"]).pk
    )
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if not isinstance(r, int)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], Conflict | InvalidMove), results
    case = Case.objects.get(number=number)
    assert (case.state, case.version) == ("accepted", 1)
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_accept_and_reject_at_once_leave_one_consistent_outcome(users):
    number = submit().number

    def work(i):
        case = Case.objects.get(number=number)
        if i == 0:
            return services.accept(case, by=users["intake"]).action
        return services.reject(case, by=users["intake"], reason="重复诉求").action

    results = _run_together(2, work)
    done = [r for r in results if isinstance(r, str)]
    assert len(done) == 1, results
    case = Case.objects.get(number=number)
    assert case.state == {"accept": "accepted", "reject": "rejected"}[done[0]]
    assert case.events.exclude(action="submit").count() == 1


def test_two_ratings_at_once_record_exactly_one(users):
    number = case_in("completed", users).number
    results = _run_together(
        2,
        lambda i: (
            services.rate(
                Case.objects.get(number=number),
                score=["satisfied", "dissatisfied"][i],
                phone_last4="1234",
            ).pk
        ),
    )
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert all(isinstance(r, Conflict | InvalidMove) for r in results if not isinstance(r, int))
    assert Rating.objects.count() == 1
    case = Case.objects.get(number=number)
    assert case.state == {"satisfied": "closed", "dissatisfied": "handling"}[Rating.objects.get().score]


def test_eight_simultaneous_requests_with_one_idempotency_key_make_one_case(users):
    claim = idempotency.Claim(scope="api:anonymous", key="k" * 32, fingerprint="f" * 64)
    results = _run_together(8, lambda i: idempotency.submit_once(claim, submit))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert len({case.number for case, _replayed in results}) == 1
    assert sorted(replayed for _case, replayed in results) == [False] + [True] * 7
    assert Case.objects.count() == 1 and SubmissionKey.objects.count() == 1
    # The losers' numbers were rolled back with their transactions: the day's counter is still 1.
    assert DailyCounter.objects.get().last == 1


def test_two_merges_of_one_case_at_once_one_wins(users):
    from cases import merging

    parents = [case_in("accepted", users), case_in("accepted", users)]
    child = case_in("accepted", users)

    def work(i):
        return merging.merge(Case.objects.get(pk=child.pk), into=parents[i], by=users["intake"])

    results = _run_together(2, work)
    assert sum(isinstance(r, CaseEvent) for r in results) == 1
    assert all(isinstance(r, (CaseEvent, Conflict, InvalidMove)) for r in results), results
    child.refresh_from_db()
    assert child.merged_into_id in {p.pk for p in parents}
    assert CaseEvent.objects.filter(case=child, action="merge").count() == 1


def test_merging_into_a_case_while_it_is_merged_away_never_makes_a_chain(users):
    from django.core.exceptions import ValidationError

    from cases import merging

    a, b, c = (case_in("accepted", users) for _ in range(3))

    def work(i):
        if i == 0:
            return merging.merge(
                Case.objects.get(pk=a.pk), into=Case.objects.get(pk=b.pk), by=users["intake"]
            )
        return merging.merge(Case.objects.get(pk=b.pk), into=Case.objects.get(pk=c.pk), by=users["intake"])

    results = _run_together(2, work)
    assert all(isinstance(r, (CaseEvent, ValidationError, Conflict)) for r in results), results
    # Never a → b → c: whichever won, no case is merged into a merged case.
    for case in Case.objects.filter(merged_into__isnull=False):
        assert case.merged_into.merged_into_id is None
