"""Uploaded media are served so that no browser runs them: a fixed image or audio type matching what
was stored, nosniff, inline under a generated name, a sandbox policy; never HTML or SVG."""

import re

import pytest

from cases.models import Attachment
from tests.support.audio import voice_file
from tests.support.data import case_in, jpeg, submit
from tests.support.uploads import ACCEPTED, PHOTOS

SAFE_TYPES = {"image/jpeg", "audio/webm", "audio/ogg", "audio/mp4", "audio/wav"}


def assert_served_safely(response, content_type: str, filename_pattern: str, body_start: bytes) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    disposition = response["Content-Disposition"]
    assert re.fullmatch(rf'inline; filename="{filename_pattern}"', disposition), disposition
    body = b"".join(response.streaming_content)
    assert body.startswith(body_start)
    return body


@pytest.mark.parametrize(
    "entry", [e for e in PHOTOS if e.outcome == ACCEPTED and "name" in e.key], ids=lambda e: e.key
)
def test_a_photo_with_a_hostile_name_is_served_under_a_generated_one(client, users, entry):
    case = case_in("handling", users)
    client.force_login(users["handler"])
    client.post(
        f"/staff/cases/{case.number}/complete",
        {"complete-explanation": "已修好", "complete-before": entry.build(), "complete-after": [jpeg()]},
    )
    client.logout()
    for photo in case.attachments.filter(kind__in=["before", "after"]):
        for variant, suffix in (("full", ""), ("thumb", "-thumb")):
            response = client.get(f"/media/attachments/{photo.pk}/{variant}")
            assert_served_safely(
                response, "image/jpeg", rf"{case.number}-{photo.pk}{suffix}\.jpg", b"\xff\xd8"
            )
            assert response["Cache-Control"] == "public, max-age=3600"


def test_a_residents_photo_is_served_privately_to_staff(client, users):
    case = submit(photo_files=[jpeg("../../x.svg")])
    photo = case.attachments.get()
    client.force_login(users["intake"])
    response = client.get(f"/media/attachments/{photo.pk}/full")
    assert_served_safely(response, "image/jpeg", rf"{case.number}-{photo.pk}\.jpg", b"\xff\xd8")
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "kind, content_type, magic",
    [
        ("webm", "audio/webm", b"\x1a\x45\xdf\xa3"),
        ("ogg", "audio/ogg", b"OggS"),
        ("mp4", "audio/mp4", b"\x00\x00\x00"),
        ("wav", "audio/wav", b"RIFF"),
    ],
)
def test_a_voice_note_is_served_as_the_audio_type_it_was_stored_as(client, users, kind, content_type, magic):
    case = submit(description="", voice_file=voice_file(kind, name="<script>.html"))
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    client.force_login(users["intake"])
    response = client.get(f"/staff/voice/{note.pk}")
    extension = note.file.name.rsplit(".", 1)[1]
    assert extension in {"webm", "ogg", "m4a", "wav"}
    assert_served_safely(response, content_type, rf"{case.number}-{note.pk}\.{extension}", magic)
    assert response["Cache-Control"] == "private, no-store"


def test_a_tampered_content_type_is_never_served_as_a_page(client, users):
    # Should a row ever say text/html (an admin's slip, a bad migration), the browser gets a download.
    case = submit(description="", voice_file=voice_file("webm"))
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    for bad in ("text/html", "image/svg+xml", "application/xhtml+xml", "text/html; charset=utf-8"):
        Attachment.objects.filter(pk=note.pk).update(content_type=bad)
        client.force_login(users["intake"])
        response = client.get(f"/staff/voice/{note.pk}")
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_elder_flows_own_recording_is_served_as_audio(client, users):
    client.post("/elder/", {"category": "infrastructure", "voice": voice_file("ogg", name="a.html")})
    response = client.get("/elder/voice")
    assert_served_safely(response, "audio/ogg", r"voice\.ogg", b"OggS")
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] in SAFE_TYPES
