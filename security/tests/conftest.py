from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

SMALL_LIMITS = {"lookup": "3/m", "submit": "2/m", "otp_verify": "2/m", "login": "2/m"}


# Mid-minute, on a clock that stands still: windows are aligned to the minute, so a test that ran
# across a boundary would see its count reset, and one that started on the boundary would be told
# "1 分钟" instead of "N 秒" (both happened in CI). Tests about the boundary travel on from here.
MID_MINUTE = datetime(2026, 11, 27, 10, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def limits(settings):
    """Rate limits on, small enough to reach in a test (the root conftest turns them off)."""
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = dict(SMALL_LIMITS)
    settings.TRUSTED_PROXY_COUNT = 0
    with time_machine.travel(MID_MINUTE, tick=False):
        yield settings.MINSHENG_RATE_LIMITS
