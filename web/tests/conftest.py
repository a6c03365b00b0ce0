import pytest
from django.contrib.auth.models import Group, User

from cases import roles
from cases.models import Department, StaffProfile


@pytest.fixture
def other_handler(users):
    """A handler of 城管科, not of 物业科 where the demo cases go."""
    user = User.objects.create_user("urban-handler", password="x", first_name="王五")
    user.groups.add(Group.objects.get(name=roles.HANDLER))
    StaffProfile.objects.create(user=user, department=Department.objects.get(code="urban"))
    return user


@pytest.fixture
def resident(users):
    user = User.objects.create_user("resident", password="x")
    user.groups.add(Group.objects.get(name=roles.RESIDENT))
    return user
