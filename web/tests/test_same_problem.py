"""这是同一件事,关注它: the offer before a new case, on the standard form and in elder mode."""

from cases.models import Case, CoReporter
from tests.support.data import submit

from .helpers import submission, text

# Someone else's report of the same problem: their words, name, phone and flat never reach the offer.
THEIRS = {
    "address": "3栋2单元502室",
    "description": "3栋2单元楼道灯不亮了,晚上黑漆漆的,老人下楼怕摔。",
    "name": "欧阳秀英",
    "phone": "13511112222",
}
MINE = {"address": "3栋2单元", "description": "3栋2单元楼道灯不亮,晚上看不见路。", "phone": "13900005678"}


def their_case():
    return submit(**THEIRS)


def assert_nothing_of_theirs(page):
    for secret in ("欧阳", "13511112222", "2222", "502室", "黑漆漆", "老人下楼怕摔"):
        assert secret not in page, secret


def test_a_likely_match_is_offered_before_anything_is_made(client, users):
    theirs = their_case()
    response = client.post("/cases/new", submission(**MINE, photos=[]))
    page = text(response)
    assert response.status_code == 200
    # The building is the resident's own (3栋 from "3栋2单元"), said because the match is the same building.
    assert f"竹枝社区3栋已有人反映过“基础设施维修”问题(案号 {theirs.number},正在办理)" in page
    assert "这是同一件事,关注它" in page and "不是,继续提交" in page
    assert_nothing_of_theirs(page)
    # The resident's own answers are kept in the form for either choice.
    assert "看不见路" in page
    assert Case.objects.count() == 1


def test_following_makes_a_co_reporter_and_confirms_with_the_number(client, users):
    theirs = their_case()
    response = client.post("/cases/new", submission(**MINE, photos=[], same_as=theirs.number))
    assert response.status_code == 302 and response.url == f"/cases/{theirs.number}/following"
    co = CoReporter.objects.get()
    assert (co.case_id, co.phone, co.name) == (theirs.pk, "13900005678", "张桂兰")
    assert Case.objects.count() == 1
    page = text(client.get(response.url))
    assert theirs.number in page and f'href="/cases/{theirs.number}"' in page
    assert_nothing_of_theirs(page)
    progress = text(client.get(f"/cases/{theirs.number}"))
    assert "又有1位居民反映了同一问题" in progress and "13900005678" not in progress


def test_not_the_same_submits_a_new_case(client, users):
    their_case()
    response = client.post("/cases/new", submission(**MINE, not_same="1"))
    assert response.status_code == 302
    assert Case.objects.count() == 2 and not CoReporter.objects.exists()


def test_a_number_that_was_not_offered_follows_nothing(client, users):
    theirs = their_case()
    other = submit(description="小区门口垃圾桶满了没人清运", address="北门", phone="13622223333")
    response = client.post("/cases/new", submission(**MINE, photos=[], same_as=other.number))
    assert response.status_code == 400 and "找不到可以关注的诉求" in text(response)
    response = client.post("/cases/new", submission(**MINE, photos=[], same_as="20990101-9999"))
    assert response.status_code == 400
    assert not CoReporter.objects.exists() and Case.objects.count() == 2
    assert theirs.pk


def test_an_invalid_form_is_refused_before_any_offer(client, users):
    theirs = their_case()
    response = client.post(
        "/cases/new", submission(**{**MINE, "phone": "12"}, photos=[], same_as=theirs.number)
    )
    assert response.status_code == 400 and "电话号码格式不正确" in text(response)
    assert not CoReporter.objects.exists()


def test_without_a_likely_match_the_form_submits_at_once(client, users):
    submit(description="小区门口垃圾桶满了没人清运", address="北门", phone="13622223333")
    response = client.post("/cases/new", submission(**MINE))
    assert response.status_code == 302 and Case.objects.count() == 2


def _elder_to_check(client):
    client.post("/elder/", {"category": "infrastructure", "description": MINE["description"]})
    client.post(
        "/elder/where", {"community": "zhuzhi", "building": "3", "unit": "2", "floor": "", "other": ""}
    )


def test_elder_mode_offers_the_same_and_follows(client, users):
    theirs = their_case()
    _elder_to_check(client)
    response = client.post("/elder/check", {"name": "李大爷", "phone": MINE["phone"]})
    page = text(response)
    assert response.status_code == 200 and theirs.number in page and "这是同一件事,关注它" in page
    assert_nothing_of_theirs(page)
    response = client.post(
        "/elder/check", {"name": "李大爷", "phone": MINE["phone"], "same_as": theirs.number}
    )
    assert response.status_code == 302 and response.url == f"/cases/{theirs.number}/following"
    assert CoReporter.objects.get().case_id == theirs.pk and Case.objects.count() == 1


def test_elder_mode_not_the_same_sends_a_new_case(client, users):
    their_case()
    _elder_to_check(client)
    response = client.post("/elder/check", {"name": "李大爷", "phone": MINE["phone"], "not_same": "1"})
    assert response.status_code == 302 and "/submitted" in response.url
    assert Case.objects.count() == 2


def _desk_post(client, **overrides):
    from cases.models import Category, Community

    data = {
        "name": "李大爷",
        "phone": MINE["phone"],
        "category": Category.objects.get(code="infrastructure").pk,
        "community": Community.objects.get(code="zhuzhi").pk,
        "address": MINE["address"],
        "description": MINE["description"],
        "consent": "on",
    }
    data.update(overrides)
    return client.post("/desk/new", {k: v for k, v in data.items() if v is not None})


def test_the_desk_offers_the_same_problem_before_submitting(client, users):
    theirs = their_case()
    client.force_login(users["volunteer"])
    response = _desk_post(client)
    page = text(response)
    assert response.status_code == 200 and theirs.number in page and "这是同一件事,关注它" in page
    assert_nothing_of_theirs(page)
    response = _desk_post(client, same_as=theirs.number)
    assert response.status_code == 302 and response.url == f"/cases/{theirs.number}/following"
    co = CoReporter.objects.get()
    assert co.channel == "help_desk" and co.registered_by == users["volunteer"]
    assert Case.objects.count() == 1
    response = _desk_post(client, not_same="1", phone="13700007777")
    assert response.status_code == 302 and Case.objects.count() == 2


def test_the_desk_suggests_a_category_and_preselects_only_a_confident_one(client, users):
    from triage import suggest
    from triage.lexicon import load_lexicon

    load_lexicon()
    client.force_login(users["volunteer"])
    said = "家里停水了,水龙头一滴水都没有"
    response = _desk_post(client, category="", description=said)
    page = text(response)
    suggestions = suggest.suggest_categories(said)
    assert suggestions and "建议的诉求类型" in page and suggestions[0].category.name in page
    if suggest.preselect(suggestions) is not None:
        assert "已按居民说的话预选" in page
    else:
        assert "已按居民说的话预选" not in page and "请选择诉求类型" in page
    assert response.status_code == 400 and Case.objects.count() == 0
