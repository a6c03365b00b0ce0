"""The layout check: every page, as rendered by Chromium, at phone, tablet and desktop widths, in
Chinese and English, in standard and elder mode, with realistic data (long names, long Chinese and
English text, no rows and a thousand rows).

A page fails on: content wider than the window, text overflowing its box, a Latin word broken inside,
a control smaller than 24×24 px (60×60 in elder mode), text under 12 px (24 px), contrast under 4.5:1
(7:1), and any axe-core violation (axe-core from the pinned axe-playwright-python package, no CDN).
All measurements of a page are taken in one page.evaluate (layout_measure.js).

By default a representative subset of the grid runs (see GRID below); LAYOUT_FULL=1 runs all twelve
combinations. Screenshots of every visit land in $LAYOUT_SCREENSHOTS (default
/tmp/minsheng-layout); docs/layout-check.md says more.
"""

import os
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils import timezone

from cases import classifying, cohandling, fairness, moreinfo, roles, services
from cases.models import (
    Case,
    Category,
    Community,
    Department,
    HelpDesk,
    Priority,
    RequestType,
    StaffProfile,
    UnreasonableMark,
    UnreasonableReason,
)
from knowledge import services as knowledge
from knowledge.demo import load_knowledge
from knowledge.models import Entry, ReplyTemplate
from tests.support.data import case_in, setup_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURE = (Path(__file__).parent / "layout_measure.js").read_text()
SHOTS = Path(os.environ.get("LAYOUT_SCREENSHOTS", "/tmp/minsheng-layout"))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
STANDARD = {"text": 12, "target": 24, "contrast": 4.5}
ELDER = {"text": 24, "target": 60, "contrast": 7}


@dataclass(frozen=True)
class Combo:
    width: int
    language: str  # "zh-hans" or "en"
    elder: bool

    @property
    def name(self) -> str:
        language = "zh" if self.language == "zh-hans" else "en"
        return f"{self.width}-{language}-{'elder' if self.elder else 'standard'}"


FULL = [
    Combo(w, lang, elder) for w in (390, 768, 1366) for lang in ("zh-hans", "en") for elder in (False, True)
]
# Every width, language and mode appears at least once, phones twice (where most breaks happen).
SUBSET = [
    Combo(390, "zh-hans", False),
    Combo(1366, "en", False),
    Combo(390, "en", True),
    Combo(768, "zh-hans", True),
]
GRID = FULL if os.environ.get("LAYOUT_FULL") else SUBSET
if os.environ.get("LAYOUT_ONLY"):  # e.g. LAYOUT_ONLY=768-en-elder: one combination, to check a fix
    GRID = [c for c in FULL if c.name == os.environ["LAYOUT_ONLY"]]

LONG_NAME = "欧阳·阿卜杜热合曼·买买提明"
LONG_ZH = (
    "我们小区三号楼二单元从五楼到八楼的楼道声控灯已经坏了将近两个星期,晚上上下楼完全看不见台阶,"
    "住在七楼的王奶奶前天晚上下楼倒垃圾时差点摔倒。物业说要等配件,可是一直没有人来修,"
    "请尽快安排人员更换灯泡和声控开关,谢谢!"
)
LONG_EN = (
    "The motion-sensor lights in the stairwell of building three, entrance two, have been out from the "
    "fifth to the eighth floor for nearly two weeks; residents cannot see the steps at night and an "
    "elderly neighbour almost fell. Internationalization, responsibilities, and accountability matter."
)


def _data():
    """Demo reference data, a thousand generated cases, and a few cases with long text."""
    users = setup_reference()
    call_command("generate_cases", cases=1000, days=30, seed=1, verbosity=0)
    desk = HelpDesk.objects.filter(volunteers=users["volunteer"]).first()
    long = {
        "zh": case_in("handling", users, name=LONG_NAME, description=LONG_ZH, phone="13900001111"),
        "en": case_in("submitted", users, name="Maximilian Alexander Featherstonehaugh", description=LONG_EN),
        "completed": case_in("completed", users, description=LONG_ZH + LONG_EN, phone="13900001111"),
        "desk": services.submit_case(
            category=Case.objects.first().category,
            community=desk.community if desk else Community.objects.first(),
            address="竹枝社区幸福里小区十二栋三单元十八楼一千八百零八室",
            description=LONG_EN,
            name=LONG_NAME,
            phone="13900002222",
            channel="help_desk",
            desk=desk,
            by=users["volunteer"],
            consent=True,
        ),
    }
    long.update(_knowledge_and_types(users, long))
    long.update(_grid_info_and_co_handling(users))
    return users, long


