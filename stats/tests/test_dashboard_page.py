"""The dashboard page: time-zone boundaries, empty periods, filters, bad input, access, query count."""

import re

import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cases.models import Category, Channel, Community
from tests.support.data import case_in, submit

from .conftest import STORY_PERIOD, local


def received(client, query):
    response = client.get(f"/supervisor/dashboard?{query}")
    assert response.status_code == 200, response.content
    return response.context["d"]["totals"]["received"]


def test_cases_count_on_their_shanghai_day_at_midnight(supervisor_client):
    with time_machine.travel(local(2026, 3, 31, 23, 59, 30)):
        submit()
    with time_machine.travel(local(2026, 4, 1, 0, 0, 0)):
        submit()
    assert received(supervisor_client, "from=2026-03-31&to=2026-03-31") == 1
    assert received(supervisor_client, "from=2026-04-01&to=2026-04-01") == 1
    # Whole months are read from monthly rows: March holds the 23:59 case, April the midnight one.
    assert received(supervisor_client, "from=2026-03-01&to=2026-03-31") == 1
    assert received(supervisor_client, "from=2026-04-01&to=2026-04-30") == 1
    assert received(supervisor_client, "from=2026-02-15&to=2026-05-15") == 2


def test_an_empty_period_shows_zeros_and_no_rates(supervisor_client, users):
    response = supervisor_client.get("/supervisor/dashboard?from=2020-01-01&to=2020-01-31")
    assert response.status_code == 200
    d = response.context["d"]
    assert d["totals"]["received"] == 0
    assert [r.value for r in d["rates"]] == [None, None, None, None]
    assert len(d["series"]) == 31 and all(p["received"] == 0 for p in d["series"])
    assert "这段时间提交的诉求没有收到不满意的评价" in response.content.decode()


def test_filters_narrow_every_figure(supervisor_client, users):
    with time_machine.travel(local(2026, 5, 10, 10, 0), tick=True):
        submit()
        submit(community=Community.objects.get(code="mingliang"))
        submit(category=Category.objects.get(code="noise"))
        submit(channel=Channel.PHONE, by=users["intake"])
    period = "from=2026-05-01&to=2026-05-31"
    assert received(supervisor_client, period) == 4
    assert received(supervisor_client, f"{period}&community=mingliang") == 1
    assert received(supervisor_client, f"{period}&category=noise") == 1
    assert received(supervisor_client, f"{period}&channel=phone") == 1
    assert received(supervisor_client, f"{period}&department=property") == 0


def test_bad_filters_get_a_message_and_no_figures(supervisor_client, users):
    for query, message in [
        ("community=nowhere", "没有这个选项"),
        ("from=2026-13-01", "日期格式"),
        ("from=2026-05-02&to=2026-05-01", "开始日期不能晚于结束日期"),
        ("from=2020-01-01&to=2026-01-01", "最长三年"),
        ("channel=pigeon", "channel"),
    ]:
        response = supervisor_client.get(f"/supervisor/dashboard?{query}")
        assert response.status_code == 400, query
        html = response.content.decode()
        assert 'role="alert"' in html
        assert "d" not in response.context or not response.context.get("d")
        if message != "channel":
            assert message in html, query


def test_only_supervisors_see_the_dashboard(client, users):
    response = client.get("/supervisor/dashboard")
    assert response.status_code == 302 and "/staff/login" in response["Location"]
    for name in ("handler", "intake", "volunteer"):
        client.force_login(users[name])
        for url in ("/supervisor/dashboard", "/supervisor/cases", "/supervisor/cases.csv"):
            response = client.get(url)
            assert response.status_code == 403, (name, url)
            assert "督办领导" in response.content.decode()


def test_the_page_uses_the_same_few_queries_for_one_case_or_many(supervisor_client, users):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert (
                supervisor_client.get("/supervisor/dashboard?from=2026-05-01&to=2026-05-31").status_code
                == 200
            )
        return len(ctx.captured_queries)

    with time_machine.travel(local(2026, 5, 10, 10, 0), tick=True):
        case_in("closed", users)
        one = count()
        for state in ("closed", "completed", "handling", "rejected", "dispatched"):
            case_in(state, users)
        many = count()
    # 19 for the case figures, 2 for the knowledge base's (answers, entries updated).
    assert one == many <= 21


def test_the_feedback_list_shows_dissatisfied_comments_newest_first(supervisor_client, users):
    from cases import services

    with time_machine.travel(local(2026, 5, 10, 10, 0), tick=True):
        first = case_in("completed", users)
        services.rate(first, score="dissatisfied", comment="第一条意见", phone_last4=first.phone[-4:])
        second = case_in("completed", users)
        services.rate(second, score="dissatisfied", comment="第二条意见", phone_last4=second.phone[-4:])
    response = supervisor_client.get("/supervisor/dashboard?from=2026-05-01&to=2026-05-31")
    html = response.content.decode()
    assert html.index("第二条意见") < html.index("第一条意见")
    assert f"/staff/cases/{second.number}" in html


def test_counts_are_grouped_by_thousands_but_links_keep_plain_numbers(supervisor_client, story):
    """1,200 cases: the page reads "1,200" in Chinese and English; the links behind it do not change."""
    for language, lang_attr in (("zh-hans", 'lang="zh-Hans"'), ("en", 'lang="en"')):
        page = supervisor_client.get(f"/supervisor/dashboard?{STORY_PERIOD}", HTTP_ACCEPT_LANGUAGE=language)
        html = page.content.decode()
        assert lang_attr in html, language
        # The key figure, its link to the case list, the chart's value label, a rate's denominator.
        assert '<a href="/supervisor/cases?from=2026-01-01&amp;to=2026-06-30">1,200</a>' in html, language
        assert 'class="chart__value">1,200</span>' in html, language
        assert '&amp;metric=received">1,200</a>' in html, language
        assert ">1200<" not in html, language
        # No grouped number inside a link, a chart coordinate or a form value.
        assert not re.search(r'(href|x|y|width|height|value)="[^"]*\d,\d', html), language
        listing = supervisor_client.get(f"/supervisor/cases?{STORY_PERIOD}", HTTP_ACCEPT_LANGUAGE=language)
        assert "<strong>1,200</strong>" in listing.content.decode(), language


def test_a_fractional_numerator_keeps_its_decimal_when_grouped():
    rate = {
        "label": "满意率",
        "key": "satisfaction",
        "percent": "88.0%",
        "numerator": 351823.3,
        "denominator": 399799,
    }
    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = render_to_string("stats/_rate.html", {"rate": rate})
        assert "351,823.3" in html and "399,799" in html, language


def test_the_case_list_flags_only_open_cases_past_their_time_limit(supervisor_client, users):
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Case

    late = submit()
    done = case_in("completed", users)  # completed in time; its deadline passes while it awaits a rating
    Case.objects.filter(pk__in=[late.pk, done.pk]).update(due_at=timezone.now() - timedelta(days=2))
    html = supervisor_client.get("/supervisor/cases").content.decode()
    rows = {number: html.split(number, 1)[1].split("</tr>", 1)[0] for number in (late.number, done.number)}
    assert "已超时" in rows[late.number]
    assert "已超时" not in rows[done.number]
