"""Shared bits for the web tests."""

from cases.models import Category, Community
from tests.support.data import jpeg


def submission(**overrides) -> dict:
    """A valid home-page form post."""
    data = {
        "category": Category.objects.get(code="infrastructure").pk,
        "community": Community.objects.get(code="zhuzhi").pk,
        "address": "3栋2单元5楼",
        "description": "卫生间冷水龙头损坏,漏水严重。",
        "name": "张桂兰",
        "phone": "13800001234",
        "age_band": "60_plus",
        "photos": [jpeg("leak.jpg")],
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return response.content.decode()