# The resident's report on the home form that matches SAME_THEIRS (web.same_problem), posted in the browser.
SAME_THEIRS = {
    "address": "竹枝小区3栋2单元502室",
    "description": "3栋2单元楼道灯不亮了,晚上黑漆漆的,老人下楼怕摔。",
    "name": "欧阳秀英",
    "phone": "13511112222",
}
SAME_MINE = {
    "address": "竹枝小区3栋2单元",
    "description": "3栋2单元楼道灯不亮,晚上看不见路。",
    "name": LONG_NAME,
    "phone": "13900005678",
}


def _station_case(users, address: str, **more) -> Case:
    """A case of 竹枝社区 dispatched to its community work station (as web/tests/test_grid_pages.py)."""
    zhuzhi = Community.objects.get(code="zhuzhi")
    case = case_in("accepted", users, address=address, community=zhuzhi, **more)
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="zhuzhi-station"))
    return Case.objects.get(pk=case.pk)


def _grid_info_and_co_handling(users) -> dict[str, Case]:
    """The grid worker's cases in two buildings (one started), a case waiting for 补充材料, a case
    without a request yet, a co-handled case, and an open case a new report matches."""
    _station_case(users, "竹枝小区3栋2单元5楼", name=LONG_NAME, description=LONG_ZH)
    started = _station_case(users, "竹枝小区3栋1单元1201室", description="楼下垃圾堆放三天没人清运。")
    services.start(started, by=users["grid"])
    _station_case(users, "竹枝小区1栋", description=LONG_EN, name="Maximilian Alexander Featherstonehaugh")
    waiting = case_in("dispatched", users, description=LONG_ZH)
    moreinfo.ask(
        waiting,
        by=users["handler"],
        question="请拍一张漏水处的照片,并说明漏水的是哪一个房间、从什么时候开始漏水。",
        wants_photo=True,
    )
    to_ask = case_in("dispatched", users, description="卫生间冷水龙头损坏,漏水严重。")
    urban = User.objects.create_user("urban-handler", first_name="王五")
    urban.groups.add(Group.objects.get(name=roles.HANDLER))
    StaffProfile.objects.create(user=urban, department=Department.objects.get(code="urban"))
    co = case_in("accepted", users, description="小区门口占道堆放杂物,路灯也不亮。" + LONG_ZH)
    services.dispatch(
        co,
        by=users["intake"],
        department=Department.objects.get(code="property"),
        co_departments=[Department.objects.get(code="urban"), Department.objects.get(code="municipal")],
    )
    services.start(Case.objects.get(pk=co.pk), by=users["handler"])
    cohandling.contribute(Case.objects.get(pk=co.pk), by=urban, note="占道杂物已清理。")
    co_open = case_in("accepted", users, description="单元门禁坏了,外人随意进出。")
    services.dispatch(
        co_open,
        by=users["intake"],
        department=Department.objects.get(code="property"),
        co_departments=[Department.objects.get(code="urban")],
    )
    theirs = services.submit_case(
        category=Category.objects.get(code="infrastructure"),
        community=Community.objects.get(code="zhuzhi"),
        **SAME_THEIRS,
    )
    return {
        "waiting": waiting,
        "to_ask": to_ask,
        "co": co,
        "co_open": co_open,
        "theirs": theirs,
    }


LONG_QUESTION = "八十周岁以上的老年人高龄津贴(长寿补贴)怎么申请,需要带哪些材料,多长时间能够到账?"
LONG_ANSWER = (
    "本人或家属带户口本、身份证和一寸照片到社区居委会一楼便民服务窗口填写《高龄津贴申请表》,"
    "社区初审后报街道民政科复核,审核通过的次月起按月发放到本人社会保障卡。行动不便的老人可以"
    "请网格员上门办理。Applicants aged eighty or over, or their family, bring the household register, "
    "identity card and a photograph to the community office; internationalization-friendly explanation."
)


