"""manage.py backup and restore: what the archive holds, and every refusal leaves things as they were.

The round trip under load, into a fresh database, is tests/reliability/test_backup_under_load.py.
"""

import hashlib
import io
import json
import tarfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from cases.models import Attachment, Case
from tests.support.data import jpeg, submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def archive(users, tmp_path):
    submit(photo_files=[jpeg("a.jpg")])
    submit(description="第二件", photo_files=[jpeg("b.jpg", colour=(0, 90, 0))])
    submit(description="没有照片")
    path = tmp_path / "backup.tar"
    call_command("backup", str(path), stdout=io.StringIO())
    return path


def _manifest(path) -> dict:
    with tarfile.open(path) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def _rewrite(path, change) -> None:
    """Rewrite the archive with change(name, data) -> data applied to every member."""
    with tarfile.open(path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(path, "w") as tar:
        for member, data in members:
            data = change(member.name, data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def test_the_archive_holds_the_database_and_every_referenced_file_with_its_checksum(archive):
    manifest = _manifest(archive)
    assert manifest["vendor"] == connection.vendor
    assert manifest["counts"]["cases"] == 3 and manifest["counts"]["events"] == 3
    assert ["cases", "0005_submission_key"] in manifest["migrations"]
    referenced = set()
    for attachment in Attachment.objects.all():
        referenced |= {attachment.file.name, attachment.thumbnail.name}
    assert {entry["name"] for entry in manifest["media"]} == referenced and len(referenced) == 4
    with tarfile.open(archive) as tar:
        for entry in manifest["media"]:
            data = tar.extractfile("media/" + entry["name"]).read()
            with default_storage.open(entry["name"], "rb") as stored:
                assert data == stored.read()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        database = tar.extractfile(manifest["database"]["member"]).read()
        assert hashlib.sha256(database).hexdigest() == manifest["database"]["sha256"]
    assert manifest["missing_media"] == []


def test_a_directory_gets_a_time_stamped_archive(users, tmp_path):
    out = io.StringIO()
    call_command("backup", str(tmp_path), stdout=out)
    [made] = tmp_path.glob("minsheng-*.tar")
    assert str(made) in out.getvalue() and not list(tmp_path.glob("*.partial"))


def test_restore_refuses_a_database_that_is_not_empty(archive):
    submit(description="备份之后的诉求")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Case.objects.filter(description="备份之后的诉求").exists() and Case.objects.count() == 4


@pytest.mark.parametrize("damaged", ["media/", "database."])
def test_restore_refuses_a_damaged_archive_even_with_force(archive, damaged):
    submit(description="备份之后的诉求")
    first = {"done": False}

    def flip(name, data):
        if name.startswith(damaged) and not first["done"]:
            first["done"] = True
            return data[:-1] + bytes([data[-1] ^ 0xFF])
        return data

    _rewrite(archive, flip)
    with pytest.raises(CommandError, match="checksum mismatch"):
        call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert Case.objects.count() == 4


def test_restore_refuses_a_backup_made_by_a_newer_version(archive):
    def newer(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"].append(["cases", "9999_from_the_future"])
        return json.dumps(manifest).encode()

    _rewrite(archive, newer)
    with pytest.raises(CommandError, match="newer version"):
        call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert Case.objects.count() == 3


def test_restore_refuses_something_that_is_not_a_backup(tmp_path, users):
    path = tmp_path / "other.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("hello.txt")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(CommandError, match="no manifest"):
        call_command("restore", str(path), stdout=io.StringIO())


def test_a_file_missing_from_storage_is_reported_not_hidden(users, tmp_path):
    case = submit(photo_files=[jpeg()])
    lost = case.attachments.get().file.name
    default_storage.delete(lost)
    err = io.StringIO()
    call_command("backup", str(tmp_path / "b.tar"), stdout=io.StringIO(), stderr=err)
    assert lost in err.getvalue() and "WARNING" in err.getvalue()
    assert _manifest(tmp_path / "b.tar")["missing_media"] == [lost]
