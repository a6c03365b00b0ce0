"""SQLite whose writers queue in the kernel instead of polling.

A write transaction (BEGIN IMMEDIATE, see settings) first takes an exclusive flock() on a lock file
beside the database and lets it go when the transaction ends. On its own, a second SQLite writer
polls: its busy handler sleeps 1, 2, 5, 10 … ms between tries, so under concurrent submissions a
worker often went on sleeping well after the lock had been released. A flock() waiter is woken the
moment the holder lets go (`make bench`: +19 % submissions at c = 8 on 2 workers, each of six
alternated rounds higher). The kernel drops the lock of a process that dies; each connection opens
the file itself, since flock() locks belong to an open file, so threads with their own connections
queue as processes do. A waiter waits as long as the holder's transaction lasts (our transactions
never wait on anything but the database; gunicorn's worker timeout bounds a stuck one). A single
statement in autocommit does not take it. SQLite's own lock still guards every write: the flock
only decides the order in which writers get to it.

Its cursors also remember the "?"-style form of the statements they run: Django's SQLite cursor
rewrites every statement's %s placeholders with a regular expression on every execution, a tenth
of the time a submission's own short statements take to run (`make bench`, under py-spy).
"""

import fcntl
import os
from functools import lru_cache

from django.db.backends.sqlite3 import base

# Longer statements (bulk inserts of many rows) are converted each time rather than kept.
KEEP_UP_TO = 4096


@lru_cache(maxsize=1024)
def _kept_qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None and len(query) <= KEEP_UP_TO:
            return _kept_qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _holding = False

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def _writers_lock(self) -> int | None:
        immediate = getattr(self, "transaction_mode", None) == "IMMEDIATE"  # set on connecting
        if self._lock_fd is None and immediate and not self.is_in_memory_db():
            path = f"{self.settings_dict['NAME']}-writers.lock"
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._lock_fd

    def _start_transaction_under_autocommit(self):
        fd = self._writers_lock()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._holding = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._let_go()
            raise

    def _let_go(self):
        if self._holding:
            self._holding = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _commit(self):
        try:
            super()._commit()
        finally:
            self._let_go()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._let_go()

    def _close(self):
        try:
            super()._close()
        finally:
            self._let_go()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
