"""Fixtures for the domain tests: a second department's handler, quick case rows, the media folder."""

import itertools
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from cases import roles
from cases.models import Case, Category, Community, Department, StaffProfile

_numbers = itertools.count(1)


@pytest.fixture
def staff(users):
    """The demo accounts plus `other_handler`, a handler of 城管科 (urban)."""
    other = User.objects.create_user("urban_handler", first_name="王五")
    other.groups.add(Group.objects.get(name=roles.HANDLER))
    StaffProfile.objects.create(user=other, department=Department.objects.get(code="urban"))
    return {**users, "other_handler": other}


@pytest.fixture
def property_dept(users):
    return Department.objects.get(code="property")


@pytest.fixture
def make_case(users):
    """A case row placed directly in `state` (no history): for testing the workflow itself."""

    def make(state: str, *, department: Department | None = None, **fields) -> Case:
        now = timezone.now()
        values = {
            "number": f"20240101-{next(_numbers):04d}",
            "state": state,
            "category": Category.objects.get(code="infrastructure"),
            "community": Community.objects.get(code="zhuzhi"),
            "address": "3栋2单元5楼",
            "description": "卫生间冷水龙头损坏",
            "name": "张桂兰",
            "phone": "13800001234",
            "department": department,
            "submitted_at": now,
            "updated_at": now,
        }
        if state == "merged":  # 并单: the stage it had, which 拆分 gives back
            values["merged_from_state"] = "accepted"
        values.update(fields)
        return Case.objects.create(**values)

    return make


@pytest.fixture
def stored_files(settings):
    """Every file currently in MEDIA_ROOT, relative names, sorted."""

    def files() -> list[str]:
        root = Path(settings.MEDIA_ROOT)
        if not root.exists():
            return []
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return files
