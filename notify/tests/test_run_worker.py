"""The worker command and its periodic jobs: reminders before the deadline, escalation after it."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from cases import idempotency
from cases.models import Case, CaseEvent, Department, SubmissionKey
from notify import jobs
from notify.models import Message, Status
from tests.support.data import case_in, submit


def _department_mobile():
    Department.objects.filter(code="property").update(phone="13700000001")


def test_one_round_sends_the_outbox_through_the_console(users, capsys, settings):
    settings.SMS_BACKEND = "console"
    case = case_in("accepted", users)
    call_command("run_worker", "--once")
    out = capsys.readouterr().out
    assert f"[短信] 138****1234 诉求 {case.number}" in out
    assert Message.objects.get(case=case).status == Status.SENT


def test_a_department_is_reminded_once_when_a_case_is_due_soon(users):
    _department_mobile()
    case = case_in("dispatched", users)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() + timedelta(minutes=30))
    assert jobs.send_reminders() == 1
    assert jobs.send_reminders() == 0
    reminder = Message.objects.get(key__startswith="remind:")
    assert reminder.recipient == "13700000001" and case.number in reminder.text


def test_no_reminder_while_there_is_plenty_of_time(users):
    _department_mobile()
    case_in("dispatched", users)
    assert jobs.send_reminders(now=timezone.now()) == 0


def test_an_overdue_case_is_escalated_once_and_the_department_is_told(users):
    _department_mobile()
    case = case_in("handling", users)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert jobs.run_periodic()["escalated"] == 1
    assert jobs.run_periodic()["escalated"] == 0
    event = CaseEvent.objects.get(case=case, action="escalate")
    assert not event.is_public and event.actor is None and "系统自动督办" in event.private_note
    assert Message.objects.filter(event=event, recipient="13700000001").exists()
    assert "督办" in Message.objects.get(event=event).text


def test_the_hourly_round_forgets_expired_submission_keys(users):
    claim = idempotency.Claim(scope="api:anonymous", key="k" * 20, fingerprint="f" * 64)
    idempotency.submit_once(claim, submit)
    assert jobs.run_periodic()["expired_keys"] == 0
    later = timezone.now() + timedelta(hours=25)
    assert "expired_keys" not in jobs.run_periodic(now=later, close=False)
    assert jobs.run_periodic(now=later)["expired_keys"] == 1
    assert not SubmissionKey.objects.exists()


def test_the_hourly_round_retrains_category_suggestions_when_due(users):
    from cases.models import State
    from triage.models import TriageModel

    for i in range(40):
        case = submit(description=f"{i}栋楼道灯坏了" if i % 2 else f"{i}栋垃圾没人收")
        if i % 2 == 0:
            Case.objects.filter(pk=case.pk).update(
                category=case.category.__class__.objects.get(code="sanitation")
            )
        Case.objects.filter(pk=case.pk).update(state=State.CLOSED)
    assert jobs.run_periodic(close=False).get("triage_trained") is None
    assert jobs.run_periodic()["triage_trained"] == 1
    assert jobs.run_periodic()["triage_trained"] == 0  # trained less than a day ago
    assert TriageModel.objects.count() == 1
