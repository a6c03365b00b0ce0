"""Triage fixtures: the demo's reference data with the keyword lexicon, and quick case rows."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, Category, Community, State
from triage.lexicon import load_lexicon

_numbers = itertools.count(1)


@pytest.fixture
def lexicon(users):
    load_lexicon()
    return users


@pytest.fixture
def open_case(lexicon):
    """A case row in a stage (default accepted), `days_ago` submitted, in 竹枝社区 unless told."""

    def make(
        description: str,
        *,
        address: str = "3栋2单元5楼",
        community: str = "zhuzhi",
        category: str = "infrastructure",
        phone: str = "13800001234",
        state: str = State.ACCEPTED,
        days_ago: float = 1,
    ) -> Case:
        at = timezone.now() - timedelta(days=days_ago)
        return Case.objects.create(
            number=f"20260101-{next(_numbers):04d}",
            state=state,
            category=Category.objects.get(code=category),
            community=Community.objects.get(code=community),
            address=address,
            description=description,
            name="张桂兰",
            phone=phone,
            submitted_at=at,
            updated_at=at,
        )

    return make
