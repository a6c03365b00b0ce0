"""The desk's home page (/desk/): today's submissions, open cases, waiting for a follow-up."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from tests.support.data import case_in, submit

from .helpers import text

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_desk_shows_todays_open_and_waiting_cases_with_masked_names(client, users):
    with time_machine.travel(datetime(2024, 5, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        done = case_in("completed", users, channel="help_desk", by=users["volunteer"], name="王淑芬")
    with time_machine.travel(datetime(2024, 5, 10, 10, 0, tzinfo=SHANGHAI)):
        today = submit(channel="help_desk", by=users["volunteer"])
        online = submit(phone="13900002222")
        client.force_login(users["volunteer"])
        page = text(client.get("/desk/"))
    assert "竹枝社区数字化代办岗" in page and "竹枝社区活动中心一楼" in page
    assert "今天代为提交(1 件)" in page and today.number in page
    assert "等待回访(1 件)" in page and done.number in page
    assert online.number not in page
    assert "王**" in page and "王淑芬" not in page
    assert "13800001234" not in page


def test_a_resident_user_cannot_open_the_desk(client, users, resident):
    client.force_login(resident)
    assert client.get("/desk/").status_code == 403
