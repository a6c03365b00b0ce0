"""不合理诉求: intake's mark, a supervisor's sign-off or refusal, and the rates signed-off cases leave."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError

from cases import fairness, selectors, services
from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Case, CaseEvent, UnreasonableMark, UnreasonableReason
from stats.forms import Filters, default_period
from stats.models import CaseFact
from stats.selectors import dashboard
from tests.support.data import case_in, submit

MARK_ACTIONS = ("mark_unreasonable", "sign_off", "decline_sign_off")


def _reason(code: str = "pestering") -> UnreasonableReason:
    return UnreasonableReason.objects.get(code=code)


def _events(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case, action__in=MARK_ACTIONS).values_list("action", flat=True))


def _second_supervisor() -> User:
    user = User.objects.create_user("supervisor2", first_name="孟冬")
    user.groups.add(Group.objects.get(name="supervisor"))
    return user


def test_the_reasons_are_a_list_kept_as_data(users):
    names = set(UnreasonableReason.objects.values_list("name", flat=True))
    assert {"诉求明显超出政策规定", "重复诉求", "无理缠访", "恶意诉求"} <= names


def test_intake_marks_and_a_supervisor_signs_off_each_a_staff_only_event(users):
    case = case_in("handling", users)
    mark = fairness.mark(
        case, by=users["intake"], kind="unreasonable", reason=_reason(), note="每天来电十余次"
    )
    assert (mark.status, mark.marked_by, mark.reason.code) == ("pending", users["intake"], "pestering")
    assert not Case.objects.get(pk=case.pk).excluded_from_rates
    decided = fairness.sign_off(case, by=users["supervisor"], note="情况属实")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.excluded_from_rates and fresh.state == "handling"
    assert (decided.status, decided.decided_by, decided.decision_note) == (
        "signed_off",
        users["supervisor"],
        "情况属实",
    )
    assert decided.decided_at is not None
    assert _events(case) == ["mark_unreasonable", "sign_off"]
    events = CaseEvent.objects.filter(case=case, action__in=MARK_ACTIONS)
    assert all(not e.is_public for e in events)
    assert "无理缠访" in events[0].private_note
    public = selectors.public_progress(fresh).events
    assert not any(e.action in MARK_ACTIONS for e in public)


def test_a_duplicate_names_the_other_case(users):
    first = submit()
    second = case_in("accepted", users)
    mark = fairness.mark(second, by=users["intake"], kind="duplicate", duplicate_of=first.number)
    assert mark.duplicate_of == first and mark.reason is None
    assert first.number in CaseEvent.objects.get(case=second, action="mark_unreasonable").private_note


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "unreasonable"}, "reason"),
        ({"kind": "silly", "reason": "x"}, "kind"),
        ({"kind": "duplicate"}, "duplicate_of"),
        ({"kind": "duplicate", "duplicate_of": "20990101-0001"}, "duplicate_of"),
        ({"kind": "unreasonable", "reason": "x", "note": "很长" * 400}, "note"),
    ],
)
def test_a_bad_mark_is_refused_and_nothing_is_saved(users, kwargs, field):
    case = case_in("accepted", users)
    version = case.version
    if kwargs.get("reason") == "x":
        kwargs = {**kwargs, "reason": _reason()}
    with pytest.raises(ValidationError) as caught:
        fairness.mark(case, by=users["intake"], **kwargs)
    assert field in caught.value.message_dict
    assert not UnreasonableMark.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).version == version and _events(case) == []


def test_a_case_is_not_a_duplicate_of_itself_nor_marked_with_an_inactive_reason(users):
    case = case_in("accepted", users)
    with pytest.raises(ValidationError):
        fairness.mark(case, by=users["intake"], kind="duplicate", duplicate_of=case.number)
    reason = _reason()
    reason.is_active = False
    reason.save()
    with pytest.raises(ValidationError):
        fairness.mark(case, by=users["intake"], kind="unreasonable", reason=reason)
    assert _events(case) == []


def test_only_intake_marks_and_only_a_supervisor_decides(users):
    case = case_in("dispatched", users)
    for who in ("handler", "volunteer", "supervisor"):
        with pytest.raises(NotAllowed):
            fairness.mark(case, by=users[who], kind="unreasonable", reason=_reason())
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    for who in ("handler", "intake", "volunteer"):
        with pytest.raises(NotAllowed):
            fairness.sign_off(case, by=users[who])
    assert UnreasonableMark.objects.get(case=case).status == "pending"


def test_a_supervisor_may_not_sign_off_their_own_mark(users):
    both = User.objects.create_user("intake_supervisor", first_name="周一")
    both.groups.add(Group.objects.get(name="intake"), Group.objects.get(name="supervisor"))
    case = case_in("handling", users)
    fairness.mark(case, by=both, kind="unreasonable", reason=_reason())
    with pytest.raises(NotAllowed, match="不能确认自己作出的"):
        fairness.sign_off(case, by=both)
    with pytest.raises(NotAllowed):
        fairness.decline(case, by=both, note="不成立")
    assert UnreasonableMark.objects.get(case=case).status == "pending"
    assert not Case.objects.get(pk=case.pk).excluded_from_rates
    assert _events(case) == ["mark_unreasonable"]


def test_a_second_mark_while_one_is_pending_or_signed_off_is_refused(users):
    case = case_in("handling", users)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    with pytest.raises(InvalidMove):
        fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason("malicious"))
    fairness.sign_off(case, by=users["supervisor"])
    with pytest.raises(InvalidMove):
        fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason("malicious"))
    assert UnreasonableMark.objects.filter(case=case).count() == 1


def test_signing_off_twice_is_refused_the_second_time(users):
    case = case_in("handling", users)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    fairness.sign_off(case, by=users["supervisor"])
    with pytest.raises(InvalidMove):
        fairness.sign_off(case, by=_second_supervisor())
    assert _events(case) == ["mark_unreasonable", "sign_off"]


def test_of_two_sign_offs_at_once_one_wins(users, monkeypatch):
    """Both read the pending mark; the second one's compare-and-swap on the mark finds it decided."""
    case = case_in("handling", users)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    stale_mark = fairness.pending_mark(case)
    stale_case = Case.objects.get(pk=case.pk)
    fairness.sign_off(case, by=users["supervisor"])
    monkeypatch.setattr(fairness, "pending_mark", lambda _case: stale_mark)
    with pytest.raises(Conflict):
        fairness.decline(stale_case, by=_second_supervisor(), note="不成立")
    mark = UnreasonableMark.objects.get(case=case)
    assert (mark.status, mark.decided_by) == ("signed_off", users["supervisor"])
    assert _events(case) == ["mark_unreasonable", "sign_off"]


