"""The help-desk poster (/desk/poster): an A4 page per desk and a notice-board page per community."""

from cases.models import HelpDesk

from .helpers import text

STEPS = ["老人说明诉求", "志愿者协助提交", "实时查询进度", "反馈办理结果", "满意度评价"]


def test_the_poster_shows_the_five_steps_the_desks_hours_phone_and_two_qr_codes(client, users):
    desk = HelpDesk.objects.get(volunteers=users["volunteer"])
    desk.opening_hours = "周一至周五 9:00–17:00"
    desk.phone = "023-56781234"
    desk.save()
    client.force_login(users["volunteer"])
    response = client.get("/desk/poster")
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    assert all(step in page for step in STEPS)
    assert page.index(STEPS[0]) < page.index(STEPS[4])
    assert "周一至周五 9:00–17:00" in page and "023-56781234" in page
    assert html.count('class="poster__qr-code"') == 3  # elder mode and lookup; the board's elder code
    assert "/elder/?mode=elder" in html and "/cases/lookup" in html
    assert desk.community.name in page  # the community's notice-board poster


def test_a_desk_without_opening_hours_or_phone_says_so_instead_of_a_blank(client, users):
    desk = HelpDesk.objects.get(volunteers=users["volunteer"])
    desk.opening_hours = ""
    desk.phone = ""
    desk.save()
    client.force_login(users["volunteer"])
    page = text(client.get("/desk/poster"))
    assert "本代办岗还没有填写开放时间" in page
    assert "本代办岗还没有填写电话" in page


def test_an_intake_officer_without_a_desk_gets_a_helpful_empty_page(client, users):
    client.force_login(users["intake"])
    page = text(client.get("/desk/poster"))
    assert "没有可打印的代办岗海报" in page
    assert "老人说明诉求" not in page


def test_residents_and_visitors_cannot_open_it(client, resident):
    assert client.get("/desk/poster").status_code == 302
    client.force_login(resident)
    assert client.get("/desk/poster").status_code == 403


# The notice-board poster of one community: /desk/poster/community/<code>


def test_an_intake_officer_prints_any_communitys_notice_board_poster(client, users):
    desk = HelpDesk.objects.get(code="zhuzhi-desk")
    desk.opening_hours = "周一至周五 9:00–17:00"
    desk.save()
    client.force_login(users["intake"])
    page = client.get("/desk/poster")
    assert 'href="/desk/poster/community/zhuzhi"' in page.content.decode()  # every community is listed
    response = client.get("/desk/poster/community/zhuzhi")
    assert response.status_code == 200
    html, words = response.content.decode(), text(response)
    assert desk.community.name in words and desk.name in words
    assert "周一至周五 9:00–17:00" in words and desk.phone in words
    assert html.count('class="poster__qr-code"') == 1 and "/elder/?mode=elder" in html
    assert "老人说明诉求" not in words  # the desk's own poster is not part of it


def test_a_notice_board_poster_says_so_when_the_desk_has_no_hours_or_no_desk_exists(client, users):
    desk = HelpDesk.objects.get(code="zhuzhi-desk")
    desk.opening_hours = ""
    desk.phone = ""
    desk.save()
    client.force_login(users["volunteer"])
    words = text(client.get("/desk/poster/community/zhuzhi"))
    assert "本代办岗还没有填写开放时间" in words and "本代办岗还没有填写电话" in words
    HelpDesk.objects.filter(community__code="zhuzhi").update(is_active=False)
    words = text(client.get("/desk/poster/community/zhuzhi"))
    assert "请到社区居委会" in words and desk.name not in words


def test_the_notice_boards_desk_lines_read_as_english_sentences(client, users):
    desk = HelpDesk.objects.get(code="zhuzhi-desk")
    desk.opening_hours = "Mon–Fri 9:00–17:00"
    desk.save()
    client.force_login(users["volunteer"])
    client.cookies["django_language"] = "en"
    words = text(client.get("/desk/poster/community/zhuzhi"))
    assert "Opening hours: Mon–Fri 9:00–17:00" in words and f"Phone: {desk.phone}" in words
    if desk.location:
        assert f"Location: {desk.location}" in words


def test_an_unknown_or_inactive_community_has_no_poster(client, users):
    from cases import locating

    client.force_login(users["intake"])
    response = client.get("/desk/poster/community/nowhere")
    assert response.status_code == 404 and "没有这个社区" in text(response)
    placeholder = locating.placeholder_community()  # 待定位: inactive
    assert client.get(f"/desk/poster/community/{placeholder.code}").status_code == 404


def test_only_volunteers_and_intake_open_a_notice_board_poster(client, users, resident):
    assert client.get("/desk/poster/community/zhuzhi").status_code == 302
    client.force_login(resident)
    assert client.get("/desk/poster/community/zhuzhi").status_code == 403
    client.force_login(users["handler"])
    assert client.get("/desk/poster/community/zhuzhi").status_code == 403
