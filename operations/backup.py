"""Backups: the database and every media file it refers to, in one .tar with a manifest.

Consistency: the database snapshot is taken first (SQLite's online backup API, one step, so one
read transaction; PostgreSQL: pg_dump inside an exported REPEATABLE READ snapshot, which the same
transaction then reads the attachment list and counts from). The media files named by that
snapshot's Attachment rows are copied afterwards, through Django's storage API. This is safe because
stored files are never modified in place, only added (new names are generated for every upload):
a file the snapshot refers to was complete before its row committed, and it is still there.
Files added later belong to rows the snapshot does not have, and are not copied. (Rows deleted
after the snapshot could take their files with them; the platform deletes no attachment rows.)

Archive members: `manifest.json`, `database.sqlite3` or `database.pgdump` (pg_dump's custom
format), and `media/<storage name>` for each file. The manifest records the time, the database
vendor, the applied migrations, counts of cases, events, attachments and messages, and each file's
sha256 and size; restore checks every checksum before it changes anything.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "minsheng-backup/1"
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024

# Tables counted in the manifest (and by the reconciliation after a restore).
COUNTED = {
    "cases": "cases_case",
    "events": "cases_caseevent",
    "attachments": "cases_attachment",
    "messages": "notify_message",
}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Snapshot:
    path: Path
    migrations: list[tuple[str, str]]
    counts: dict[str, int]
    media: list[str]
    missing: list[str] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _referenced(rows) -> list[str]:
    names = set()
    for file_name, thumb in rows:
        names.update(n for n in (file_name, thumb) if n)
    return sorted(names)


def _read_snapshot(cursor, execute) -> tuple[list, dict, list]:
    execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = [tuple(row) for row in cursor.fetchall()]
    counts = {}
    for key, table in COUNTED.items():
        execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (fixed table names)
        counts[key] = cursor.fetchone()[0]
    execute("SELECT file, thumbnail FROM cases_attachment")
    return migrations, counts, _referenced(cursor.fetchall())


# ---------------------------------------------------------------------------------------------
# Taking the database snapshot


def _snapshot_sqlite(alias: str, workdir: Path) -> Snapshot:
    target = workdir / DB_MEMBER["sqlite"]
    connection = connections[alias]
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # pages=-1 (the default): every page in one step, under one read transaction — a
        # consistent snapshot however many writers are busy (WAL lets them carry on meanwhile).
        connection.connection.backup(destination)
    finally:
        destination.close()
    snap = sqlite3.connect(target)
    try:
        cursor = snap.cursor()
        migrations, counts, media = _read_snapshot(cursor, cursor.execute)
    finally:
        snap.close()
    return Snapshot(target, migrations, counts, media)


def _pg_env(settings_dict: dict) -> tuple[list[str], dict]:
    """Connection arguments for pg_dump / pg_restore / psql, and the environment (password)."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _snapshot_postgresql(alias: str, workdir: Path) -> Snapshot:
    import psycopg

    target = workdir / DB_MEMBER["postgresql"]
    settings_dict = connections[alias].settings_dict
    args, env = _pg_env(settings_dict)
    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as snap:
        snap.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snap.read_only = True
        with snap.cursor() as cursor:
            # The transaction's snapshot is fixed by its first statement; pg_dump reuses it, and
            # the reads below see exactly what the dump contains.
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            _run(
                [
                    "pg_dump",
                    *args,
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(target),
                    "--dbname",
                    settings_dict["NAME"],
                ],
                env,
                "pg_dump",
            )
            migrations, counts, media = _read_snapshot(cursor, cursor.execute)
        snap.rollback()
    return Snapshot(target, migrations, counts, media)


# ---------------------------------------------------------------------------------------------
# Backup


def archive_path(destination: str | Path, now: datetime) -> Path:
    """A directory gets a time-stamped file inside it; anything else is the file's own name."""
    destination = Path(destination)
    if destination.is_dir():
        return destination / f"minsheng-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"
    return destination


