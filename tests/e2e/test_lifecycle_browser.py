"""A resident, an intake officer and a handler walk one case through its life in a real browser."""

import io
import re

import pytest
from PIL import Image

from cases.models import Case
from tests.support.data import setup_reference

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg(tmp_path, name, colour):
    path = tmp_path / name
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


def _sign_in(page, base, username):
    page.goto(f"{base}/staff/login")
    page.get_by_label(re.compile("用户名")).fill(username)
    page.get_by_label(re.compile("密码")).fill("minsheng-demo")
    page.get_by_role("button", name=re.compile("登录")).click()


def _sign_out(page):
    page.get_by_role("button", name=re.compile("退出")).click()


def test_a_case_goes_from_the_home_page_to_a_rated_fix(page, live_server, tmp_path):
    setup_reference()
    base = live_server.url

    # The resident submits from the home page, without an account.
    page.goto(base + "/")
    screenshot(page, "e2e-home")
    page.get_by_label(re.compile("基础设施维修")).check()
    page.get_by_label("社区").select_option(label="竹枝社区")
    page.get_by_label("详细地址").fill("3栋2单元5楼")
    page.get_by_label(re.compile("诉求描述")).fill("卫生间冷水龙头损坏,漏水严重。")
    page.get_by_label(re.compile("现场照片")).set_input_files(_jpeg(tmp_path, "leak.jpg", (60, 90, 160)))
    page.get_by_label("姓名").fill("张桂兰")
    page.get_by_label("联系电话").fill("13800001234")
    page.get_by_role("button", name="提交诉求").click()

    case = Case.objects.get()
    page.wait_for_url(re.compile(rf"/cases/{case.number}/submitted$"))
    assert case.number in page.locator("main").inner_text()
    screenshot(page, "e2e-confirmation")

    # Anyone can follow it by number from the home page's lookup box.
    page.goto(base + "/")
    page.get_by_label("诉求编号").fill(case.number)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"/cases/{case.number}$"))
    main = page.locator("main").inner_text()
    assert "张**" in main
    assert "13800001234" not in page.content() and "3栋2单元5楼" not in page.content()
    assert page.locator('[aria-current="step"]').inner_text().count("诉求提交") == 1

    # The intake officer accepts and dispatches it to 物业科.
    _sign_in(page, base, "intake")
    page.get_by_role("link", name=case.number).click()
    page.get_by_role("button", name="受理此诉求").click()
    page.get_by_label("责任部门").select_option(label="物业科")
    page.get_by_role("button", name="派单").click()
    _sign_out(page)

    # The handler starts and completes it with before and after photos.
    _sign_in(page, base, "handler")
    page.get_by_role("link", name=case.number).click()
    page.get_by_role("button", name="开始办理").click()
    page.get_by_label("办理说明").fill("已更换新水龙头,经测试不再漏水。")
    page.get_by_label("办理前照片").set_input_files(_jpeg(tmp_path, "before.jpg", (40, 40, 40)))
    page.get_by_label("办理后照片").set_input_files(_jpeg(tmp_path, "after.jpg", (230, 190, 60)))
    page.get_by_role("button", name="提交办理结果").click()
    _sign_out(page)

    # The resident sees every stage with its person, the explanation and photos, and rates it.
    page.goto(f"{base}/cases/{case.number}")
    stages = page.locator("main").inner_text()
    for expected in ["张三", "物业科", "李四", "已更换新水龙头"]:
        assert expected in stages
    assert page.locator("img").count() >= 2
    screenshot(page, "e2e-progress-completed")
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("联系电话后四位").fill("1234")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == "closed"
    assert "居民评价:满意" in page.locator("main").inner_text()
