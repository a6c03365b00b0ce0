"""The HTTP gateway backend against a stub gateway on 127.0.0.1: accepted, garbage, errors, a hang."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notify import sender
from notify.backends import SendError
from notify.backends.http import HttpBackend
from notify.models import Message, Status
from notify.outbox import queue


class StubGateway(BaseHTTPRequestHandler):
    answer: tuple[int, bytes] = (200, b'{"ok": true}')
    delay = 0.0
    received: list = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        type(self).received.append((dict(self.headers), json.loads(self.rfile.read(length))))
        time.sleep(type(self).delay)
        status, body = type(self).answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client gave up on a hanging answer: expected here


@pytest.fixture
def stub():
    StubGateway.answer, StubGateway.delay, StubGateway.received = (200, b'{"ok": true}'), 0.0, []
    server = QuietServer(("127.0.0.1", 0), StubGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield StubGateway, f"http://127.0.0.1:{server.server_address[1]}/sms"
    server.shutdown()
    server.server_close()


@pytest.fixture
def message(db):
    return queue(key="test:1", channel="sms", recipient="13800001234", text="您的诉求已受理")


def backend(url, **kwargs):
    return HttpBackend(url=url, key="secret-key", template="SMS_001", sign="夔北街道", timeout=1, **kwargs)


def test_an_accepted_message_is_posted_as_json_with_the_key(stub, message):
    gateway, url = stub
    backend(url).send(message)
    [(headers, body)] = gateway.received
    assert headers["Authorization"] == "Bearer secret-key"
    assert body["phone"] == "13800001234" and body["text"] == "您的诉求已受理"
    assert body["template"] == "SMS_001" and body["id"] == message.pk


@pytest.mark.parametrize("answer", [b'{"code": 0}', b'{"code": "OK", "requestId": "x"}'])
def test_provider_style_success_codes_count_as_sent(stub, message, answer):
    gateway, url = stub
    gateway.answer = (200, answer)
    backend(url).send(message)


@pytest.mark.parametrize(
    "answer",
    [
        b"<html>502 Bad Gateway</html>",
        b"\xff\xfe garbage",
        b"[1, 2, 3]",
        b'{"ok": false, "error": "quota"}',
        b"",
    ],
)
def test_garbage_or_a_refusal_is_a_failure_to_retry(stub, message, answer):
    gateway, url = stub
    gateway.answer = (200, answer)
    with pytest.raises(SendError) as info:
        backend(url).send(message)
    assert not info.value.permanent


def test_a_server_error_is_retried_and_a_bad_request_is_not(stub, message):
    gateway, url = stub
    gateway.answer = (503, b"busy")
    with pytest.raises(SendError) as info:
        backend(url).send(message)
    assert not info.value.permanent
    gateway.answer = (400, b'{"error": "bad number"}')
    with pytest.raises(SendError) as info:
        backend(url).send(message)
    assert info.value.permanent


def test_a_gateway_that_hangs_times_out(stub, message):
    gateway, url = stub
    gateway.delay = 3
    started = time.monotonic()
    with pytest.raises(SendError):
        backend(url).send(message)
    assert time.monotonic() - started < 2.5


def test_a_gateway_that_is_not_there_is_a_failure(message):
    with pytest.raises(SendError):
        backend("http://127.0.0.1:9/sms").send(message)


def test_an_unset_url_is_refused(db):
    with pytest.raises(SendError):
        HttpBackend(url="")


def test_the_worker_retries_after_garbage_and_sends_once_the_gateway_answers(stub, message, settings):
    gateway, url = stub
    settings.SMS_BACKEND, settings.SMS_HTTP_URL, settings.SMS_HTTP_TIMEOUT = "http", url, 1
    gateway.answer = (200, b"garbage")
    assert sender.send_due() == 0
    message.refresh_from_db()
    assert message.status == Status.PENDING and "not JSON" in message.last_error
    Message.objects.update(next_attempt_at=message.created_at)
    gateway.answer = (200, b'{"ok": true}')
    assert sender.send_due() == 1
    assert Message.objects.get().status == Status.SENT
    assert len(gateway.received) == 2


def test_a_resend_carries_the_same_message_id_and_another_message_another(stub, message):
    gateway, url = stub
    backend(url).send(message)
    backend(url).send(message)  # e.g. the worker died before marking it sent
    other = queue(key="test:2", channel="sms", recipient="13800001234", text="您的诉求已派单")
    backend(url).send(other)
    ids = [body["message_id"] for _headers, body in gateway.received]
    assert ids[0] == ids[1] != ids[2]
    assert [headers["Idempotency-Key"] for headers, _body in gateway.received] == ids


def test_the_message_id_differs_when_a_restored_database_hands_out_an_id_again(stub, message):
    reused = Message(pk=message.pk, created_at=message.created_at + timedelta(seconds=1))
    assert HttpBackend.message_id(reused) != HttpBackend.message_id(message)
