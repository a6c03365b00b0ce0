"""Database routing: the primary for everything, a read replica for a few public read paths.

With DATABASE_REPLICA_URL set there is a second alias, "replica" (a streaming replica of the
primary). Reads go there only when a request for one of REPLICA_VIEWS — the public progress lookups,
Open311 reads, the supervisor's figures — runs inside `use_replica()`, which ReplicaReadsMiddleware
sets. Even then:

- only models of REPLICA_APPS are read there: sessions, users and API tokens always come from the
  primary, so signing in is never undone by a replica that is a moment behind;
- anything read inside a transaction on the primary is read from the primary (a write transaction
  must see its own rows and lock the real ones);
- a 404 from the replica is asked again of the primary: a case submitted a moment ago may not have
  reached the replica yet (read-your-writes for API clients without cookies);
- a browser that has just written something (any POST) carries a short-lived cookie and reads from
  the primary for REPLICA_PIN_SECONDS, so the page after "rate" shows the rating.

Every write goes to the primary. Migrations run only on the primary (the replica copies them).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import Resolver404, resolve

REPLICA = "replica"
# The apps whose tables the replica-eligible views read.
REPLICA_APPS = frozenset({"cases", "stats"})
# Read-only views whose results may be a moment old (view names as `reverse` knows them).
REPLICA_VIEWS = frozenset(
    {
        "web:progress",
        "api-v1:case_progress",
        "api-v1:stats",
        "open311-discovery",
        "open311-services",
        "open311-service",
        "open311-requests",
        "open311-request",
        "stats:dashboard",
        "stats:cases",
        "stats:export_csv",
        "stats:export_xlsx",
    }
)
PIN_COOKIE = "minsheng_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_reading_replica: ContextVar[bool] = ContextVar("minsheng_reading_replica", default=False)


def replica_enabled() -> bool:
    """A replica is configured and reads may go to it (REPLICA_READS=0 sends them all to the primary)."""
    return REPLICA in settings.DATABASES and getattr(settings, "REPLICA_READS", True)


@contextmanager
def use_replica() -> Iterator[None]:
    """Let reads of REPLICA_APPS in this block go to the replica (when one is configured)."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def reading_replica() -> bool:
    return _reading_replica.get() and replica_enabled()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reading_replica.get()
            and model._meta.app_label in REPLICA_APPS
            and replica_enabled()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Never on the replica (it copies the primary); any other database — the primary, a
        # restore target (manage.py restore --to) — is migrated as usual.
        return db != REPLICA


def _eligible(request) -> bool:
    if request.method not in ("GET", "HEAD") or PIN_COOKIE in request.COOKIES:
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in REPLICA_VIEWS


class ReplicaReadsMiddleware:
    """Run the replica-eligible views on the replica; pin a browser to the primary after it writes.

    Place it last in MIDDLEWARE: sessions and authentication have been dealt with by then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_enabled():
            return self.get_response(request)
        if _eligible(request):
            with use_replica():
                response = self.get_response(request)
            if response.status_code == 404:
                # Perhaps just created and not replicated yet: the primary has the last word.
                response = self.get_response(request)
            return response
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