def create(destination: str | Path, *, alias: str = "default") -> tuple[Path, dict]:
    """Write a backup archive; return its path and manifest."""
    now = timezone.now()
    path = archive_path(destination, now)
    vendor = connections[alias].vendor
    if vendor not in DB_MEMBER:
        raise BackupError(f"cannot back up a {vendor} database (only SQLite and PostgreSQL)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="minsheng-backup-") as tmp:
        workdir = Path(tmp)
        snapshot = (_snapshot_sqlite if vendor == "sqlite" else _snapshot_postgresql)(alias, workdir)
        partial = path.with_name(path.name + ".partial")
        media = []
        with tarfile.open(partial, "w") as tar:
            tar.add(snapshot.path, arcname=DB_MEMBER[vendor])
            for name in snapshot.media:
                entry = _add_media(tar, name)
                if entry is None:
                    snapshot.missing.append(name)
                else:
                    media.append(entry)
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "vendor": vendor,
                "database": {"member": DB_MEMBER[vendor], "sha256": _sha256_file(snapshot.path)},
                "migrations": [list(m) for m in snapshot.migrations],
                "counts": snapshot.counts,
                "media": media,
                "missing_media": snapshot.missing,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            tar.addfile(info, _BytesReader(data))
        os.replace(partial, path)  # a half-written archive never has the final name
    return path, manifest


class _BytesReader:
    def __init__(self, data: bytes):
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk = self._data[self._pos : end]
        self._pos += len(chunk)
        return chunk


def _add_media(tar: tarfile.TarFile, name: str) -> dict | None:
    """Copy one stored file into the archive through the storage API; None when it is missing."""
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        return None
    with handle, tempfile.TemporaryFile() as spool:
        digest = hashlib.sha256()
        size = 0
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            spool.write(chunk)
            size += len(chunk)
        spool.seek(0)
        info = tarfile.TarInfo(MEDIA_PREFIX + name)
        info.size = size
        info.mtime = int(timezone.now().timestamp())
        tar.addfile(info, spool)
    return {"name": name, "sha256": digest.hexdigest(), "size": size}


# ---------------------------------------------------------------------------------------------
# Restore


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError("not a Minsheng backup: the archive has no manifest.json") from None
    manifest = json.loads(tar.extractfile(member).read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (expected {FORMAT})")
    return manifest


def _extract_checked(tar: tarfile.TarFile, member_name: str, sha256: str, into: Path) -> Path:
    try:
        member = tar.getmember(member_name)
    except KeyError:
        raise BackupError(f"the archive lacks {member_name}") from None
    if not member.isfile():
        raise BackupError(f"{member_name} in the archive is not a regular file")
    into.parent.mkdir(parents=True, exist_ok=True)
    with tar.extractfile(member) as source, open(into, "wb") as target:
        shutil.copyfileobj(source, target, CHUNK)
    if _sha256_file(into) != sha256:
        raise BackupError(f"checksum mismatch for {member_name}: the archive is damaged")
    return into


@dataclass
class Verified:
    manifest: dict
    database: Path
    media: dict[str, Path]


@contextmanager
def verified(archive: str | Path):
    """Extract an archive to a temporary directory and check every checksum against its manifest."""
    with tempfile.TemporaryDirectory(prefix="minsheng-restore-") as tmp, tarfile.open(archive, "r") as tar:
        workdir = Path(tmp)
        manifest = read_manifest(tar)
        db = manifest["database"]
        database = _extract_checked(tar, db["member"], db["sha256"], workdir / "db" / db["member"])
        media = {}
        for i, entry in enumerate(manifest["media"]):
            media[entry["name"]] = _extract_checked(
                tar, MEDIA_PREFIX + entry["name"], entry["sha256"], workdir / "media" / str(i)
            )
        yield Verified(manifest, database, media)


def code_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def is_empty(alias: str) -> bool:
    """No tables at all: a database that was never migrated (or only just created)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore(archive: str | Path, *, alias: str = "default", force: bool = False, media: bool = True) -> dict:
    """Restore an archive into the database `alias` and the default storage; return a summary.

    Everything is checked first (manifest, checksums, vendor, migrations, an empty target unless
    `force`, media files that would be overwritten); only then are media files added and the
    database replaced in one transaction.
    """
    connection = connections[alias]
    with verified(archive) as backup:
        manifest = backup.manifest
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"the backup is of a {manifest['vendor']} database; the target is {connection.vendor}"
            )
        applied = {tuple(m) for m in manifest["migrations"]}
        unknown = applied - code_migrations()
        if unknown:
            sample = ", ".join(f"{app}.{name}" for app, name in sorted(unknown)[:5])
            raise BackupError(
                f"the backup was made by a newer version of the platform (migrations {sample}); "
                "install that version before restoring"
            )
        if not force and not is_empty(alias):
            raise BackupError(
                "the target database is not empty; restore into a new database, or add --force to "
                "replace everything in it"
            )
        plan = _media_plan(backup.media, manifest, force=force) if media else []
        for name, path in plan:
            _store(name, path, replace=force)
        if connection.vendor == "sqlite":
            _restore_sqlite(backup.database, alias)
        else:
            _restore_postgresql(backup.database, alias, force=force)
        connection.close()
        missing_migrations = sorted(code_migrations() - applied)
        if alias == "default":
            # Cached public pages are keyed by case version, which a restored case may reuse.
            cache.clear()
    return {
        "manifest": manifest,
        "media_written": len(plan),
        "media_total": len(manifest["media"]),
        "needs_migrate": bool(missing_migrations),
    }


def _media_plan(files: dict[str, Path], manifest: dict, *, force: bool) -> list[tuple[str, Path]]:
    """The files to write; a different file already stored under a name is refused unless forced."""
    plan = []
    for entry in manifest["media"]:
        name = entry["name"]
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as existing:
                digest = hashlib.sha256()
                while chunk := existing.read(CHUNK):
                    digest.update(chunk)
            if digest.hexdigest() == entry["sha256"]:
                continue  # already there, identical
            if not force:
                raise BackupError(f"media file {name} exists with other content; add --force to replace it")
        plan.append((name, files[name]))
    return plan


def _store(name: str, path: Path, *, replace: bool) -> None:
    if replace and default_storage.exists(name):
        default_storage.delete(name)
    with open(path, "rb") as fh:
        saved = default_storage.save(name, File(fh, name=name))
    if saved != name:
        default_storage.delete(saved)
        raise BackupError(f"the storage would not keep the name {name} (it chose {saved})")


def _restore_sqlite(database: Path, alias: str) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    source = sqlite3.connect(database)
    try:
        # Page by page through SQLite itself (not a file copy, which a live WAL file could undo):
        # the target ends up identical to the snapshot, in one write transaction.
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(database: Path, alias: str, *, force: bool) -> None:
    """pg_restore's SQL, preceded (with --force) by dropping the target's tables, run by psql in a
    single transaction: a failure leaves the target as it was."""
    connection = connections[alias]
    settings_dict = connection.settings_dict
    args, env = _pg_env(settings_dict)
    with tempfile.TemporaryDirectory(prefix="minsheng-restore-sql-") as tmp:
        script = Path(tmp) / "restore.sql"
        with open(script, "w") as fh:
            fh.write("SET client_min_messages = warning;\n")
            if force:
                with connection.cursor() as cursor:
                    tables = connection.introspection.table_names(cursor)
                for table in tables:
                    fh.write(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE;\n")
        body = Path(tmp) / "dump.sql"
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--file", str(body), str(database)],
            env,
            "pg_restore",
        )
        with open(script, "a") as fh, open(body) as dump:
            shutil.copyfileobj(dump, fh)
        connection.close()
        _run(
            [
                "psql",
                *args,
                "--quiet",
                "--no-psqlrc",
                "--single-transaction",
                "--set",
                "ON_ERROR_STOP=1",
                "--file",
                str(script),
                "--dbname",
                settings_dict["NAME"],
            ],
            env,
            "psql (restoring the dump)",
        )
