"""minsheng.sqlite: writers queue on a lock file instead of polling (and failing) on SQLite's lock."""

import threading
import time

import pytest
from django.db import connection
from django.db.utils import OperationalError

from minsheng.sqlite.base import DatabaseWrapper as QueueingWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker):
    """These tests open their own database files, outside the test database."""
    with django_db_blocker.unblock():
        yield


def wrapper(path, cls=QueueingWrapper, timeout=0.05):
    settings = {
        **connection.settings_dict,
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
        "CONN_MAX_AGE": 0,
        "TEST": {},
    }
    return cls(settings, alias=f"writers-{id(settings)}")


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "w.sqlite3"
    w = wrapper(path)
    with w.cursor() as c:
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE t (who TEXT, at REAL)")
    w.close()
    return path


def hold_then(path, cls, hold: float, end: str, started: threading.Event, errors: list):
    """In a thread: open a write transaction, insert, keep it open `hold` s, then commit/rollback."""
    w = wrapper(path, cls)
    try:
        with _atomic(w):
            w.cursor().execute("INSERT INTO t VALUES ('holder', 0)")
            started.set()
            time.sleep(hold)
            if end == "rollback":
                raise _Rollback
    except _Rollback:
        pass
    except Exception as exc:  # reported to the test
        errors.append(exc)
    finally:
        started.set()
        w.close()


class _Rollback(Exception):
    pass


class _atomic:
    """What transaction.atomic() does on SQLite in autocommit, for a connection that is not in
    django.db.connections: BEGIN IMMEDIATE, then COMMIT or ROLLBACK."""

    def __init__(self, w):
        self.w = w

    def __enter__(self):
        self.w.ensure_connection()
        self.w._start_transaction_under_autocommit()

    def __exit__(self, kind, exc, tb):
        if kind is None:
            self.w._commit()
        else:
            self.w._rollback()
        return False


def second_writer(path, cls) -> tuple[float, Exception | None]:
    w = wrapper(path, cls)
    began = time.monotonic()
    try:
        with _atomic(w):
            w.cursor().execute("INSERT INTO t VALUES ('second', 0)")
        return time.monotonic() - began, None
    except OperationalError as exc:
        return time.monotonic() - began, exc
    finally:
        w.close()


def rows(path):
    w = wrapper(path)
    try:
        with w.cursor() as c:
            c.execute("SELECT who FROM t ORDER BY rowid")
            return [r[0] for r in c.fetchall()]
    finally:
        w.close()


def run_pair(path, cls, hold=0.3, end="commit"):
    started, errors = threading.Event(), []
    holder = threading.Thread(target=hold_then, args=(path, cls, hold, end, started, errors))
    holder.start()
    started.wait(5)
    waited, error = second_writer(path, cls)
    holder.join(5)
    assert not errors
    return waited, error


def test_without_the_queue_a_second_writer_fails_once_sqlites_timeout_runs_out(db_file):
    from django.db.backends.sqlite3.base import DatabaseWrapper as Plain

    _waited, error = run_pair(db_file, Plain)
    assert error is not None and "locked" in str(error)
    assert rows(db_file) == ["holder"]


def test_a_second_writer_waits_for_the_first_to_commit_and_both_rows_are_kept(db_file):
    waited, error = run_pair(db_file, QueueingWrapper, hold=0.3)
    assert error is None
    assert waited >= 0.1  # it queued behind the holder (0.3 s), past SQLite's 50 ms timeout
    assert rows(db_file) == ["holder", "second"]


def test_a_rollback_lets_the_next_writer_in(db_file):
    _waited, error = run_pair(db_file, QueueingWrapper, hold=0.2, end="rollback")
    assert error is None
    assert rows(db_file) == ["second"]


def test_closing_a_connection_in_a_transaction_lets_the_next_writer_in(db_file):
    w = wrapper(db_file)
    w.ensure_connection()
    w._start_transaction_under_autocommit()
    w.cursor().execute("INSERT INTO t VALUES ('lost', 0)")
    w.close()  # e.g. a worker's connection dropped mid-request: SQLite rolls back
    waited, error = second_writer(db_file, QueueingWrapper)
    assert error is None and waited < 1
    assert rows(db_file) == ["second"]


def test_the_lock_file_sits_beside_the_database_and_memory_databases_take_none(db_file, tmp_path):
    run_pair(db_file, QueueingWrapper, hold=0.01)
    assert (tmp_path / "w.sqlite3-writers.lock").exists()
    memory = wrapper(":memory:")
    memory.ensure_connection()
    with _atomic(memory):
        memory.cursor().execute("CREATE TABLE m (x INTEGER)")
    assert memory._lock_fd is None
    memory.close()


def test_statements_kept_in_qmark_form_run_as_django_would_run_them(db_file):
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    from minsheng.sqlite import base

    w = wrapper(db_file)
    with w.cursor() as c:
        assert isinstance(c.cursor, base.CursorWrapper)
        for _ in range(2):  # converted, then kept
            c.execute("INSERT INTO t (who, at) VALUES (%s, %s)", ["a %s b %% c", 1.5])
        c.execute("SELECT who || '%%' FROM t WHERE at = %s AND who LIKE %s", [1.5, "a %%"])
        assert c.fetchall() == [("a %s b %% c%",), ("a %s b %% c%",)]
        c.execute("SELECT count(*) FROM t WHERE who = %(who)s", {"who": "a %s b %% c"})  # pyformat
        assert c.fetchone() == (2,)
        c.execute("SELECT count(*) FROM t")  # no parameters: not converted at all
        assert c.fetchone() == (2,)
        for query in ["SELECT %s, '%%', %s", "x" * (base.KEEP_UP_TO + 1) + " %s", "%%s %s"]:
            assert c.cursor.convert_query(query) == SQLiteCursorWrapper.convert_query(c.cursor, query)
    w.close()
    assert base._kept_qmark.cache_info().currsize <= 1024
