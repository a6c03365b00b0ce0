"""Which statements PostgreSQL keeps prepared: those of the public hot paths, and no others.

A prepared statement is parsed once per connection, and after five runs PostgreSQL may plan it once
for any parameters (a generic plan) instead of for the values at hand. For the public lookups and
submissions — one row by its key, inserts, counters — that plan is the only sensible one, and not
parsing and planning them again is most of PostgreSQL's work saved (`make bench`: lookups +36–70 %).
For a query whose best plan depends on its values it can be far worse: the intake officer's queue
("the oldest cases in these stages") got a generic plan that walks every case from the oldest, 84 →
660 ms a page at a million cases from the eleventh request of a connection on, and the supervisor's
dashboard 380 → 1,200 ms (in-process, 14 requests in a row; README, "What changed").

So minsheng.postgresql prepares a statement only while prepared_statements() is active — around the
public lookups (api.fastpath), the resident's progress page and the page with a new case's number,
every submission (the API, Open311, the resident's form, elder mode, the help desk), and the Open311
list when no category or status narrows it — and everything else is planned for its own values each
time, as Django does by default. Nothing here touches SQLite.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

ACTIVE: ContextVar[bool] = ContextVar("minsheng_prepared_statements", default=False)


@contextmanager
def prepared_statements():
    """Statements run inside may be kept prepared (after psycopg's prepare_threshold runs)."""
    token = ACTIVE.set(True)
    try:
        yield
    finally:
        ACTIVE.reset(token)


def prepared_for(*methods: str) -> Callable:
    """Decorate a view: requests with one of `methods` run inside prepared_statements()."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                with prepared_statements():
                    return view(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
