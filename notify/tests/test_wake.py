"""Waking workers through Redis: a committed message wakes a waiting worker at once, a rolled-back one
does not; Redis being down costs only latency; many waking workers still send each message once."""

import threading
import time
import uuid

import pytest
import redis
from django.db import connection, transaction

from notify import sender, wake
from notify.models import Message, Status
from notify.outbox import queue
from tests.support.redis import REDIS_URL, needs_redis

pytestmark = needs_redis


@pytest.fixture
def woken(settings):
    settings.NOTIFY_WAKE_REDIS_URL = REDIS_URL
    settings.CACHE_KEY_PREFIX = f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.delete(wake.key())


def message(n: int = 0) -> Message:
    return queue(key=f"wake:{n}", channel="sms", recipient=f"1380000{n:04d}", text=f"第{n}条")


def test_a_committed_message_nudges_the_workers(woken, django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks(execute=True):
        message()
    assert woken.llen(wake.key()) == 1


def test_a_message_queued_twice_nudges_once(woken, django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks(execute=True):
        message()
        message()
    assert woken.llen(wake.key()) == 1


def test_a_rolled_back_message_nudges_nobody(woken, db):
    with pytest.raises(RuntimeError), transaction.atomic():
        message()
        raise RuntimeError("the change failed")
    assert woken.llen(wake.key()) == 0
    assert not Message.objects.exists()


def test_a_waiting_worker_wakes_at_once(woken):
    started = time.monotonic()
    threading.Timer(0.3, wake.nudge).start()
    assert wake.wait(5) is True
    assert time.monotonic() - started < 2


def test_without_a_nudge_the_wait_ends_after_the_poll_interval(woken):
    started = time.monotonic()
    assert wake.wait(1.2) is False
    assert 1.1 < time.monotonic() - started < 3


def test_a_stop_request_ends_the_wait_early(woken):
    started = time.monotonic()
    assert wake.wait(10, stop=lambda: time.monotonic() - started > 0.5) is False
    assert time.monotonic() - started < 3


def test_the_pending_nudges_stay_few(woken):
    for _ in range(50):
        wake.nudge()
    assert woken.llen(wake.key()) == wake.MAX_PENDING


def test_redis_down_loses_no_message_and_fails_no_request(
    settings, db, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WAKE_REDIS_URL = "redis://127.0.0.1:1/0"
    with django_capture_on_commit_callbacks(execute=True):
        queued = message()
    assert Message.objects.get(pk=queued.pk).status == Status.PENDING
    assert "could not wake the workers" in caplog.text
    started = time.monotonic()
    assert wake.wait(0.5) is False  # falls back to sleeping
    assert time.monotonic() - started < 2


class RecordingGateway:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = []

    def send(self, message):
        time.sleep(0.005)
        with self.lock:
            self.sent.append(message.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for truly parallel workers")
@pytest.mark.django_db(transaction=True)
def test_three_woken_workers_send_each_message_once_and_promptly(woken):
    """Workers that wait on Redis and send on every nudge, while messages keep arriving."""
    gateway = RecordingGateway()
    stop = threading.Event()
    errors = []

    def worker():
        try:
            while not stop.is_set():
                sender.send_due(sms=gateway)
                wake.wait(5, stop=stop.is_set)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for n in range(40):
            message(n)  # autocommit: each one commits and nudges
            time.sleep(0.01)
        deadline = time.monotonic() + 4  # well under the 5 s poll: the nudges did it
        while len(gateway.sent) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(gateway.sent) == 40
    assert sorted(gateway.sent) == sorted(set(gateway.sent))
    assert Message.objects.filter(status=Status.SENT).count() == 40
