"""A backup taken while cases keep coming in, restored into a fresh database, reconciled.

Real processes on a real database of the vendor under test (a temporary SQLite file, or on
PostgreSQL the databases <name>_bsrc and <name>_restore beside DATABASE_URL's): the submitter
journals each case after it committed; every case journaled before the backup started must be in
the restored database with its content, its events and its photos (checksums equal).
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SUBMITTER = Path(__file__).with_name("submitter.py")

pytestmark = pytest.mark.django_db(transaction=True)


def _manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


class Databases:
    """The source and the restore target, of the vendor the test suite runs on."""

    def __init__(self, tmp: Path):
        self.vendor = connection.vendor
        self.tmp = tmp
        if self.vendor == "postgresql":
            base = urlsplit(os.environ["DATABASE_URL"])
            name = base.path.lstrip("/")
            self.source_url = urlunsplit(base._replace(path=f"/{name}_bsrc"))
            self.target_url = urlunsplit(base._replace(path=f"/{name}_restore"))
            self._admin = urlunsplit(base._replace(path="/postgres"))
            for url in (self.source_url, self.target_url):
                self._recreate(url)
        else:
            # The source is configured as in production (DATA_DIR: WAL, immediate transactions).
            self.source_url = None
            self.target_url = f"sqlite:///{tmp / 'restored.sqlite3'}"

    def _recreate(self, url: str) -> None:
        import psycopg

        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(self._admin, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')

    def drop(self) -> None:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self._admin, autocommit=True) as admin:
                for url in (self.source_url, self.target_url):
                    admin.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')

    def env(self, url: str | None, media: Path, data_dir: Path) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "DATA_DIR")}
        env.update(DEBUG="1", DATA_DIR=str(data_dir), MEDIA_ROOT=str(media), PYTHONPATH=str(ROOT))
        if url:
            env["DATABASE_URL"] = url
        return env

    def query(self, url: str, sql: str, params=()) -> list[tuple]:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(url) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        with sqlite3.connect(urlsplit(url).path) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture
def databases(tmp_path):
    dbs = Databases(tmp_path)
    yield dbs
    dbs.drop()


def _journal(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.endswith("}")]


def _wait_for(path: Path, count: int, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while len(_journal(path)) < count:
        assert time.monotonic() < end, "the submitter did not get going"
        time.sleep(0.2)


def test_a_backup_under_load_restores_every_acknowledged_case(databases, tmp_path):
    source_media, restored_media = tmp_path / "media-source", tmp_path / "media-restored"
    source = databases.env(databases.source_url, source_media, tmp_path / "source")
    restored = databases.env(None, restored_media, tmp_path / "other")
    _manage(source, "migrate", "--noinput", "-v0")

    journal, stop = tmp_path / "journal.jsonl", tmp_path / "stop"
    submitter = subprocess.Popen(
        [sys.executable, str(SUBMITTER), str(journal), str(stop)],
        cwd=ROOT,
        env=source,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(journal, 12)
        acknowledged = _journal(journal)  # committed before the backup starts
        backup = _manage(source, "backup", str(tmp_path / "backup.tar"))
        _wait_for(journal, len(acknowledged) + 3)  # the load went on during the backup
    finally:
        stop.touch()
        _out, err = submitter.communicate(timeout=60)
    assert submitter.returncode == 0, err.decode()
    assert "Backup written" in backup.stdout

    # A fresh database and an empty media directory.
    result = _manage(restored, "restore", str(tmp_path / "backup.tar"), "--to", databases.target_url)
    assert "Restored the backup" in result.stdout

    target = databases.target_url
    for case in acknowledged:
        rows = databases.query(
            target, "SELECT id, description, phone FROM cases_case WHERE number = ?", [case["number"]]
        )
        assert len(rows) == 1, f"case {case['number']} acknowledged before the backup is missing"
        case_id, description, phone = rows[0]
        assert (description, phone) == (case["description"], case["phone"])
        actions = {
            a
            for (a,) in databases.query(
                target, "SELECT action FROM cases_caseevent WHERE case_id = ?", [case_id]
            )
        }
        assert set(case["actions"]) <= actions, case["number"]
        for name, digest in case["files"].items():
            assert hashlib.sha256((restored_media / name).read_bytes()).hexdigest() == digest, name
    restored_numbers = [
        n for (n,) in databases.query(target, "SELECT number FROM cases_case ORDER BY number")
    ]
    assert len(restored_numbers) == len(set(restored_numbers)) >= len(acknowledged)
    # Gap-free: the numbers of the day run 1..n in the restored database too.
    day = restored_numbers[0][:8]
    assert restored_numbers == [f"{day}-{n:04d}" for n in range(1, len(restored_numbers) + 1)]
    # Every file the restored rows refer to is there (none from after the snapshot is needed).
    for file_name, thumb in databases.query(target, "SELECT file, thumbnail FROM cases_attachment"):
        assert (restored_media / file_name).is_file() and (restored_media / thumb).is_file()

    # The restored database is not empty now: a second restore is refused, and --force replaces it.
    again = _manage(restored, "restore", str(tmp_path / "backup.tar"), "--to", target, check=False)
    assert again.returncode != 0 and "not empty" in again.stderr
    forced = _manage(restored, "restore", str(tmp_path / "backup.tar"), "--to", target, "--force")
    assert "Restored the backup" in forced.stdout
    assert databases.query(target, "SELECT COUNT(*) FROM cases_case")[0][0] == len(restored_numbers)

    # A backup from before the latest migration is migrated after it is restored.
    _manage(source, "migrate", "cases", "0004", "--noinput", "-v0")
    _manage(source, "backup", str(tmp_path / "older.tar"))
    older = _manage(restored, "restore", str(tmp_path / "older.tar"), "--to", target, "--force")
    assert "migrating" in older.stdout
    assert databases.query(target, "SELECT COUNT(*) FROM cases_submissionkey")[0][0] == 0
    applied = databases.query(target, "SELECT name FROM django_migrations WHERE app = 'cases'")
    assert ("0005_submission_key",) in applied
