"""Every entry of the bad-upload catalogue (tests/support/uploads.py) through every web entry point:
the home page's form (photos and voice), the help desk's form (photos and voice), the staff
completion form (before photos) and the elder flow's voice note. Rejected: a clear message and
nothing saved. Accepted: only a clean copy stored."""

import html

import pytest

from cases.models import Attachment, Case, Category, Community, Resolution
from tests.support.data import case_in, jpeg
from tests.support.uploads import (
    ACCEPTED,
    PHOTOS,
    VOICE,
    assert_nothing_stored,
    assert_photos_stored,
    assert_voice_stored,
    media_files,
)
from web.elder import SESSION_KEY

from .helpers import submission, text

PHOTO_IDS = [entry.key for entry in PHOTOS]
VOICE_IDS = [entry.key for entry in VOICE]


def _rejected_clearly(response, entry) -> None:
    assert response.status_code == 400
    page = html.unescape(text(response))
    assert entry.message in page
    assert "Traceback" not in page


@pytest.mark.parametrize("entry", PHOTOS, ids=PHOTO_IDS)
def test_the_home_page_form(client, users, entry):
    response = client.post("/cases/new", submission(photos=entry.build()))
    if entry.outcome == ACCEPTED:
        assert response.status_code == 302, text(response)[:2000]
        assert_photos_stored(entry, Case.objects.get().attachments.all())
    else:
        _rejected_clearly(response, entry)
        assert not Case.objects.exists()
        assert_nothing_stored()


@pytest.mark.parametrize("entry", VOICE, ids=VOICE_IDS)
def test_the_home_page_form_voice_note(client, users, entry):
    response = client.post("/cases/new", submission(photos=[], voice=entry.build()[0]))
    if entry.outcome == ACCEPTED:
        assert response.status_code == 302, text(response)[:2000]
        note = Case.objects.get().attachments.get(kind=Attachment.Kind.VOICE)
        assert_voice_stored(note.file.name, note.content_type)
        assert media_files() == [note.file.name]
    else:
        _rejected_clearly(response, entry)
        assert not Case.objects.exists()
        assert_nothing_stored()


@pytest.mark.parametrize("entry", PHOTOS, ids=PHOTO_IDS)
def test_the_help_desk_form(client, users, entry):
    client.force_login(users["volunteer"])
    data = {
        "name": "张桂兰",
        "phone": "13800001234",
        "category": Category.objects.get(code="infrastructure").pk,
        "community": Community.objects.get(code="zhuzhi").pk,
        "address": "3栋2单元5楼",
        "description": "卫生间冷水龙头损坏,漏水严重。",
        "consent": "on",
        "photos": entry.build(),
    }
    response = client.post("/desk/new", data)
    if entry.outcome == ACCEPTED:
        assert response.status_code == 302, text(response)[:2000]
        assert_photos_stored(entry, Case.objects.get().attachments.all())
    else:
        _rejected_clearly(response, entry)
        assert not Case.objects.exists()
        assert_nothing_stored()


@pytest.mark.parametrize("entry", VOICE, ids=VOICE_IDS)
def test_the_help_desk_forms_voice_note(client, users, entry):
    client.force_login(users["volunteer"])
    data = {
        "name": "张桂兰",
        "phone": "13800001234",
        "category": Category.objects.get(code="infrastructure").pk,
        "community": Community.objects.get(code="zhuzhi").pk,
        "address": "3栋2单元5楼",
        "description": "",
        "consent": "on",
        "voice": entry.build()[0],
    }
    response = client.post("/desk/new", data)
    if entry.outcome == ACCEPTED:
        assert response.status_code == 302, text(response)[:2000]
        note = Case.objects.get().attachments.get(kind=Attachment.Kind.VOICE)
        assert_voice_stored(note.file.name, note.content_type)
        assert media_files() == [note.file.name]
    else:
        _rejected_clearly(response, entry)
        assert not Case.objects.exists()
        assert_nothing_stored()


@pytest.mark.parametrize("entry", PHOTOS, ids=PHOTO_IDS)
def test_the_staff_completion_form(client, users, entry):
    case = case_in("handling", users)
    client.force_login(users["handler"])
    data = {
        "complete-explanation": "已更换水龙头。",
        "complete-before": entry.build(),
        "complete-after": [jpeg("after.jpg")],
    }
    response = client.post(f"/staff/cases/{case.number}/complete", data)
    case.refresh_from_db()
    if entry.outcome == ACCEPTED:
        assert response.status_code == 302, text(response)[:2000]
        assert case.state == "completed"
        assert_photos_stored(
            entry, case.attachments.filter(kind="before"), others=case.attachments.filter(kind="after")
        )
    else:
        _rejected_clearly(response, entry)
        assert case.state == "handling"
        assert not Resolution.objects.exists()
        assert_nothing_stored()


@pytest.mark.parametrize("entry", VOICE, ids=VOICE_IDS)
def test_the_elder_flows_voice_note(client, users, entry):
    response = client.post("/elder/", {"category": "infrastructure", "voice": entry.build()[0]})
    report = client.session.get(SESSION_KEY) or {}
    if entry.outcome == ACCEPTED:
        assert response.status_code == 302, text(response)[:2000]
        assert_voice_stored(report["voice"])
        assert media_files() == [report["voice"]]
        played = client.get("/elder/voice")
        assert played["Content-Type"].startswith("audio/")
    else:
        _rejected_clearly(response, entry)
        assert "voice" not in report
        assert_nothing_stored()
        assert client.get("/elder/voice").status_code == 404


def test_more_files_than_django_reads_is_a_clear_400(client, users, settings):
    # Past DATA_UPLOAD_MAX_NUMBER_FILES Django stops reading the request at all.
    files = [jpeg(f"p{i}.jpg") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = client.post("/cases/new", submission(photos=files))
    assert response.status_code == 400
    assert "无法处理这个请求" in text(response)
    assert not Case.objects.exists()
    assert_nothing_stored()
