"""The staff login, queue and case pages: who may see what."""

from datetime import timedelta

from django.utils import timezone

from cases.models import Case
from tests.support.data import case_in, jpeg, submit

from .helpers import text


def test_anonymous_visitors_are_sent_to_the_login_page(client, users):
    case = submit()
    for url in ("/staff/", f"/staff/cases/{case.number}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login?next=")


def test_anonymous_posts_to_actions_change_nothing(client, users):
    case = submit()
    response = client.post(f"/staff/cases/{case.number}/accept")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "submitted"


def test_the_login_page_signs_staff_in(client, users):
    page = text(client.get("/staff/login"))
    assert 'for="id_username"' in page and 'for="id_password"' in page
    response = client.post("/staff/login", {"username": "intake", "password": "minsheng-demo"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"


def test_a_wrong_password_is_explained(client, users):
    response = client.post("/staff/login", {"username": "intake", "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in text(response)


def test_logout_is_a_post(client, users):
    client.force_login(users["intake"])
    response = client.post("/staff/logout")
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_a_user_without_a_staff_role_is_refused(client, users, resident):
    client.force_login(resident)
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "没有工作人员权限" in text(response)


def test_intake_sees_new_and_accepted_cases_in_the_queue(client, users):
    new = case_in("submitted", users)
    accepted = case_in("accepted", users)
    dispatched = case_in("dispatched", users)
    client.force_login(users["intake"])
    page = text(client.get("/staff/"))
    assert new.number in page
    assert accepted.number in page
    assert dispatched.number not in page


def test_a_handler_sees_only_his_departments_dispatched_and_handling_cases(client, users, other_handler):
    dispatched = case_in("dispatched", users)
    handling = case_in("handling", users)
    new = case_in("submitted", users)
    client.force_login(users["handler"])
    page = text(client.get("/staff/"))
    assert dispatched.number in page and handling.number in page
    assert new.number not in page
    client.force_login(other_handler)
    page = text(client.get("/staff/"))
    assert dispatched.number not in page and handling.number not in page


def test_a_supervisor_sees_every_open_case(client, users):
    numbers = [case_in(state, users).number for state in ("submitted", "accepted", "dispatched", "handling")]
    closed = case_in("closed", users)
    client.force_login(users["supervisor"])
    page = text(client.get("/staff/"))
    assert all(number in page for number in numbers)
    assert closed.number not in page


def test_a_volunteer_sees_only_cases_they_submitted(client, users):
    own = submit(channel="help_desk", by=users["volunteer"])
    other = submit()
    client.force_login(users["volunteer"])
    page = text(client.get("/staff/"))
    assert own.number in page
    assert other.number not in page


def test_the_queue_flags_overdue_cases(client, users):
    late = submit()
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(users["intake"])
    page = text(client.get("/staff/"))
    assert "已超时" in page


def test_a_completed_case_past_its_deadline_is_not_flagged_overdue(client, users):
    # Completed on time, then waiting days for the resident's rating: the volunteer still follows
    # it, but its time limit no longer runs, so neither the queue nor the case page calls it late.
    done = case_in("completed", users, channel="help_desk", by=users["volunteer"])
    late = submit(channel="help_desk", by=users["volunteer"])
    past = timezone.now() - timedelta(days=3)
    Case.objects.filter(pk__in=[done.pk, late.pk]).update(due_at=past)
    client.force_login(users["volunteer"])
    queue = text(client.get("/staff/"))
    assert done.number in queue and late.number in queue
    assert queue.count('class="overdue"') == 1 and queue.count("已超时") == 1
    assert "已超时" not in text(client.get(f"/staff/cases/{done.number}"))
    assert "已超时" in text(client.get(f"/staff/cases/{late.number}"))


def test_the_queue_is_paginated_by_fifty(client, users):
    for _ in range(51):
        submit()
    client.force_login(users["intake"])
    first = text(client.get("/staff/"))
    assert first.count('href="/staff/cases/') == 50
    assert "第 1 / 2 页" in first
    second = text(client.get("/staff/?page=2"))
    assert second.count('href="/staff/cases/') == 1


def test_the_case_page_shows_personal_data_photos_and_private_notes(client, users):
    case = case_in("completed", users, photo_files=[jpeg()])
    from cases import services

    services.rate(case, score="satisfied", comment="师傅很负责", phone_last4="1234")
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    for value in ("张桂兰", "13800001234", "3栋2单元5楼", "线上自助", "师傅很负责"):
        assert value in page, value
    photo = case.attachments.get(kind="photo")
    assert f'src="/media/attachments/{photo.pk}/thumb"' in page


def test_a_handler_of_another_department_gets_a_404(client, users, other_handler):
    case = case_in("dispatched", users)
    client.force_login(other_handler)
    response = client.get(f"/staff/cases/{case.number}")
    assert response.status_code == 404
    assert "13800001234" not in text(response)


def test_a_volunteer_cannot_open_someone_elses_case(client, users):
    case = submit()
    client.force_login(users["volunteer"])
    assert client.get(f"/staff/cases/{case.number}").status_code == 404


def test_only_the_moves_the_user_may_make_now_are_offered(client, users):
    case = submit()
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert f'action="/staff/cases/{case.number}/accept"' in page
    assert f'action="/staff/cases/{case.number}/reject"' in page
    assert f'action="/staff/cases/{case.number}/dispatch"' not in page
    assert f'action="/staff/cases/{case.number}/complete"' not in page
    client.force_login(users["supervisor"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    # A supervisor makes no workflow move of the stage; the one thing offered is escalation (督办).
    assert f'action="/staff/cases/{case.number}/escalate"' in page
    assert f'action="/staff/cases/{case.number}/' not in page.replace(
        f'action="/staff/cases/{case.number}/escalate"', ""
    )


def test_the_handler_is_offered_return_start_then_complete(client, users):
    dispatched = case_in("dispatched", users)
    handling = case_in("handling", users)
    client.force_login(users["handler"])
    page = text(client.get(f"/staff/cases/{dispatched.number}"))
    for action in ("return", "start", "appointment"):
        assert f'action="/staff/cases/{dispatched.number}/{action}"' in page
    assert f'action="/staff/cases/{dispatched.number}/complete"' not in page
    page = text(client.get(f"/staff/cases/{handling.number}"))
    assert f'action="/staff/cases/{handling.number}/complete"' in page
    assert 'enctype="multipart/form-data"' in page
