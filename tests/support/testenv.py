"""Loaded by pytest before Django (`-p tests.support.testenv`): tests run with development settings."""

import os

os.environ.setdefault("DEBUG", "1")
# A "replica" alias that mirrors the primary's test database, so the router is exercised; reads
# go to it only in tests marked `replica` (see conftest.py), which run in committed transactions.
os.environ.setdefault("DATABASE_REPLICA_URL", os.environ.get("DATABASE_URL") or "sqlite://:memory:")