def _knowledge_and_types(users, long) -> dict[str, Case]:
    """The base (the demo's entries and templates, one long entry, sixty more so the lists are long),
    cases with type and priority, an answered question, a pending 不合理诉求 and a signed-off one."""
    load_knowledge(users["intake"])
    review = timezone.localdate() + timedelta(days=90)
    entry = knowledge.save_entry(
        by=users["intake"],
        question=LONG_QUESTION,
        answer=LONG_ANSWER,
        aliases="老人补贴、八十岁补贴、长寿金、elderly allowance",
        source="《某市高龄老人津贴发放管理办法》(第三次修订)、街道民政科社会救助和社会福利工作组",
        review_by=review,
        status=Entry.Status.PUBLISHED,
    )
    for i in range(60):
        knowledge.save_entry(
            by=users["intake"],
            question=f"第{i + 1}号办事指南:居住证明、社保卡补办和门前停车位申请分别去哪里办理?",
            answer=LONG_ZH,
            source="街道便民服务中心",
            review_by=timezone.localdate() + timedelta(days=30 if i % 3 else -1),  # a third past review
            status=Entry.Status.PUBLISHED if i % 4 else Entry.Status.DRAFT,
        )
    urgent = case_in("handling", users, description="楼上水管爆裂,漏水严重,家里已经停电了," + LONG_ZH)
    classifying.classify(
        urgent, by=users["intake"], request_type=RequestType.COMPLAINT, priority=Priority.URGENT
    )
    high = case_in("accepted", users, name=LONG_NAME, description="独居老人家中燃气灶打不着火。" + LONG_ZH)
    classifying.classify(high, by=users["intake"], request_type=RequestType.HELP, priority=Priority.HIGH)
    question = case_in("submitted", users, description="我妈八十多了,有没有老年补贴?怎么申请?" + LONG_EN)
    classifying.classify(
        question, by=users["intake"], request_type=RequestType.ENQUIRY, priority=Priority.NORMAL
    )
    answered = case_in("submitted", users, description="高龄津贴怎么申请?")
    knowledge.answer_case(answered, by=users["intake"], entry=entry, text=LONG_ANSWER)
    reason, _created = UnreasonableReason.objects.get_or_create(
        code="beyond-policy", defaults={"name": "诉求明显超出政策规定"}
    )
    marked = case_in("accepted", users, description="要求街道出钱给全楼每户换新空调。" + LONG_ZH)
    fairness.mark(
        marked, by=users["intake"], kind=UnreasonableMark.Kind.UNREASONABLE, reason=reason, note=LONG_ZH
    )
    repeated = case_in("dispatched", users, description=LONG_ZH)
    fairness.mark(
        repeated,
        by=users["intake"],
        kind=UnreasonableMark.Kind.DUPLICATE,
        duplicate_of=long["zh"].number,
        note=LONG_EN,
    )
    excluded = case_in("completed", users, description="要求物业免除十年物业费。")
    fairness.mark(excluded, by=users["intake"], kind=UnreasonableMark.Kind.UNREASONABLE, reason=reason)
    fairness.sign_off(excluded, by=users["supervisor"], note="同意,不计入考核。")
    return {
        "entry": entry,
        "urgent": urgent,
        "high": high,
        "question": question,
        "answered": answered,
        "marked": marked,
    }


