"""The worker's sending: a gateway outage loses nothing and sends nothing twice; two workers never
send one message twice; back-off, giving up, and no readable phone numbers or codes left behind."""

import io
import logging
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from notify import sender
from notify.backends.console import ConsoleBackend
from notify.models import Message, Status
from notify.outbox import queue
from tests.support.data import case_in


def queue_many(n: int):
    for i in range(n):
        queue(key=f"test:{i}", channel="sms", recipient=f"1380000{i:04d}", text=f"第{i}条")


def test_a_gateway_down_for_an_hour_loses_nothing_and_sends_nothing_twice(db, gateway):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        queue_many(10)
        gateway.down = True
        # The worker keeps polling every 20 seconds for an hour; new messages keep arriving.
        for second in range(0, 3600, 20):
            if second % 600 == 0:
                queue(key=f"late:{second}", channel="sms", recipient="13912345678", text="晚到的消息")
            assert sender.send_due(sms=gateway) == 0
            clock.shift(timedelta(seconds=20))
        assert Message.objects.filter(status=Status.PENDING).count() == 16
        assert all(m.attempts >= 5 for m in Message.objects.filter(key__startswith="test:"))
        gateway.down = False
        # Back-off is at most 30 minutes: within that every message goes out, each exactly once.
        for _minute in range(31):
            sender.send_due(sms=gateway)
            clock.shift(timedelta(minutes=1))
    ids = [message_id for message_id, _to, _text in gateway.sent]
    assert len(ids) == 16 and len(set(ids)) == 16
    assert Message.objects.filter(status=Status.SENT).count() == 16
    assert all(m.sent_at is not None and m.last_error == "" for m in Message.objects.all())


def test_failures_back_off_exponentially(db, gateway, settings):
    settings.NOTIFY_RETRY_SECONDS, settings.NOTIFY_RETRY_MAX_SECONDS = 30, 1800
    gateway.down = True
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        queue_many(1)
        waits = []
        for _try in range(8):
            sender.send_due(sms=gateway)
            message = Message.objects.get()
            waits.append((message.next_attempt_at - timezone.now()).total_seconds())
            clock.move_to(message.next_attempt_at)
    assert waits == [30, 60, 120, 240, 480, 960, 1800, 1800]


def test_a_message_not_due_yet_is_left_alone(db, gateway):
    queue_many(1)
    Message.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert sender.send_due(sms=gateway) == 0 and gateway.sent == []


def test_a_permanent_refusal_gives_up_at_once(db, gateway):
    queue_many(1)
    gateway.refuse = True
    sender.send_due(sms=gateway)
    message = Message.objects.get()
    assert message.status == Status.FAILED and message.attempts == 1


def test_it_gives_up_after_the_maximum_number_of_attempts(db, gateway, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    gateway.down = True
    queue_many(1)
    for _try in range(3):
        Message.objects.update(next_attempt_at=timezone.now())
        sender.send_due(sms=gateway)
    assert Message.objects.get().status == Status.FAILED
    Message.objects.update(next_attempt_at=timezone.now())
    gateway.down = False
    assert sender.send_due(sms=gateway) == 0


def test_a_claim_left_by_a_dead_worker_is_taken_over_later(db, gateway):
    queue_many(1)
    import uuid

    assert sender.claim(uuid.uuid4()) is not None  # a worker claims it, then dies
    assert sender.send_due(sms=gateway) == 0
    with time_machine.travel(timezone.now() + sender.stale() + timedelta(seconds=1)):
        assert sender.send_due(sms=gateway) == 1


def test_a_sent_sign_in_code_is_not_kept(db, gateway):
    queue(key="otp:1", channel="sms", recipient="13800001234", text="验证码123456", sensitive=True)
    sender.send_due(sms=gateway)
    assert gateway.sent[0][2] == "验证码123456"
    assert "123456" not in Message.objects.get().text


def test_logs_and_the_console_show_masked_numbers_only(users, gateway, caplog):
    case = case_in("accepted", users)
    out = io.StringIO()
    with caplog.at_level(logging.INFO, logger="minsheng.notify"):
        gateway.down = True
        sender.send_due(sms=gateway)
        Message.objects.update(next_attempt_at=timezone.now())
        sender.send_due(sms=ConsoleBackend(stream=out))
    printed = out.getvalue()
    assert "138****1234" in printed and case.number in printed and "已受理" in printed
    assert "13800001234" not in printed
    assert "138****1234" in caplog.text and "13800001234" not in caplog.text
    assert "13800001234" not in Message.objects.get().last_error


def test_email_goes_through_djangos_email_backend(users, mailoutbox):
    case_in("accepted", users, email="li@example.org")
    sender.send_due()
    [mail] = mailoutbox
    assert mail.to == ["li@example.org"] and "已受理" in mail.body


class SlowGateway:
    """Takes a moment per message, so two workers really overlap."""

    def __init__(self):
        self.sent = []
        self.lock = threading.Lock()

    def send(self, message):
        time.sleep(0.01)
        with self.lock:
            self.sent.append(message.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for truly parallel workers")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_one_message_twice():
    queue_many(60)
    gateway = SlowGateway()
    errors = []

    def worker():
        try:
            sender.send_due(sms=gateway, limit=100)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(gateway.sent) == sorted(set(gateway.sent))
    assert len(gateway.sent) == 60
    assert Message.objects.filter(status=Status.SENT).count() == 60
