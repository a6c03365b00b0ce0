"""PostgreSQL whose per-request connection health check costs no round trip while nothing is wrong,
whose timestamps are read by psycopg's compiled loader, and which keeps statements prepared only on
the public hot paths (PreparingCursor; why in minsheng.prepared).

With CONN_HEALTH_CHECKS (settings), Django asks a kept connection `SELECT 1` before its first query
of each request, so that a connection the server has dropped (a restart, a fail-over, an idle
timeout) is replaced instead of failing the request. That is a round trip on every request: a
third of the database time of a public lookup (`make bench`: +21 % lookups without it).

A connection the server has closed or written to while it sat idle has something to read — the
end of the stream, or the server's FATAL message before it — and a healthy idle connection has
nothing (we LISTEN for nothing, so the server sends nothing unasked). So the socket is polled first,
without waiting: nothing to read, the connection is as it was left; anything to read, the usual
`SELECT 1` decides, and Django replaces the connection if it fails. A peer that vanished without a
word (a cut cable) is not seen by either check until TCP gives up; the request then fails as before.

Timestamps: Django reads every `timestamp with time zone` through a Python subclass of psycopg's
loader that sets the tzinfo to the connection's zone; psycopg's own loader is compiled (C, in
psycopg-binary), but a Python subclass runs the pure-Python parser: 5–10 µs a value on the bench
machine against 0.3–0.6 µs (15,000 values read both ways), a quarter of the worker's time
for an Open311 list of 100 cases and 2 % of a public lookup's.
With time zone support on and the session in UTC (Django sets it so when it connects), psycopg's
loader gives the very same aware datetimes (tzinfo datetime.UTC), so the connection uses it, and
a cursor falls back to Django's loader whenever that no longer holds (a test switching settings).
"""

import select
from datetime import UTC

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.types.datetime import TimestamptzLoader

from minsheng import prepared


class PreparingCursor(base.ServerBindingCursor):
    """Django's server-binding cursor, preparing statements only inside
    minsheng.prepared.prepared_statements() (see that module); elsewhere each is planned for its
    own values."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and not prepared.ACTIVE.get():
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    # Whether this connection reads timestamps with psycopg's own (compiled) loader.
    _timestamptz_native = False

    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = PreparingCursor
        return params

    def init_connection_state(self):
        super().init_connection_state()
        self._timestamptz_native = False
        if (
            self.connection is not None
            and not self.pool
            and self.timezone is UTC
            and self.connection.info.parameter_status("TimeZone") == "UTC"
        ):
            # Registering psycopg's class gives its compiled version where psycopg has one.
            self.connection.adapters.register_loader("timestamptz", TimestamptzLoader)
            self._timestamptz_native = True

    def create_cursor(self, name=None):
        if not self._timestamptz_native:
            return super().create_cursor(name)
        if name:  # a server-side cursor (QuerySet.iterator()), as Django's create_cursor makes it
            if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
                cursor = base.ServerSideCursor(
                    self.connection, name=name, scrollable=False, withhold=self.connection.autocommit
                )
            else:
                cursor = self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)
        else:
            cursor = self.connection.cursor()
        # Django moves the session to its time zone whenever that changes (a test turning USE_TZ
        # off): the session is in UTC exactly when the connection's time zone is.
        if self.timezone is not UTC:
            register_tzloader(self.timezone, cursor)  # what Django's own create_cursor would do
        return cursor

    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        return super().is_usable()
