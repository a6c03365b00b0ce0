"""A double tap or a resubmitted page creates one case: the forms' hidden idempotency key."""

import re

import pytest

from cases.models import Case, SubmissionKey

from .helpers import submission, text
from .test_desk_submit import _post as desk_post
from .test_elder_flow import _place, _problem, _send

KEY_INPUT = re.compile(r'<input type="hidden" name="idempotency_key" value="([^"]+)"')


def key_in(page: str) -> str:
    found = KEY_INPUT.search(page)
    assert found, "the form carries no idempotency key"
    return found.group(1)


def test_each_rendering_of_the_form_gets_its_own_key(client, users):
    first, second = key_in(text(client.get("/"))), key_in(text(client.get("/")))
    assert first != second and len(first) >= 16


def test_sending_the_same_form_twice_lands_on_one_case(client, users):
    key = key_in(text(client.get("/")))
    first = client.post("/cases/new", submission(idempotency_key=key))
    second = client.post("/cases/new", submission(idempotency_key=key))
    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"/cases/{case.number}/submitted"
    assert case.attachments.count() == 1


def test_without_the_key_it_still_submits(client, users):
    assert client.post("/cases/new", submission()).status_code == 302
    # (The same report again is offered as "the same problem" first: the resident says it is not.)
    assert client.post("/cases/new", submission(idempotency_key="tampered", not_same="1")).status_code == 302
    assert Case.objects.count() == 2 and not SubmissionKey.objects.exists()


def test_an_old_page_sent_again_with_other_answers_asks_before_making_a_second_case(client, users):
    key = key_in(text(client.get("/")))
    number = client.post("/cases/new", submission(idempotency_key=key)).url.split("/")[2]
    response = client.post("/cases/new", submission(idempotency_key=key, description="楼道灯也坏了。"))
    page = text(response)
    assert response.status_code == 422
    assert f"这份表单已经提交过了,诉求编号 {number}" in page
    assert "楼道灯也坏了。" in page  # the answers are kept
    fresh = key_in(page)
    assert fresh != key and Case.objects.count() == 1
    again = client.post(
        "/cases/new", submission(idempotency_key=fresh, description="楼道灯也坏了。", not_same="1")
    )
    assert again.status_code == 302 and Case.objects.count() == 2


def test_a_form_with_errors_keeps_its_key(client, users):
    key = key_in(text(client.get("/")))
    page = text(client.post("/cases/new", submission(idempotency_key=key, phone="")))
    assert key_in(page) == key and not Case.objects.exists()


def test_elder_flow_sent_twice_is_one_case(client, users):
    _problem(client)
    _place(client)
    key = key_in(text(client.get("/elder/check")))
    first = _send(client, idempotency_key=key)
    second = _send(client, idempotency_key=key)  # the answers in the session are used up by now
    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"/cases/{case.number}/submitted"


def test_elder_flow_without_a_key_after_sending_starts_again(client, users):
    _problem(client)
    _place(client)
    _send(client)
    assert _send(client).url == "/elder/"
    assert Case.objects.count() == 1


@pytest.fixture
def volunteer(client, users):
    client.force_login(users["volunteer"])
    return users["volunteer"]


def test_desk_form_sent_twice_is_one_case_and_one_receipt(client, volunteer):
    key = key_in(text(client.get("/desk/new")))
    first = desk_post(client, idempotency_key=key)
    second = desk_post(client, idempotency_key=key)
    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/cases/{case.number}/receipt"
    assert SubmissionKey.objects.get().scope == f"web:user:{volunteer.pk}"
