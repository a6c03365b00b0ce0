import re
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Rating
from tests.support.data import case_in, submit
from web.elder import MODE_COOKIE

from .helpers import text


def test_it_shows_public_facts_with_the_masked_name(client, users):
    case = submit()
    page = text(client.get(f"/cases/{case.number}"))
    assert "基础设施维修" in page
    assert "竹枝社区" in page
    assert "张**" in page


def test_it_never_shows_the_phone_full_name_or_address(client, users):
    case = case_in("completed", users, name="张桂兰", phone="13800001234", address="3栋2单元5楼")
    page = text(client.get(f"/cases/{case.number}"))
    assert "张桂兰" not in page
    assert "13800001234" not in page
    assert "1234" not in page
    assert "3栋2单元5楼" not in page


def test_it_never_shows_private_notes(client, users):
    case = case_in("completed", users)
    services.rate(case, score="satisfied", comment="师傅态度很好,私下说", phone_last4="1234")
    page = text(client.get(f"/cases/{case.number}"))
    assert "师傅态度很好" not in page
    assert "居民评价:满意" in page


def test_it_marks_reached_current_and_unreached_stages(client, users):
    case = case_in("dispatched", users)
    page = text(client.get(f"/cases/{case.number}"))
    assert page.count('aria-current="step"') == 1
    current = page.index('aria-current="step"')
    assert page.index("派单给责任部门", current) < page.index("现场办理", current)
    assert page.count("(已完成)") == 2
    assert page.count("(未开始)") == 2
    assert "责任人:张三" in page
    assert "责任部门:物业科" in page


def test_each_reached_stage_shows_its_date_and_time(client, users):
    case = case_in("accepted", users)
    event = case.events.get(action="accept")
    local = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")
    page = text(client.get(f"/cases/{case.number}"))
    assert local in page


def test_it_shows_a_rejection_with_its_reason(client, users):
    case = case_in("rejected", users)
    page = text(client.get(f"/cases/{case.number}"))
    assert "不予受理" in page
    assert "原因:不属于受理范围" in page
    assert "(未受理)" in page


def test_it_shows_the_appointment_time(client, users):
    case = case_in("dispatched", users)
    at = timezone.localtime(timezone.now() + timedelta(days=1)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    services.start(case, by=users["handler"], appointment_at=at)
    page = text(client.get(f"/cases/{case.number}"))
    assert "预约上门时间" in page
    assert at.strftime("%Y-%m-%d 09:30") in page


def test_once_completed_it_shows_the_explanation_and_photo_thumbnails(client, users):
    case = case_in("completed", users)
    before = case.attachments.get(kind="before")
    after = case.attachments.get(kind="after")
    page = text(client.get(f"/cases/{case.number}"))
    assert "已修好" in page
    for photo in (before, after):
        assert f'href="/media/attachments/{photo.pk}/full"' in page
        assert f'src="/media/attachments/{photo.pk}/thumb"' in page


def test_it_does_not_link_the_residents_own_photos(client, users):
    from tests.support.data import jpeg

    case = submit(photo_files=[jpeg()])
    photo = case.attachments.get()
    page = text(client.get(f"/cases/{case.number}"))
    assert f"/media/attachments/{photo.pk}/" not in page


def test_it_offers_the_rating_form_only_once_completed(client, users):
    handling = case_in("handling", users)
    completed = case_in("completed", users)
    assert f'action="/cases/{handling.number}/rate"' not in text(client.get(f"/cases/{handling.number}"))
    assert f'action="/cases/{completed.number}/rate"' in text(client.get(f"/cases/{completed.number}"))


def test_an_unknown_number_is_a_404_page(client, users):
    response = client.get("/cases/20240101-0001")
    assert response.status_code == 404
    assert "没有找到编号为 20240101-0001 的诉求" in text(response)


def test_the_confirmation_page_for_an_unknown_number_is_a_404(client, users):
    assert client.get("/cases/20240101-0001/submitted").status_code == 404


# The shared (cached) page: served to anonymous visitors from the public cache, never to others.


def _token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the rating form carries a CSRF token"
    return match.group(1)


def test_a_repeated_anonymous_visit_is_served_from_the_store(client, users):
    case = case_in("completed", users)
    first = client.get(f"/cases/{case.number}")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/cases/{case.number}")
    # The case's version joined with the stored page: no events, photos or template rendering.
    assert len(queries) == 1
    assert text(again) == text(first).replace(_token(text(first)), _token(text(again)))


def test_each_cached_page_gets_a_working_csrf_token_of_its_own(users):
    case = case_in("completed", users)
    strict = Client(enforce_csrf_checks=True)
    strict.get(f"/cases/{case.number}")  # fills the cache
    page = text(strict.get(f"/cases/{case.number}"))
    token = _token(page)
    assert "__minsheng_csrf_token__" not in page
    assert settings.CSRF_COOKIE_NAME in strict.cookies
    response = strict.post(
        f"/cases/{case.number}/rate",
        {"score": "satisfied", "comment": "", "phone_last4": "1234", "csrfmiddlewaretoken": token},
    )
    assert response.status_code in (200, 302)
    assert Rating.objects.filter(case=case).count() == 1


def test_a_stage_change_shows_at_once_on_the_cached_page(client, users):
    case = case_in("dispatched", users)
    client.get(f"/cases/{case.number}")
    services.start(case, by=users["handler"])
    page = text(client.get(f"/cases/{case.number}"))
    assert page.index('aria-current="step"') > page.index("派单给责任部门")
    assert "责任人:李四" in page


def test_a_signed_in_staff_member_never_gets_the_shared_page_nor_leaves_theirs(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["intake"])
    staff_page = text(client.get(f"/cases/{case.number}"))
    anonymous = text(Client().get(f"/cases/{case.number}"))
    again = text(client.get(f"/cases/{case.number}"))
    assert "退出" in staff_page and "退出" in again
    assert "退出" not in anonymous


def test_elder_mode_has_its_own_cached_page(client, users):
    case = case_in("dispatched", users)
    standard = text(client.get(f"/cases/{case.number}"))
    client.cookies[MODE_COOKIE] = "2"
    elder = text(client.get(f"/cases/{case.number}"))
    assert 'id="plain-progress"' in elder and 'id="plain-progress"' not in standard
