"""PostgreSQL whose per-request connection health check costs no round trip while nothing is wrong.

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
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
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
