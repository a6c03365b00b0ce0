"""Voice notes through the REST API (multipart `voice`) and the help desk's form, as the home form
takes them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Case, Category, Community
from tests.support.audio import voice_file

from .conftest import post_json
from .test_submit import URL, valid


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_voice_note_may_stand_for_the_description(client, users):
    response = client.post(URL, {**valid(description=""), "voice": voice_file("webm")})
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    assert note.duration_seconds and note.duration_seconds > 1
    assert case.description  # the placeholder that says to listen to the recording


def test_a_volunteer_token_sends_one_too(client, users, token_for):
    data = {**valid(description="居民口述,见录音"), "consent": "true", "voice": voice_file("wav")}
    response = client.post(URL, data, headers=token_for("volunteer"))
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.channel == "help_desk" and case.attachments.filter(kind=Attachment.Kind.VOICE).count() == 1


def test_bad_voice_input_is_refused_and_nothing_is_saved(client, users):
    fake = SimpleUploadedFile("voice.webm", b"not audio at all", content_type="audio/webm")
    response = client.post(URL, {**valid(description=""), "voice": fake})
    assert response.status_code == 422
    assert "voice" in response.json()["errors"]
    two = client.post(URL, {**valid(), "voice": [voice_file("wav"), voice_file("wav")]})
    assert two.status_code == 422 and "voice" in two.json()["errors"]
    neither = post_json(client, URL, valid(description=""))
    assert neither.status_code == 422 and "description" in neither.json()["errors"]
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_the_desk_form_takes_a_voice_note(client, users):
    client.force_login(users["volunteer"])
    page = client.get("/desk/new").content.decode()
    assert 'name="voice"' in page and "居民的语音留言" in page
    response = client.post(
        "/desk/new",
        {
            "name": "张桂兰",
            "phone": "13800001234",
            "age_band": "60_plus",
            "category": Category.objects.get(code="infrastructure").pk,
            "community": Community.objects.get(code="zhuzhi").pk,
            "address": "3栋2单元5楼",
            "description": "",
            "consent": "on",
            "voice": voice_file("ogg"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.attachments.filter(kind=Attachment.Kind.VOICE).count() == 1
