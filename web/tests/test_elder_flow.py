"""The simpler flow in elder mode: what, where, check and send — three screens, no JavaScript."""

from django.core.files.storage import default_storage

from cases.models import Attachment, Case
from tests.support.audio import voice_file
from web.elder import ADDRESS_COOKIE

from .helpers import text


def _problem(client, **overrides):
    data = {"category": "infrastructure", "description": "楼道灯不亮了"}
    data.update(overrides)
    return client.post("/elder/", data)


def _place(client, **overrides):
    data = {"community": "zhuzhi", "building": "3", "unit": "2", "floor": "5", "other": ""}
    data.update(overrides)
    return client.post("/elder/where", data)


def _send(client, **overrides):
    data = {"name": "张桂兰", "phone": "13800001234"}
    data.update(overrides)
    return client.post("/elder/check", data)


def test_three_screens_lead_to_the_case_number(client, users):
    assert _problem(client).url == "/elder/where"
    assert _place(client).url == "/elder/check"
    check = text(client.get("/elder/check"))
    assert (
        "基础设施维修" in check and "楼道灯不亮了" in check and "竹枝社区" in check and "3栋2单元5楼" in check
    )
    response = _send(client)
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/{case.number}/submitted"
    assert (case.category.code, case.community.code, case.address) == (
        "infrastructure",
        "zhuzhi",
        "3栋2单元5楼",
    )
    assert case.description == "楼道灯不亮了" and case.name == "张桂兰" and case.phone == "13800001234"
    assert case.channel == "online"


def test_the_first_screen_shows_big_category_buttons_with_pictures_and_words(client, users):
    page = text(client.get("/elder/"))
    assert page.count('class="elder-choice"') == 7
    assert page.count('<svg class="elder-icon"') == 7
    assert "基础设施维修" in page and "环境卫生" in page
    assert "第1步" in page and 'aria-current="step"' in page


def test_without_a_category_it_asks_for_one_and_keeps_the_text(client, users):
    response = client.post("/elder/", {"description": "楼道灯不亮了"})
    page = text(response)
    assert response.status_code == 400
    assert 'role="alert"' in page and "请先选一个问题类型。" in page
    assert "楼道灯不亮了</textarea>" in page
    assert not Case.objects.exists()


def test_without_words_or_a_voice_note_it_asks_to_say_something(client, users):
    response = _problem(client, description="   ")
    assert response.status_code == 400
    assert "请说一说或写一写出了什么问题" in text(response)


def test_markup_in_the_description_is_refused(client, users):
    response = _problem(client, description="<script>alert(1)</script>")
    assert response.status_code == 400
    assert "不能包含网页代码" in text(response)


def test_later_screens_send_you_back_when_the_first_is_not_done(client, users):
    assert client.get("/elder/where").url == "/elder/"
    assert client.get("/elder/check").url == "/elder/"
    _problem(client)
    assert client.get("/elder/check").url == "/elder/where"


def test_where_needs_a_community_and_a_building_or_a_place(client, users):
    _problem(client)
    response = _place(client, community="", building="", unit="", floor="")
    page = text(response)
    assert response.status_code == 400
    assert "请选择您住在哪个社区。" in page and "请选择楼栋,或者在下面写出地点。" in page
    response = _place(client, community="nowhere")
    assert response.status_code == 400
    response = _place(client, building="99")
    assert response.status_code == 400


def test_a_place_outside_a_building_is_fine_and_is_remembered_too(client, users):
    _problem(client)
    assert (
        _place(client, building="", unit="", floor="", other="小区大门口", remember="on").status_code == 302
    )
    response = _send(client)
    assert Case.objects.get().address == "小区大门口"
    # Cookies travel in HTTP headers, which are Latin-1: the Chinese place must be escaped.
    response.cookies[ADDRESS_COOKIE].OutputString().encode("iso-8859-1")
    _problem(client)
    assert 'value="小区大门口"' in text(client.get("/elder/where"))


def test_a_bad_phone_is_explained_on_the_last_screen_and_nothing_is_created(client, users):
    _problem(client)
    _place(client)
    response = _send(client, phone="12345")
    page = text(response)
    assert response.status_code == 400
    assert "电话号码格式不正确" in page and 'role="alert"' in page
    assert not Case.objects.exists()
    assert _send(client).status_code == 302


