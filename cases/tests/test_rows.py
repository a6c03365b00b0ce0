"""cases.rows: its SQL, built once per model, must give what the ORM gives."""

from datetime import date

import pytest
from django.utils import timezone

from cases import rows
from cases.models import CalendarDay, Case, CaseEvent, Category, Community, Department, HelpDesk, State
from cases.workflow import Action


def fields_of(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.mark.parametrize("model", [Category, Community, Department, HelpDesk])
def test_a_reference_row_read_by_code_equals_the_orms(users, model):
    row = model.objects.filter(is_active=True).first()
    found = rows.active_by_code(model, row.code)
    assert type(found) is model and not found._state.adding
    assert fields_of(found) == fields_of(row)


def test_inactive_unknown_and_empty_codes_find_nothing(users):
    category = Category.objects.first()
    Category.objects.filter(pk=category.pk).update(is_active=False)
    assert rows.active_by_code(Category, category.code) is None
    assert rows.active_by_code(Category, "no-such-code") is None
    assert rows.active_by_code(Category, "") is None
    assert rows.active_by_code(Community, "' OR 1=1 --") is None


def test_calendar_days_are_the_rows_in_the_range_both_ends_included(db):
    CalendarDay.objects.create(day=date(2026, 10, 1), is_workday=False, name="国庆")
    CalendarDay.objects.create(day=date(2026, 10, 10), is_workday=True, name="调休")
    CalendarDay.objects.create(day=date(2026, 10, 11), is_workday=False, name="x")
    assert sorted(rows.calendar_days(date(2026, 10, 1), date(2026, 10, 10))) == [
        (date(2026, 10, 1), False),
        (date(2026, 10, 10), True),
    ]
    assert rows.calendar_days(date(2026, 9, 1), date(2026, 9, 30)) == []


def test_an_inserted_case_and_event_read_back_as_saved_by_the_orm(users):
    now = timezone.now()
    category, community = Category.objects.first(), Community.objects.first()

    def new_case(number):
        return Case(
            number=number,
            state=State.SUBMITTED,
            category=category,
            community=community,
            address="3栋",
            description="楼道灯坏了",
            name="张桂兰",
            phone="13800001234",
            lat=29.5,
            long=106.5,
            submitted_at=now,
            updated_at=now,
            due_at=now,
        )

    fast, slow = new_case("20261128-9001"), new_case("20261128-9002")
    rows.insert(fast)
    slow.save(force_insert=True)
    assert fast.pk is not None and fast.pk != slow.pk and not fast._state.adding
    a, b = fields_of(Case.objects.get(pk=fast.pk)), fields_of(Case.objects.get(pk=slow.pk))
    for differs in ("id", "number"):
        a.pop(differs), b.pop(differs)
    assert a == b
    assert Case.objects.get(pk=fast.pk).submitted_at == now  # time zone kept

    event = CaseEvent(case=fast, action=Action.SUBMIT, from_state="", to_state=State.SUBMITTED, at=now)
    rows.insert(event)
    assert CaseEvent.objects.get(pk=event.pk).case_id == fast.pk


def test_insert_refuses_a_row_that_already_has_its_key(users):
    before = Case.objects.count()
    now = timezone.now()
    case = Case.objects.create(
        number="20261128-9003",
        category=Category.objects.first(),
        community=Community.objects.first(),
        submitted_at=now,
        updated_at=now,
    )
    with pytest.raises(ValueError):
        rows.insert(case)
    assert Case.objects.count() == before + 1


def test_the_inserted_models_have_no_save_override_or_signal_receivers():
    """rows.insert() skips Model.save() and its signals: that is only right while these models have
    none (cases.hooks is how other apps follow a change). Adding one should fail here first."""
    from django.db.models import Model
    from django.db.models.signals import post_save, pre_save

    from stats.models import CaseFact

    for model in (Case, CaseEvent, CaseFact):
        assert model.save is Model.save, f"{model.__name__} overrides save(): rows.insert() would skip it"
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model)