def test_a_declined_mark_needs_a_reason_keeps_the_case_in_the_rates_and_may_be_marked_again(users):
    case = case_in("handling", users)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    with pytest.raises(ValidationError):
        fairness.decline(case, by=users["supervisor"], note="  ")
    assert UnreasonableMark.objects.get(case=case).status == "pending"
    fairness.decline(case, by=users["supervisor"], note="诉求合理,应当办理")
    assert not Case.objects.get(pk=case.pk).excluded_from_rates
    assert UnreasonableMark.objects.get(case=case).status == "declined"
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason("malicious"))
    assert fairness.pending_mark(case).reason.code == "malicious"


def test_a_signed_off_case_leaves_the_rates_and_is_counted_on_its_own_line(users):
    kept = case_in("closed", users)  # rated 满意
    unfair = case_in("completed", users)
    services.rate(unfair, score="dissatisfied", phone_last4=unfair.phone[-4:])
    filters = Filters(*default_period())
    before = dashboard(filters)["totals"]
    assert (before["accepted"], before["rated"], before["dissatisfied"]) == (2, 2, 1)
    fairness.mark(unfair, by=users["intake"], kind="unreasonable", reason=_reason("beyond-policy"))
    assert dashboard(filters)["totals"]["rated"] == 2  # a pending mark changes nothing
    fairness.sign_off(unfair, by=users["supervisor"])
    after = dashboard(filters)
    totals = after["totals"]
    assert (totals["received"], totals["accepted"], totals["completed"], totals["rated"]) == (2, 1, 1, 1)
    assert (totals["dissatisfied"], totals["excluded"]) == (0, 1)
    satisfaction = next(r for r in after["rates"] if r.key == "satisfaction")
    assert satisfaction.value == 1.0
    assert "不含经督办领导确认的不合理诉求" in satisfaction.definition
    assert CaseFact.objects.get(pk=unfair.pk).excluded and not CaseFact.objects.get(pk=kept.pk).excluded


def test_of_two_marks_at_once_one_is_kept(users, monkeypatch):
    """Both found no pending mark; the database's one-pending-mark constraint refuses the second,
    and its event is rolled back with it."""
    case = case_in("handling", users)
    stale_case = Case.objects.get(pk=case.pk)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    monkeypatch.setattr(fairness, "pending_mark", lambda _case: None)
    stale_case.version = Case.objects.get(pk=case.pk).version  # as if it had read after the first
    with pytest.raises(Conflict):
        fairness.mark(stale_case, by=users["intake"], kind="unreasonable", reason=_reason("malicious"))
    assert UnreasonableMark.objects.filter(case=case).count() == 1
    assert _events(case) == ["mark_unreasonable"]
    assert Case.objects.get(pk=case.pk).version == stale_case.version