def test_the_last_address_is_remembered_on_this_device_when_asked(client, users):
    _problem(client)
    _place(client, community="baidi", building="7", unit="1", floor="12", remember="on")
    response = _send(client)
    assert ADDRESS_COOKIE in response.cookies
    _problem(client, description="水管漏水")
    page = text(client.get("/elder/where"))
    assert "已经填好您上次用的地址" in page
    assert 'value="baidi" id="com-baidi" checked' in page
    assert '<option value="7" selected>' in page and '<option value="12" selected>' in page
    assert 'id="id_remember" value="on" aria-describedby="id_remember_helptext" checked' in page


def test_a_shared_tablet_remembers_only_the_community_unless_asked(client, users):
    _problem(client)
    _place(client, community="baidi", building="7", unit="1", floor="12", other="702室")
    _send(client)
    # The next resident at the same tablet sees the community chosen, and nothing of the address.
    _problem(client, description="水管漏水")
    page = text(client.get("/elder/where"))
    assert "已经选好您上次的社区" in page and "已经填好您上次用的地址" not in page
    assert 'value="baidi" id="com-baidi" checked' in page
    assert " selected>" not in page and "702室" not in page
    assert 'id="id_remember" value="on" aria-describedby="id_remember_helptext">' in page


def test_an_address_cookie_from_before_the_tick_gives_only_its_community(client, users):
    import json

    from django.core import signing

    from web.elder import ADDRESS_SALT

    old = {"community": "baidi", "building": 7, "unit": 1, "floor": 12, "other": "702室"}
    signer = signing.get_cookie_signer(salt=ADDRESS_COOKIE + ADDRESS_SALT)
    client.cookies[ADDRESS_COOKIE] = signer.sign(json.dumps(old))
    _problem(client)
    page = text(client.get("/elder/where"))
    assert 'value="baidi" id="com-baidi" checked' in page
    assert " selected>" not in page and "702室" not in page


def test_a_forged_address_cookie_is_ignored(client, users):
    client.cookies[ADDRESS_COOKIE] = '{"community": "baidi"}'
    _problem(client)
    page = text(client.get("/elder/where"))
    assert "已经填好您上次用的地址" not in page and "checked" not in page


def test_a_voice_note_alone_is_enough_and_is_uploaded_with_the_case(client, users):
    response = client.post(
        "/elder/", {"category": "infrastructure", "description": "", "voice": voice_file("webm")}
    )
    assert response.status_code == 302
    _place(client)
    check = text(client.get("/elder/check"))
    assert "语音留言 2 秒" in check and 'src="/elder/voice"' in check
    assert client.get("/elder/voice")["Content-Type"] == "audio/webm"
    _send(client)
    case = Case.objects.get()
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    assert case.description == "(语音留言,请收听录音)"
    assert note.content_type == "audio/webm" and 1.9 < note.duration_seconds < 2.1
    assert default_storage.exists(note.file.name)
    assert _walk("voice-pending"), "the pending recording was stored before sending"
    assert not any(files for _, _, files in _walk("voice-pending"))


def _walk(folder):
    import os

    root = default_storage.path(folder)
    return list(os.walk(root)) if os.path.isdir(root) else []


def test_a_fake_voice_note_is_refused_on_the_first_screen(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile(
        "voice.webm", b"\x1a\x45\xdf\xa3" + b"not audio" * 100, content_type="audio/webm"
    )
    response = client.post("/elder/", {"category": "infrastructure", "description": "", "voice": fake})
    page = text(response)
    assert response.status_code == 400
    assert "语音留言无法播放" in page
    assert client.get("/elder/voice").status_code == 404


def test_the_voice_note_can_be_removed_before_sending(client, users):
    client.post(
        "/elder/", {"category": "infrastructure", "description": "灯坏了", "voice": voice_file("ogg")}
    )
    client.post("/elder/", {"category": "infrastructure", "description": "灯坏了", "remove_voice": "on"})
    assert client.get("/elder/voice").status_code == 404
    _place(client)
    _send(client)
    assert not Attachment.objects.filter(kind=Attachment.Kind.VOICE).exists()


def test_the_pending_voice_note_is_only_for_the_session_that_recorded_it(client, users, django_user_model):
    from django.test import Client

    client.post("/elder/", {"category": "infrastructure", "description": "", "voice": voice_file("webm")})
    assert client.get("/elder/voice").status_code == 200
    assert Client().get("/elder/voice").status_code == 404


def test_the_flow_pages_are_always_large(client, users):
    page = text(client.get("/elder/"))
    assert "web/elder.css" in page
    assert 'href="/?mode=standard"' in page
