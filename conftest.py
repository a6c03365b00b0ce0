"""Test-wide settings: a throwaway media directory and the demo's reference data helpers."""

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Every test client request comes from 127.0.0.1: the rate limits would throttle tests that make
    # many requests. security/tests turns them on (with small limits) to test them.
    settings.RATE_LIMITS_ENABLED = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _rate_counter_file(settings, tmp_path):
    """On SQLite, rate-limit hits go to a file beside the database (security.counters): each test
    counts in a file of its own, as it counts in its own rolled-back transaction elsewhere."""
    if settings.RATE_COUNTER_FILE is not None:
        settings.RATE_COUNTER_FILE = tmp_path / "ratelimits.sqlite3"


@pytest.fixture(autouse=True)
def _replica_reads(request, settings):
    """Reads go to the replica alias only in tests marked `replica`: the mirror is a second
    connection, which cannot see the uncommitted rows of an ordinary (transaction-wrapped) test."""
    if request.node.get_closest_marker("replica") is None:
        settings.REPLICA_READS = False


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    yield
    try:
        cache.clear()
    except Exception:  # noqa: S110 (no cache table in tests without a database)
        pass


@pytest.fixture
def users(db):
    """Reference data and one account per role: intake, handler (物业科), volunteer, supervisor, admin."""
    from tests.support.data import setup_reference

    return setup_reference()
