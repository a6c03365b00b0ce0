"""Case numbers: YYYYMMDD-NNNN, counted per day in the sub-district's time, gap-free."""

import re

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from cases import numbering, photos
from cases.models import Case
from tests.support.data import jpeg, submit


def test_numbers_read_date_dash_sequence(users):
    with time_machine.travel("2024-05-10 10:30 +0800", tick=False):
        first, second = submit(), submit()
    assert (first.number, second.number) == ("20240510-0001", "20240510-0002")
    assert re.fullmatch(r"\d{8}-\d{4}", first.number)


def test_the_sequence_starts_again_each_local_day(users):
    with time_machine.travel("2024-05-10 23:59 +0800", tick=False):
        late = submit()
    with time_machine.travel("2024-05-11 00:00 +0800", tick=False):
        early = submit()
    assert late.number == "20240510-0001"
    assert early.number == "20240511-0001"


def test_sixteen_hundred_utc_is_already_the_next_day_in_chongqing(users):
    with time_machine.travel("2024-05-10 15:59 +0000", tick=False):
        before = submit()
    with time_machine.travel("2024-05-10 16:00 +0000", tick=False):
        after = submit()
    assert before.number == "20240510-0001"
    assert after.number == "20240511-0001"


def test_the_day_does_not_follow_a_time_zone_activated_by_a_request(users):
    with time_machine.travel("2024-05-10 17:00 +0000", tick=False), timezone.override("UTC"):
        case = submit()
    assert case.number == "20240511-0001"


def test_next_number_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError):
        numbering.next_number()


def test_a_rolled_back_submission_gives_its_number_back(users, monkeypatch):
    with time_machine.travel("2024-05-10 10:00 +0800", tick=False):
        assert submit().number == "20240510-0001"

        def broken(photo):
            raise OSError("disk full")

        monkeypatch.setattr(photos, "store_photo", broken)
        with pytest.raises(OSError):
            submit(photo_files=[jpeg()])
        monkeypatch.undo()
        assert submit().number == "20240510-0002"
    assert list(Case.objects.order_by("number").values_list("number", flat=True)) == [
        "20240510-0001",
        "20240510-0002",
    ]


def test_a_number_issued_in_a_rolled_back_transaction_is_reissued(db):
    class Rollback(Exception):
        pass

    at = timezone.datetime(2024, 5, 10, 3, 0, tzinfo=timezone.get_default_timezone())
    with pytest.raises(Rollback), transaction.atomic():
        assert numbering.next_number(at) == "20240510-0001"
        raise Rollback
    with transaction.atomic():
        assert numbering.next_number(at) == "20240510-0001"
        assert numbering.next_number(at) == "20240510-0002"


@pytest.mark.parametrize("number", ["20240510-0001", "20240510-9999", "20240510-12345", "20240510-123456"])
def test_well_formed_numbers(number):
    assert numbering.is_well_formed(number)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "20240510",
        "20240510-001",
        "20240510-1234567",
        "2024051-0001",
        "20240510_0001",
        "20240510-0001 ",
        " 20240510-0001",
        "20240510-0001\n",
        "２０２４０５１０-０００１",  # full-width digits
        "٢٠٢٤٠٥١٠-٠٠٠١",  # Arabic-Indic digits
        "20240510-000١",
        "20240510–0001",  # en dash
        "20240510-0001' OR 1=1",
        "../20240510-0001",
    ],
)
def test_malformed_numbers_are_refused(number):
    assert not numbering.is_well_formed(number)


def test_format_number_pads_to_four_digits_and_grows_past_9999():
    from datetime import date

    assert numbering.format_number(date(2024, 5, 10), 12) == "20240510-0012"
    assert numbering.format_number(date(2024, 5, 10), 10000) == "20240510-10000"
    assert numbering.is_well_formed(numbering.format_number(date(2024, 5, 10), 10000))
