"""An attacker guessing a resident's phone digits to rate (and learn them): issue 26, item 1.

The tries are counted before they are compared, per case and per client address, and a lock lasts
its full hour. The race runs with real threads: on SQLite the counters are in their own file (one
connection per thread), on PostgreSQL in the database.
"""

import logging
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connections

from cases import services
from cases.errors import TooManyAttempts
from cases.models import Case, Rating
from tests.support.data import case_in

TEN = datetime(2026, 11, 27, 10, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def rate(client, case, digits, address="203.0.113.7"):
    payload = {"score": "satisfied", "comment": "", "phone_last4": digits}
    return client.post(f"/cases/{case.number}/rate", payload, REMOTE_ADDR=address)


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_guesses_get_at_most_five_compared(users, settings):
    case = case_in("completed", users)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            try:
                # Twenty different wrong guesses, each from another address: only the case's count holds.
                services.check_phone_digits(case, f"{i:04d}", client=f"198.51.100.{i}")
                outcome = "accepted"
            except TooManyAttempts:
                outcome = "locked"
            except ValidationError:
                outcome = "compared"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(i + 100,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["compared"] * 5 + ["locked"] * 15
    # …and the resident's own right digits wait for the lock too.
    with pytest.raises(TooManyAttempts):
        services.rate(Case.objects.get(pk=case.pk), score="satisfied", phone_last4="1234")
    assert not Rating.objects.exists()


def test_the_lock_lasts_a_full_hour_from_the_fifth_wrong_try(client, users):
    case = case_in("completed", users)
    with time_machine.travel(TEN, tick=False) as clock:
        for minute in (0, 10, 20, 30, 50):
            clock.move_to(TEN + timedelta(minutes=minute))
            assert rate(client, case, "0000").status_code == 400
        # Five minutes later (the old lock's end), at the next full hour, and 59 minutes on: locked.
        for at in (timedelta(minutes=55), timedelta(minutes=60), timedelta(minutes=109)):
            clock.move_to(TEN + at)
            response = rate(client, case, "1234")
            assert response.status_code == 429, at
            assert "输错次数过多" in response.content.decode()
        clock.move_to(TEN + timedelta(minutes=111))
        assert rate(client, case, "1234").status_code == 302
    assert Rating.objects.get(case=case).score == "satisfied"


def test_one_address_guessing_across_cases_is_locked_everywhere(client, users, settings, caplog):
    settings.MINSHENG_RATING_MAX_TRIES_PER_ADDRESS = 3
    cases = [case_in("completed", users) for _ in range(4)]
    with time_machine.travel(TEN, tick=False), caplog.at_level(logging.WARNING, "minsheng.security"):
        for case in cases[:3]:
            assert rate(client, case, "0000").status_code == 400
        assert rate(client, cases[3], "1234").status_code == 429
        # An unrelated address is not held back by the attacker's tries.
        assert rate(client, cases[3], "1234", address="192.0.2.44").status_code == 302
    assert list(Rating.objects.values_list("case", flat=True)) == [cases[3].pk]
    alerts = [r.getMessage() for r in caplog.records if r.getMessage().startswith("alert ")]
    assert any(
        "what=rating-phone-digits" in line and "limit=address" in line and "key=203.0.113.7" in line
        for line in alerts
    ), alerts


def test_an_ipv6_client_cannot_rotate_addresses_in_its_64(client, users, settings):
    settings.MINSHENG_RATING_MAX_TRIES_PER_ADDRESS = 2
    cases = [case_in("completed", users) for _ in range(3)]
    with time_machine.travel(TEN, tick=False):
        assert rate(client, cases[0], "0000", address="2001:db8:1:2::1").status_code == 400
        assert rate(client, cases[1], "0000", address="2001:db8:1:2::ffff").status_code == 400
        assert rate(client, cases[2], "1234", address="2001:db8:1:2:abcd::9").status_code == 429
    assert not Rating.objects.exists()


def test_the_case_lock_is_an_alert_on_the_security_log(client, users, caplog):
    case = case_in("completed", users)
    with time_machine.travel(TEN, tick=False), caplog.at_level(logging.WARNING, "minsheng.security"):
        for _ in range(5):
            rate(client, case, "4321")
    alerts = [r.getMessage() for r in caplog.records if r.getMessage().startswith("alert ")]
    assert len(alerts) == 1, alerts
    assert f"target={case.number}" in alerts[0] and "limit=case" in alerts[0]
    assert "locked_for=3600" in alerts[0]
