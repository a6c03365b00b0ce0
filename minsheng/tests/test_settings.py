"""The multi-node settings read from the environment (each case in a fresh interpreter)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = """
import json
from django.conf import settings
print(json.dumps({
    "storage": settings.STORAGES["default"],
    "caches": settings.CACHES["default"],
    "session": settings.SESSION_ENGINE,
    "databases": sorted(settings.DATABASES),
    "replica_test": settings.DATABASES.get("replica", {}).get("TEST"),
    "db_options": {name: db.get("OPTIONS", {}) for name, db in settings.DATABASES.items()},
    "engines": {name: db["ENGINE"] for name, db in settings.DATABASES.items()},
    "health_checks": {name: db.get("CONN_HEALTH_CHECKS") for name, db in settings.DATABASES.items()},
}, default=str))
"""


def settings_with(**env) -> dict:
    ours = ("S3_", "REDIS_", "DATABASE_", "CACHE_", "REPLICA_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    clean.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "minsheng.settings", **env})
    code = "import django; django.setup()\n" + SHOW
    out = subprocess.run(
        [sys.executable, "-c", code], env=clean, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_local_files_the_database_cache_and_no_replica_by_default(tmp_path):
    shown = settings_with(DATA_DIR=str(tmp_path))
    assert shown["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert shown["caches"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert shown["session"] == "django.contrib.sessions.backends.db"
    assert shown["databases"] == ["default"]


def test_s3_settings_give_a_private_bucket_with_signed_urls(tmp_path):
    shown = settings_with(
        DATA_DIR=str(tmp_path),
        S3_BUCKET="media",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
        S3_REGION="cn-north-1",
    )
    options = shown["storage"]["OPTIONS"]
    assert shown["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "media"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["region_name"] == "cn-north-1"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False


def test_redis_holds_the_cache_and_sessions_under_a_prefix(tmp_path):
    shown = settings_with(DATA_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:6379/5")
    assert shown["caches"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["caches"]["LOCATION"] == "redis://127.0.0.1:6379/5"
    assert shown["caches"]["KEY_PREFIX"] == "minsheng"
    assert shown["session"] == "django.contrib.sessions.backends.cached_db"


def test_a_replica_url_adds_the_replica_alias(tmp_path):
    shown = settings_with(
        DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://app@db1/minsheng",
        DATABASE_REPLICA_URL="postgres://app@db2/minsheng",
    )
    assert shown["databases"] == ["default", "replica"]
    assert shown["replica_test"]["MIRROR"] == "default"


def test_both_databases_use_djangos_own_backends_with_its_own_options(tmp_path):
    urls = {
        "DATABASE_URL": "postgres://minsheng@db.internal/minsheng",
        "DATABASE_REPLICA_URL": "postgres://minsheng@replica.internal/minsheng",
    }
    shown = settings_with(DATA_DIR=str(tmp_path), **urls)
    for name in ("default", "replica"):
        assert shown["engines"][name] == "django.db.backends.postgresql"
        assert shown["health_checks"][name] is True
    shown = settings_with(DATA_DIR=str(tmp_path))
    assert shown["engines"]["default"] == "django.db.backends.sqlite3"
    options = shown["db_options"]["default"]
    # Writers take SQLite's lock when their transaction begins and queue for it instead of failing.
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
