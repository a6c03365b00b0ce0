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
