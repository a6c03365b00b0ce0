import pytest

SMALL_LIMITS = {"lookup": "3/m", "submit": "2/m", "otp_verify": "2/m", "login": "2/m"}


@pytest.fixture
def limits(settings):
    """Rate limits on, small enough to reach in a test (the root conftest turns them off)."""
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = dict(SMALL_LIMITS)
    settings.TRUSTED_PROXY_COUNT = 0
    return settings.MINSHENG_RATE_LIMITS
