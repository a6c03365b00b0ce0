import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Case
from tests.support.data import jpeg, png

from .helpers import submission, text


def test_it_creates_the_case_and_redirects_to_the_confirmation(client, users):
    response = client.post("/cases/new", submission())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.number}/submitted"
    assert case.name == "张桂兰"
    assert case.phone == "13800001234"
    assert case.age_band == "60_plus"
    assert case.state == "submitted"


def test_it_stores_the_uploaded_photos(client, users):
    client.post("/cases/new", submission(photos=[jpeg("kitchen-a.jpg"), png("kitchen-b.png")]))
    photos = Attachment.objects.filter(kind="photo")
    assert photos.count() == 2
    for photo in photos:
        assert default_storage.exists(photo.file.name)
        assert default_storage.exists(photo.thumbnail.name)
        assert "kitchen" not in photo.file.name  # server-generated names


def test_it_shows_the_case_number_in_large_digits_and_how_to_check_progress(client, users):
    response = client.post("/cases/new", submission(), follow=True)
    case = Case.objects.get()
    page = text(response)
    assert f'<p class="case-number" id="case-number">{case.number}</p>' in page
    assert "在首页输入编号即可查看办理进度" in page
    assert f'href="/cases/{case.number}"' in page


def test_it_accepts_a_case_without_photos_or_age_band(client, users):
    response = client.post("/cases/new", submission(photos=[], age_band=""))
    assert response.status_code == 302
    assert Case.objects.get().age_band == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category": ""}, "请选择诉求类型。"),
        ({"community": ""}, "请选择所在社区。"),
        ({"address": ""}, "请填写详细地址。"),
        ({"description": "   "}, "请填写诉求描述。"),
        ({"description": "漏" * 4001}, "诉求描述不能超过 4000 个字(现在 4001 个)"),
        ({"phone": "12345"}, "电话号码格式不正确"),
        ({"name": ""}, "请填写姓名。"),
        ({"description": "<script>alert(1)</script>楼道灯坏了"}, "诉求描述中不能包含网页代码"),
        ({"address": "3栋<b>2单元</b>"}, "详细地址中不能包含网页代码"),
        ({"photos": [SimpleUploadedFile("photo.jpg", b"not a picture", "image/jpeg")]}, "不是可识别的照片"),
        ({"photos": [jpeg(f"p{i}.jpg") for i in range(7)]}, "最多上传 6 张照片"),
    ],
    ids=[
        "missing-category",
        "missing-community",
        "missing-address",
        "empty-description",
        "4001-char-description",
        "malformed-phone",
        "missing-name",
        "script-in-description",
        "html-in-address",
        "non-image-photo",
        "seven-photos",
    ],
)
def test_it_refuses_bad_input_with_a_clear_message_and_saves_nothing(client, users, overrides, message):
    response = client.post("/cases/new", submission(**overrides))
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert 'role="alert"' in page
    assert Case.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_it_links_each_error_to_its_field_and_marks_the_field_invalid(client, users):
    response = client.post("/cases/new", submission(phone="12345"))
    page = text(response)
    assert 'href="#id_phone"' in page
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in page
    assert 'id="id_phone_error"' in page


def test_it_keeps_what_was_typed_when_refusing(client, users):
    response = client.post("/cases/new", submission(phone="12345"))
    assert 'value="3栋2单元5楼"' in text(response)


def test_it_asks_to_choose_the_photos_again_after_an_error(client, users):
    response = client.post("/cases/new", submission(name=""))
    assert "已选择的照片需要重新选择" in text(response)


def test_it_escapes_text_it_shows_back(client, users):
    response = client.post("/cases/new", submission(name="<script>x</script>"))
    page = text(response)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_a_voice_note_can_stand_in_for_the_description(client, users):
    from tests.support.audio import voice_file

    response = client.post("/cases/new", submission(description="", voice=voice_file("webm", seconds=2)))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/submitted"
    note = Attachment.objects.get(case=case, kind=Attachment.Kind.VOICE)
    assert 1.5 < note.duration_seconds < 2.5


def test_without_description_or_voice_note_nothing_is_saved(client, users):
    response = client.post("/cases/new", submission(description=""))
    assert response.status_code == 400
    assert "请填写诉求描述" in text(response)
    assert not Case.objects.exists()


def test_a_fake_voice_note_is_refused_with_a_clear_message(client, users):
    fake = SimpleUploadedFile("note.webm", b"not really audio" * 100, content_type="audio/webm")
    response = client.post("/cases/new", submission(voice=fake))
    assert response.status_code == 400
    assert not Case.objects.exists()
    assert 'aria-invalid="true"' in text(response) and 'id="id_voice"' in text(response)