def _pages(long):
    """(role, path, elder limits apply) for every page."""
    zh, en, done, desk = (long[k].number for k in ("zh", "en", "completed", "desk"))
    entry = long["entry"].pk
    urgent, high, question, answered, marked = (
        long[k].number for k in ("urgent", "high", "question", "answered", "marked")
    )
    reject = ReplyTemplate.objects.filter(use=ReplyTemplate.Use.REJECT, is_active=True).first()
    complete = ReplyTemplate.objects.filter(use=ReplyTemplate.Use.COMPLETE, is_active=True).first()
    knowledge_pages = [
        ("anon", "/knowledge/", True),
        ("anon", "/knowledge/?q=我妈八十多了有没有老年补贴", True),
        ("anon", "/knowledge/?q=zzzzqqqq火星移民签证", True),  # no result
        ("anon", f"/knowledge/{entry}", True),
        ("anon", f"/knowledge/{entry}/print", False),  # a sheet to print, like the receipt
        ("anon", f"/cases/{answered}", True),  # 已答复
        ("anon", f"/cases/{urgent}", True),  # 应急
        # Last: opening /elder/ turns elder mode on for the rest of the visit (a cookie), so before
        # it the anonymous pages are seen in the combination's own mode.
        ("anon", "/elder/", True),
    ]
    knowledge_staff = [
        ("intake", "/staff/knowledge/", False),
        ("intake", "/staff/knowledge/?review=overdue", False),
        ("intake", "/staff/knowledge/new", False),
        ("intake", f"/staff/knowledge/{entry}", False),
        ("intake", f"/staff/knowledge/{entry}/edit", False),
        ("volunteer", "/staff/knowledge/?q=老人补贴", False),
        ("volunteer", f"/staff/knowledge/{entry}", False),
        ("volunteer", "/desk/poster/community/zhuzhi", False),
        ("intake", "/staff/?priority=high&type=help", False),
        ("intake", "/staff/?priority=urgent", False),  # a filter that finds nothing
        ("handler", "/staff/?priority=urgent", False),
        ("intake", f"/staff/cases/{question}", False),  # classify, mark, answer from the base
        ("intake", f"/staff/cases/{question}?answer_entry={entry}#answer-form", False),
        ("intake", f"/staff/cases/{high}" + (f"?template={reject.pk}#reject-form" if reject else ""), False),
        ("intake", f"/staff/cases/{marked}", False),  # a pending mark
        (
            "handler",
            f"/staff/cases/{urgent}" + (f"?template={complete.pk}#complete-form" if complete else ""),
            False,
        ),
        ("supervisor", f"/staff/cases/{marked}", False),  # sign off or decline
        ("supervisor", "/supervisor/cases?metric=excluded", False),
    ]
    public = [
        ("anon", "/", True),
        ("anon", f"/cases/lookup?number={zh}&phone_last4=1111", True),
        ("anon", f"/cases/{zh}", True),
        ("anon", f"/cases/{en}/submitted", True),
        ("anon", f"/cases/{done}", True),
        ("anon", "/staff/login", True),
        ("anon", "/me/sign-in", True),
        ("anon", "/cases/20990101-0001", True),  # 404
        ("anon", "/language?language=xx", True),  # 400
        ("anon", "/desk/", True),  # anonymous at the desk: sent to sign in
    ]
    resident = [("resident", "/me/", True), ("resident", f"/cases/{done}", True)]
    staff = [
        ("volunteer", "/desk/", False),
        ("volunteer", "/desk/new", False),
        ("volunteer", "/desk/lookup?phone=13900001111", False),
        ("volunteer", "/desk/follow-ups", False),
        ("volunteer", f"/desk/cases/{desk}", False),
        ("volunteer", f"/cases/{desk}/receipt", False),
        ("volunteer", "/desk/poster", False),
        ("intake", "/staff/", False),
        ("intake", f"/staff/cases/{en}", False),
        ("handler", "/staff/", False),
        ("handler", f"/staff/cases/{zh}", False),
        ("supervisor", "/staff/supervision", False),
        ("supervisor", "/staff/supervision/access-log", False),
        ("supervisor", "/supervisor/dashboard", False),
        ("supervisor", "/supervisor/cases", False),
        ("handler", "/staff/supervision", False),  # 403
    ]
    waiting, to_ask, co, co_open = (long[k].number for k in ("waiting", "to_ask", "co", "co_open"))
    field_pages = [
        ("grid", "/grid/", True),  # a phone page used outdoors: elder sizes apply
        ("anon", SAME_OFFER, True),  # the home form posted in the browser: 这是同一件事?
        ("anon", SAME_FOLLOW, True),  # then 这是同一件事,关注它: /cases/{n}/following
        ("anon", f"/cases/{waiting}", True),  # 待补充 with the answer form
        ("anon", f"/cases/{co}", True),  # 主办/协办
        ("handler", f"/staff/cases/{waiting}", False),
        ("handler", f"/staff/cases/{to_ask}#ask-info-form", False),
        ("handler", f"/staff/cases/{co}", False),
        ("urban-handler", f"/staff/cases/{co_open}", False),  # the contribute form
        ("urban-handler", f"/staff/cases/{co}", False),
    ]
    # The anonymous pages before /elder/ (see above): it stays last.
    knowledge_pages[-1:-1] = [p for p in field_pages if p[0] == "anon"]
    field_staff = [p for p in field_pages if p[0] != "anon"]
    return public + knowledge_pages + resident + staff + knowledge_staff + field_staff


# Pages reached by a POST: the module submits the form in the browser (the path is only a name).
SAME_OFFER = "/cases/new#same-problem-offer"
SAME_FOLLOW = "/cases/new#same-problem-follow"


def _post_same_problem(page, base: str, follow: bool) -> None:
    """Post the home form (the standard one, in either mode) with a report matching SAME_THEIRS."""
    page.goto(base + "/")
    fields = {
        "category": str(Category.objects.get(code="infrastructure").pk),
        "community": str(Community.objects.get(code="zhuzhi").pk),
        "age_band": "60_plus",
        **SAME_MINE,
    }
    with page.expect_navigation():
        page.evaluate(
            """(fields) => {
              const form = document.createElement("form");
              form.method = "post";
              form.action = "/cases/new";
              form.enctype = "multipart/form-data";
              const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
              for (const [name, value] of Object.entries({...fields, csrfmiddlewaretoken: token})) {
                const input = document.createElement("input");
                input.type = "hidden";
                input.name = name;
                input.value = value;
                form.append(input);
              }
              document.body.append(form);
              form.submit();
            }""",
            fields,
        )
    if follow:
        with page.expect_navigation():
            page.locator("button[name=same_as]").first.click()


