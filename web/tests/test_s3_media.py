"""Photos and voice notes in an S3-compatible bucket (S3_BUCKET): uploaded through the storage API,
kept private, and served only through the views that check who may see them. moto stands in for
the S3 service."""

import boto3
import pytest
from django.core.files.storage import default_storage
from moto import mock_aws

from cases.models import Attachment, Case
from tests.support.audio import voice_file
from tests.support.data import case_in, jpeg, submit

from .helpers import submission

BUCKET = "minsheng-test-media"


@pytest.fixture
def bucket(settings):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        s3.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "access_key": "t",
                    "secret_key": "t",
                    "region_name": "us-east-1",
                    "default_acl": "private",
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
        }
        yield s3


def keys(s3) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_photos_submitted_on_the_form_land_in_the_bucket(client, users, bucket):
    response = client.post("/cases/new", submission(photos=[jpeg("kitchen.jpg")]))
    assert response.status_code == 302
    photo = Case.objects.get().attachments.get(kind="photo")
    assert {photo.file.name, photo.thumbnail.name} <= keys(bucket)
    assert "kitchen" not in photo.file.name
    body = bucket.get_object(Bucket=BUCKET, Key=photo.file.name)["Body"].read()
    assert body[:2] == b"\xff\xd8"


def test_the_bucket_is_private(users, bucket):
    photo = submit(photo_files=[jpeg()]).attachments.get()
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=photo.file.name)["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee", {})) for grant in grants)
    # Any URL the storage would hand out is signed and short-lived, never a bare public address.
    url = default_storage.url(photo.file.name)
    assert "Signature=" in url
    assert "Expires=" in url or "X-Amz-Expires=" in url


def test_a_residents_photo_from_the_bucket_is_served_to_intake_and_hidden_from_others(client, users, bucket):
    photo = submit(photo_files=[jpeg()]).attachments.get()
    assert client.get(f"/media/attachments/{photo.pk}/full").status_code == 404
    assert client.get(f"/media/attachments/{photo.pk}/thumb").status_code == 404
    client.force_login(users["intake"])
    response = client.get(f"/media/attachments/{photo.pk}/full")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_resolution_photos_from_the_bucket_are_public(client, users, bucket):
    case = case_in("completed", users)
    after = case.attachments.get(kind=Attachment.Kind.AFTER)
    assert after.file.name in keys(bucket)
    response = client.get(f"/media/attachments/{after.pk}/thumb")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_photo_missing_from_the_bucket_is_a_404_not_an_error(client, users, bucket):
    case = case_in("completed", users)
    after = case.attachments.get(kind=Attachment.Kind.AFTER)
    bucket.delete_object(Bucket=BUCKET, Key=after.file.name)
    assert client.get(f"/media/attachments/{after.pk}/full").status_code == 404


def test_a_voice_note_in_the_bucket_plays_only_for_staff_who_may_open_the_case(client, users, bucket):
    response = client.post("/cases/new", submission(voice=voice_file("webm"), photos=[]))
    assert response.status_code == 302
    note = Case.objects.get().attachments.get(kind=Attachment.Kind.VOICE)
    assert note.file.name in keys(bucket)
    url = f"/staff/voice/{note.pk}"
    assert client.get(url).status_code in (302, 404)  # anonymous: sent to sign in, never the file
    client.force_login(users["intake"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == note.content_type
    assert len(b"".join(response.streaming_content)) == note.size
