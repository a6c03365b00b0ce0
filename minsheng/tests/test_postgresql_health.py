"""minsheng.postgresql: the per-request health check asks the server only when the socket has
something to say, and a connection the server dropped is still replaced before a request uses it."""

import select
import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]


def new_request():
    """What Django does at the start of every request (request_started → close_old_connections)."""
    connection.close_if_unusable_or_obsolete()


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def health_checked():
    saved = connection.health_check_enabled
    connection.health_check_enabled = True
    yield
    connection.health_check_enabled = saved


def test_a_healthy_connection_is_kept_without_asking_the_server(health_checked, monkeypatch):
    pid = backend_pid()
    new_request()
    asked = []
    raw = connection.connection
    monkeypatch.setattr(raw, "cursor", lambda *a, **k: asked.append(1) or pytest.fail("asked the server"))
    assert connection.is_usable()
    connection.close_if_health_check_failed()
    monkeypatch.undo()
    assert asked == []
    assert connection.connection is raw
    assert backend_pid() == pid


def test_a_connection_the_server_dropped_is_replaced_before_the_request_uses_it(health_checked):
    pid = backend_pid()
    new_request()
    # Another session ends ours, as a restart or an idle timeout would.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    deadline = time.monotonic() + 5
    while not connection.connection.closed and time.monotonic() < deadline:
        if select.select([connection.connection.fileno()], [], [], 0.05)[0]:
            break
    assert not connection.is_usable()
    # The request's first query runs on a new connection instead of failing.
    assert backend_pid() != pid


def test_without_a_connection_or_with_a_closed_one_it_is_not_usable(health_checked):
    backend_pid()
    connection.connection.close()
    assert not connection.is_usable()
    connection.close()
    assert not connection.is_usable()
    assert backend_pid()  # and a new one is made
