"""Voice notes on the staff case page: played through an access-checked view, transcript editable."""

from cases.models import Attachment
from tests.support.audio import voice_file
from tests.support.data import submit

from .helpers import text


def _case_with_voice():
    case = submit(description="", voice_file=voice_file("webm"))
    return case, case.attachments.get(kind=Attachment.Kind.VOICE)


def test_staff_see_a_player_and_the_transcript_form(client, users):
    case, note = _case_with_voice()
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert f'<audio controls preload="none" src="/staff/voice/{note.pk}">' in page
    assert f'action="/staff/voice/{note.pk}/transcript"' in page
    assert "(语音留言,请收听录音)" in page and "时长 0:02" in page


def test_intake_can_play_the_recording(client, users):
    _case, note = _case_with_voice()
    client.force_login(users["intake"])
    response = client.get(f"/staff/voice/{note.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/webm"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:4] == b"\x1a\x45\xdf\xa3"


def test_the_public_and_other_departments_cannot_hear_it(client, users, other_handler):
    _case, note = _case_with_voice()
    assert client.get(f"/staff/voice/{note.pk}").status_code == 302  # to the login page
    client.force_login(other_handler)
    assert client.get(f"/staff/voice/{note.pk}").status_code == 404


def test_a_photo_id_is_not_a_voice_note(client, users):
    from tests.support.data import jpeg

    case = submit(photo_files=[jpeg()])
    photo = case.attachments.get()
    client.force_login(users["intake"])
    assert client.get(f"/staff/voice/{photo.pk}").status_code == 404


def test_staff_correct_the_transcript(client, users):
    _case, note = _case_with_voice()
    client.force_login(users["intake"])
    response = client.post(
        f"/staff/voice/{note.pk}/transcript", {"transcript": "三栋二单元楼道灯不亮"}, follow=True
    )
    note.refresh_from_db()
    assert note.transcript == "三栋二单元楼道灯不亮"
    assert "语音转写已保存。" in text(response)


def test_a_bad_transcript_is_refused_with_a_message_and_changes_nothing(client, users):
    _case, note = _case_with_voice()
    client.force_login(users["intake"])
    response = client.post(
        f"/staff/voice/{note.pk}/transcript", {"transcript": "<script>x</script>"}, follow=True
    )
    note.refresh_from_db()
    assert note.transcript == ""
    assert "不能包含网页代码" in text(response)


def test_someone_who_may_not_see_the_case_cannot_change_the_transcript(client, users, other_handler):
    _case, note = _case_with_voice()
    client.force_login(other_handler)
    assert client.post(f"/staff/voice/{note.pk}/transcript", {"transcript": "x"}).status_code == 404
    note.refresh_from_db()
    assert note.transcript == ""