def _session_cookie(role: str) -> str | None:
    if role == "anon":
        return None
    if role == "resident":
        store = SessionStore()
        store["resident_phone"] = "13900001111"
        store.create()
        return store.session_key
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=role), backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _context(browser, base, combo: Combo, session: str | None):
    context = browser.new_context(
        locale="zh-CN" if combo.language == "zh-hans" else "en-US",
        viewport={"width": combo.width, "height": 844 if combo.width < 700 else 1000},
    )
    host = base.split("://", 1)[1].split(":")[0]
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": combo.language, "domain": host, "path": "/"}]
    if combo.elder:
        cookies.append({"name": "minsheng_elder", "value": "1", "domain": host, "path": "/"})
    if session:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"})
    context.add_cookies(cookies)
    return context


def _axe(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [
        f"axe {v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def _check(browser, base, pages, label: str) -> dict[str, list[str]]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    sessions = {role: _session_cookie(role) for role in {p[0] for p in pages}}
    problems: dict[str, list[str]] = {}
    for combo in GRID:
        for role in sessions:
            context = _context(browser, base, combo, sessions[role])
            page = context.new_page()
            page.set_default_timeout(15_000)
            for who, path, resident_page in pages:
                if who != role:
                    continue
                if path in (SAME_OFFER, SAME_FOLLOW):
                    _post_same_problem(page, base, follow=path == SAME_FOLLOW)
                else:
                    page.goto(base + path)
                limits = ELDER if combo.elder and resident_page else STANDARD
                m = page.evaluate(MEASURE, limits)
                found = list(m["problems"])
                if m["texts"] < 3:
                    found.append(f"only {m['texts']} texts measured: the page did not render")
                found += _axe(page)
                slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{role}{path}").strip("_")[:80]
                page.screenshot(path=str(SHOTS / f"{label}-{combo.name}-{slug}.png"), full_page=True)
                if found:
                    problems[f"{combo.name} {role} {path}"] = found
            context.close()
    (SHOTS / f"{label}-problems.txt").write_text(_report(problems, 1000) or "none\n")
    return problems


def _report(problems: dict[str, list[str]], most: int = 12) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(found[:most]) for where, found in problems.items())


def test_every_page_lays_out_at_every_width_language_and_mode(browser, live_server):
    _users, long = _data()
    started = time.monotonic()
    problems = _check(browser, live_server.url, _pages(long), "full")
    assert not problems, _report(problems) + f"\n({time.monotonic() - started:.0f} s)"


def test_pages_with_no_data_show_a_helpful_empty_state(browser, live_server):
    setup_reference()
    pages = [
        ("volunteer", "/desk/", False),
        ("volunteer", "/desk/follow-ups", False),
        ("volunteer", "/desk/lookup?phone=13900009999", False),
        ("intake", "/staff/", False),
        ("supervisor", "/staff/supervision", False),
        ("supervisor", "/supervisor/dashboard", False),
        ("supervisor", "/supervisor/cases", False),
        ("supervisor", "/staff/supervision/access-log", False),
        ("resident", "/me/", True),
        ("anon", "/knowledge/", True),
        ("intake", "/staff/knowledge/", False),
        ("volunteer", "/staff/knowledge/", False),
    ]
    problems = _check(browser, live_server.url, pages, "empty")
    assert not problems, _report(problems)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_elder_first_screen_shows_the_question_and_three_choices_on_a_phone(browser, live_server, language):
    """390×844 at A (size 1), without JavaScript: the header is one row whose 菜单 link opens the menu."""
    setup_reference()
    base = live_server.url
    host = base.split("://", 1)[1].split(":")[0]
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"}
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(f"{base}/elder/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"first-screen-{language}.png"))
    question = page.locator(".elder-choices legend").bounding_box()
    choices = [page.locator(".elder-choice").nth(i).bounding_box() for i in range(3)]
    header = page.locator(".site-header").bounding_box()
    assert question and all(choices) and header
    assert question["y"] + question["height"] <= 844
    assert choices[2]["y"] + choices[2]["height"] <= 844, f"third choice ends at {choices[2]}"
    assert header["height"] <= 130, header  # one row (the brand may wrap once in English)
    # The menu is a real link: without JavaScript it shows the mode switch, sizes, language, sign-in.
    assert not page.locator("#site-nav").is_visible()
    page.locator(".elder-menu-link").click()
    assert page.locator("#site-nav").is_visible()
    assert page.locator("#site-nav .text-size__link").count() == 3
    context.close()
