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
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command

from cases import services
from cases.models import Case, Community, HelpDesk
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
    return users, long


def _pages(long):
    """(role, path, elder limits apply) for every page."""
    zh, en, done, desk = (long[k].number for k in ("zh", "en", "completed", "desk"))
    public = [
        ("anon", "/", True),
        ("anon", f"/cases/lookup?number={zh}&phone_last4=1111", True),
        ("anon", f"/cases/{zh}", True),
        ("anon", f"/cases/{en}/submitted", True),
        ("anon", f"/cases/{done}", True),
        ("anon", "/elder/", True),
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
    return public + resident + staff


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
