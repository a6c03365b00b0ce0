"""Idempotency keys in the domain: one case per key, a different body refused, keys expire."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import idempotency, photos
from cases.errors import InvalidKey, KeyReused
from cases.models import Case, CaseEvent, DailyCounter, SubmissionKey
from tests.support.data import jpeg, submit

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def claim(key=KEY, scope="api:anonymous", body=None):
    return idempotency.Claim(scope=scope, key=key, fingerprint=idempotency.fingerprint(body or {"a": 1}))


def submit_with(c, **fields):
    return idempotency.submit_once(c, lambda **kw: submit(**kw), **fields)


@pytest.mark.parametrize(
    "raw",
    [
        KEY,
        f'"{KEY}"',
        f"  {KEY} ",
        "01HZY3J5T6Q7W8E9R0ABCDEF",
        "abcdefghijklmnop",
        "a" * 128,
        "x+/=._~:-" * 2,
    ],
)
def test_it_accepts_uuids_tokens_and_structured_field_strings(raw):
    assert idempotency.parse_key(raw) == raw.strip().strip('"')


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "short",
        "a" * 15,
        "a" * 129,
        "has space in the key!",
        "ключ-ключ-ключ-ключ",
        '"abc\\"defghijklmnop"',
    ],
)
def test_it_refuses_keys_that_are_short_long_or_strange(raw):
    with pytest.raises(InvalidKey):
        idempotency.parse_key(raw)


def test_the_fingerprint_ignores_field_order_but_not_values_or_file_content():
    a = idempotency.fingerprint({"x": "1", "y": "2"})
    assert a == idempotency.fingerprint({"y": "2", "x": "1"})
    assert a != idempotency.fingerprint({"x": "1", "y": "3"})
    red, blue = jpeg(colour=(200, 0, 0)), jpeg(colour=(0, 0, 200))
    assert idempotency.fingerprint({}, {"photos": [red]}) == idempotency.fingerprint({}, {"photos": [red]})
    assert idempotency.fingerprint({}, {"photos": [red]}) != idempotency.fingerprint({}, {"photos": [blue]})
    assert red.read(2) == b"\xff\xd8"  # hashing leaves the upload readable from the start


def test_the_same_key_and_body_make_one_case(users):
    first, replayed = submit_with(claim())
    assert not replayed
    again, replayed = submit_with(claim())
    assert replayed and again.pk == first.pk
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1
    assert DailyCounter.objects.get().last == 1
    assert SubmissionKey.objects.get().case == first


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(users):
    first, _ = submit_with(claim())
    with pytest.raises(KeyReused) as caught:
        submit_with(claim(body={"a": 2}), description="另一件事")
    assert caught.value.case == first
    assert Case.objects.count() == 1 and DailyCounter.objects.get().last == 1


def test_keys_are_separate_per_scope(users):
    mine, _ = submit_with(claim(scope="api:user:1"))
    theirs, replayed = submit_with(claim(scope="api:anonymous"))
    assert not replayed and mine.pk != theirs.pk


def test_without_a_key_every_request_is_a_new_case(users):
    submit_with(None)
    submit_with(None)
    assert Case.objects.count() == 2 and not SubmissionKey.objects.exists()


def test_a_refused_submission_leaves_the_key_free(users):
    with pytest.raises(ValidationError):
        submit_with(claim(body={"phone": "1"}), phone="1")
    assert not SubmissionKey.objects.exists()
    case, replayed = submit_with(claim())
    assert not replayed and case.number.endswith("-0001")


def test_the_key_and_the_case_are_written_together(users, monkeypatch):
    """A failure after the key row was written (storing a photo) leaves neither case nor key."""

    def broken(photo):
        raise OSError("disk full")

    monkeypatch.setattr(photos, "store_photo", broken)
    with pytest.raises(OSError):
        submit_with(claim(), photo_files=[jpeg()])
    assert not Case.objects.exists() and not SubmissionKey.objects.exists()
    assert DailyCounter.objects.filter(last__gt=0).count() == 0


def test_an_expired_key_may_be_used_again(users, settings):
    settings.SUBMISSION_KEY_TTL_HOURS = 24
    first, _ = submit_with(claim())
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert idempotency.case_for_key("api:anonymous", KEY) is None
        second, replayed = submit_with(claim(body={"b": 1}), description="新的诉求")
    assert not replayed and second.pk != first.pk
    assert SubmissionKey.objects.get().case == second


def test_purging_deletes_only_expired_keys(users):
    submit_with(claim())
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        assert idempotency.purge_expired() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=30)):
        submit_with(claim(key="a-newer-key-0000000000"))
        assert idempotency.purge_expired() == 1
    assert list(SubmissionKey.objects.values_list("key", flat=True)) == ["a-newer-key-0000000000"]
