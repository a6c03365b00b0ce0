"""A volunteer at 竹枝社区's help desk submits for 张奶奶, prints her receipt, and after the repair
records her rating on a follow-up call — in a real browser."""

import io
import re

import pytest
from PIL import Image

from cases import services
from cases.models import Case, Community, Department, Rating
from operations.demo import load_accounts
from tests.support.data import jpeg, setup_reference

from .conftest import ARTIFACTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(tmp_path):
    path = tmp_path / "leak.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (60, 90, 160)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


def _sign_in(page, base, username):
    page.goto(f"{base}/staff/login")
    page.get_by_label(re.compile("用户名")).fill(username)
    page.get_by_label(re.compile("密码")).fill("minsheng-demo")
    page.get_by_role("button", name=re.compile("登录")).click()


def test_a_volunteer_submits_prints_a_receipt_and_records_the_follow_up(page, live_server, tmp_path):
    setup_reference()
    users = load_accounts()
    base = live_server.url
    _sign_in(page, base, "volunteer")

    # Submit for 张奶奶: the desk's community is already chosen; the consent tick is required.
    page.goto(f"{base}/desk/new")
    assert page.get_by_label("社区").input_value() == str(Community.objects.get(code="zhuzhi").pk)
    page.get_by_label("居民姓名").fill("张桂兰")
    page.get_by_label(re.compile("60岁及以上")).check()
    page.get_by_label(re.compile("基础设施维修")).check()
    page.get_by_label("详细地址").fill("3栋2单元5楼")
    page.get_by_label(re.compile("诉求描述")).fill("卫生间冷水龙头损坏,漏水严重。")
    page.get_by_label(re.compile("现场照片")).set_input_files(_photo(tmp_path))
    page.get_by_role("button", name=re.compile("提交并打印回执")).click()
    assert page.get_by_role("alert").is_visible()
    assert "同意" in page.get_by_role("alert").inner_text()
    assert not Case.objects.exists()
    page.get_by_label(re.compile("现场照片")).set_input_files(_photo(tmp_path))
    page.get_by_label(re.compile("居民本人已同意")).check()
    page.get_by_role("button", name=re.compile("提交并打印回执")).click()

    # The receipt: printable on A6, with the number, the desk's phone and a QR code.
    case = Case.objects.get()
    page.wait_for_url(re.compile(rf"/cases/{case.number}/receipt$"))
    assert page.locator(".receipt__number").inner_text() == case.number
    assert "023-56562102" in page.locator(".receipt").inner_text()
    assert page.locator(".receipt__qr svg").count() == 1
    screenshot(page, "e2e-desk-receipt")
    page.emulate_media(media="print")
    assert page.locator(".receipt-tools").is_hidden()
    screenshot(page, "e2e-desk-receipt-print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(
        path=str(ARTIFACTS / "e2e-desk-receipt.pdf"), prefer_css_page_size=True, print_background=True
    )
    assert re.search(rb"MediaBox \[0 0 29[78][.0-9]* 42[0-9.]*\]", pdf), "the receipt prints on A6"
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the receipt fits on one page"
    page.emulate_media(media="screen")
    assert case.channel == "help_desk" and case.desk.code == "zhuzhi-desk"

    # The department fixes it.
    services.accept(case, by=users["intake"])
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    services.start(case, by=users["handler"])
    services.complete(case, by=users["handler"], explanation="已更换水龙头", before=[jpeg()], after=[jpeg()])

    # 小王 calls her back from the follow-up list and records 满意.
    page.goto(f"{base}/desk/follow-ups")
    page.get_by_role("link", name=case.number).click()
    page.get_by_label("联系上了").check()
    page.get_by_label("解决了").check()
    page.get_by_label("满意", exact=True).check()
    page.get_by_label(re.compile("回访记录")).fill("修得又快又好")
    screenshot(page, "e2e-desk-follow-up")
    page.get_by_role("button", name="保存回访结果").click()
    page.wait_for_url(re.compile(r"/desk/follow-ups$"))
    assert "居民评价:满意" in page.get_by_role("status").inner_text()
    rating = Rating.objects.get(case=case)
    assert rating.via == "follow_up" and rating.recorded_by == users["volunteer"]

    # The resident's progress page shows the rating, given by phone.
    page.goto(f"{base}/cases/{case.number}")
    assert "居民评价:满意(电话回访)" in page.locator("main").inner_text()
    screenshot(page, "e2e-desk-progress")
