"""Every photo of the bad-upload catalogue (tests/support/uploads.py) through the REST API: POST
/api/v1/cases (multipart, with every voice entry too) and a handler's POST
/api/v1/cases/{number}/complete. Rejected: a 422
whose message says why, and nothing saved. Accepted: only a clean JPEG stored.

Open311 POST requests takes no media (media_url is not fetched; see api/open311.py), so it has no
upload to test."""

import pytest

from cases.models import Case, Resolution
from tests.support.data import API_SUBMISSION, case_in, jpeg
from tests.support.uploads import (
    ACCEPTED,
    PHOTOS,
    VOICE,
    assert_nothing_stored,
    assert_photos_stored,
    assert_voice_stored,
    media_files,
)

FIELDS = API_SUBMISSION


def _rejected_clearly(response, entry) -> None:
    assert response.status_code == 422, response.content[:500]
    body = response.json()
    assert entry.message in body["detail"]
    assert body["errors"]


@pytest.mark.parametrize("entry", PHOTOS, ids=[entry.key for entry in PHOTOS])
def test_submitting_a_case(client, users, entry):
    response = client.post("/api/v1/cases", {**FIELDS, "photos": entry.build()})
    if entry.outcome == ACCEPTED:
        assert response.status_code == 201, response.content[:500]
        assert_photos_stored(entry, Case.objects.get().attachments.all())
    else:
        _rejected_clearly(response, entry)
        assert "photos" in response.json()["errors"]
        assert not Case.objects.exists()
        assert_nothing_stored()


@pytest.mark.parametrize("entry", VOICE, ids=[entry.key for entry in VOICE])
def test_submitting_a_case_with_a_voice_note(client, users, entry):
    from cases.models import Attachment

    response = client.post("/api/v1/cases", {**FIELDS, "description": "", "voice": entry.build()[0]})
    if entry.outcome == ACCEPTED:
        assert response.status_code == 201, response.content[:500]
        note = Case.objects.get().attachments.get(kind=Attachment.Kind.VOICE)
        assert_voice_stored(note.file.name, note.content_type)
        assert media_files() == [note.file.name]
    else:
        _rejected_clearly(response, entry)
        assert "voice" in response.json()["errors"]
        assert not Case.objects.exists()
        assert_nothing_stored()


@pytest.mark.parametrize("entry", PHOTOS, ids=[entry.key for entry in PHOTOS])
def test_completing_a_case(client, users, token_for, entry):
    case = case_in("handling", users)
    response = client.post(
        f"/api/v1/cases/{case.number}/complete",
        {"explanation": "已更换水龙头。", "before": entry.build(), "after": [jpeg("after.jpg")]},
        headers=token_for("handler"),
    )
    case.refresh_from_db()
    if entry.outcome == ACCEPTED:
        assert response.status_code == 200, response.content[:500]
        assert case.state == "completed"
        assert_photos_stored(
            entry, case.attachments.filter(kind="before"), others=case.attachments.filter(kind="after")
        )
    else:
        _rejected_clearly(response, entry)
        assert "before" in response.json()["errors"]
        assert case.state == "handling"
        assert not Resolution.objects.exists()
        assert_nothing_stored()


def test_the_catalogue_is_documented():
    from pathlib import Path

    from tests.support.uploads import CATALOGUE

    doc = (Path(__file__).resolve().parents[2] / "docs" / "uploads.md").read_text()
    missing = [entry.key for entry in CATALOGUE if f"| `{entry.key}` |" not in doc]
    assert not missing, f"add these to docs/uploads.md: {missing}"
