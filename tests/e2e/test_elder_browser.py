"""Elder mode and voice in a real browser: accessibility (axe-core), sizes and contrast measured from
the rendered page, the three-screen flow without JavaScript, read-aloud and a recorded voice note."""

import re
from pathlib import Path

import pytest

from cases.models import Attachment, Case
from tests.support.data import case_in, setup_reference

from .conftest import CHROMIUM, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Measures the rendered page: every text element's font size and contrast against the background
# it is actually drawn on (ancestors' background colours composited), and every link and button box.
MEASURE = (Path(__file__).parent / "measure_elder.js").read_text()


def _axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [
        f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def _cases():
    setup_reference()
    return case_in("submitted", {}), case_in_completed()


def case_in_completed():
    from django.contrib.auth.models import User

    users = {u.username: u for u in User.objects.all()}
    return case_in("completed", users, phone="13900005678")


def _public_pages(base, submitted, completed):
    return [
        f"{base}/",
        f"{base}/cases/lookup?number=20990101-0001",
        f"{base}/cases/{submitted.number}",
        f"{base}/cases/{submitted.number}/submitted",
        f"{base}/cases/{completed.number}",
        f"{base}/staff/login",
        f"{base}/elder/",
    ]


def _walk_to_the_last_screen(page, base):
    """Fill screens 1 and 2 (the later screens need the earlier answers); end on screen 3."""
    page.goto(f"{base}/elder/")
    page.get_by_label(re.compile("基础设施维修")).check()
    page.get_by_label(re.compile("说一说或写一写")).fill("楼道灯不亮了")
    page.get_by_role("button", name=re.compile("下一步")).click()
    page.wait_for_url(re.compile("/elder/where$"))


def test_no_wcag_violations_on_public_pages_in_either_mode(page, live_server):
    submitted, completed = _cases()
    base = live_server.url
    problems = {}
    for mode in ("standard", "elder"):
        page.goto(f"{base}/?mode={mode}")
        for url in _public_pages(base, submitted, completed):
            page.goto(url)
            problems[f"{mode} {url}"] = _axe_violations(page)
        _walk_to_the_last_screen(page, base)
        problems[f"{mode} /elder/where"] = _axe_violations(page)
        page.get_by_label(re.compile("竹枝社区")).check()
        page.get_by_label("楼栋").select_option("3")
        page.get_by_role("button", name=re.compile("下一步")).click()
        page.wait_for_url(re.compile("/elder/check$"))
        problems[f"{mode} /elder/check"] = _axe_violations(page)
        page.get_by_role("button", name=re.compile("提交")).click()  # empty name and phone: errors shown
        problems[f"{mode} /elder/check with errors"] = _axe_violations(page)
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("size", [1, 3])
def test_elder_mode_measured_from_the_rendered_page(page, live_server, size):
    submitted, completed = _cases()
    base = live_server.url
    page.goto(f"{base}/?mode=elder&size={size}")
    failures = []
    minimum = {1: 24, 3: 32}[size]

    def measure(label):
        m = page.evaluate(MEASURE)
        assert len(m["text"]) > 5 and m["targets"], label  # the page was really measured
        for t in m["text"]:
            if t["size"] < minimum - 0.1:
                failures.append(f"{label}: text {t['size']}px < {minimum}px: {t['el']}")
            if t["contrast"] < 7:
                failures.append(f"{label}: contrast {t['contrast']:.2f} < 7: {t['el']}")
            if t["lineHeight"] < 1.5 - 0.01:
                failures.append(f"{label}: line height {t['lineHeight']:.2f} < 1.5: {t['el']}")
        for t in m["targets"]:
            if t["w"] < 59.5 or t["h"] < 59.5:
                failures.append(f"{label}: target {t['w']:.0f}×{t['h']:.0f} < 60×60: {t['el']}")
        boxes = [t["box"] for t in m["targets"]]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    failures.append(f"{label}: targets overlap: {a} {b}")
        if m["scrollWidth"] > m["width"]:
            failures.append(f"{label}: scrolls sideways ({m['scrollWidth']} > {m['width']})")

    for width in (390, 320, 640):  # 640 CSS px: a 1280 px window at 200% zoom
        page.set_viewport_size({"width": width, "height": 800})
        for url in _public_pages(base, submitted, completed):
            page.goto(url)
            measure(f"{width}px {url}")
        _walk_to_the_last_screen(page, base)
        measure(f"{width}px /elder/where")
    print("\n".join(sorted(set(failures))))
    assert sorted(set(failures)) == []


def test_an_elder_submits_from_the_home_page_in_three_screens_without_javascript(browser, live_server):
    setup_reference()
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = live_server.url
    screens = 0

    page.goto(f"{base}/?mode=elder")
    screens += 1
    assert page.get_by_role("heading", level=1).inner_text() == "您遇到了什么问题?"
    assert page.locator("[data-read-aloud] button, .voice-button").count() == 0  # voice features hide
    page.get_by_label(re.compile("基础设施维修")).check()
    page.get_by_label(re.compile("说一说或写一写")).fill("卫生间冷水龙头坏了,漏水严重。")
    page.get_by_role("button", name=re.compile("下一步")).click()

    screens += 1
    page.wait_for_url(re.compile("/elder/where$"))
    page.get_by_label(re.compile("竹枝社区")).check()
    page.get_by_label("楼栋").select_option("3")
    page.get_by_label("单元").select_option("2")
    page.get_by_label("楼层").select_option("5")
    page.get_by_label("在这台设备上记住我的地址").check()
    page.get_by_role("button", name=re.compile("下一步")).click()

    screens += 1
    page.wait_for_url(re.compile("/elder/check$"))
    assert "3栋2单元5楼" in page.locator("main").inner_text()
    page.get_by_label("您的姓名").fill("张桂兰")
    page.get_by_label("您的电话").fill("13800001234")
    page.get_by_role("button", name=re.compile("提交")).click()

    case = Case.objects.get()
    page.wait_for_url(re.compile(rf"/cases/{case.number}/submitted$"))
    assert page.locator(".case-number").inner_text().replace("\n", "") == case.number
    assert screens <= 3
    assert case.address == "3栋2单元5楼" and case.description.startswith("卫生间冷水龙头")
    number_size = page.locator(".case-number").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert number_size >= 36
    screenshot(page, "e2e-elder-confirmation")

    # Asked to, the device remembers the address: the next report starts with it filled in.
    page.goto(f"{base}/")
    page.get_by_label(re.compile("环境卫生")).check()
    page.get_by_label(re.compile("说一说或写一写")).fill("垃圾桶满了")
    page.get_by_role("button", name=re.compile("下一步")).click()
    assert page.get_by_label(re.compile("竹枝社区")).is_checked()
    assert page.get_by_label("楼栋").input_value() == "3"
    context.close()


FAKE_SPEECH = """
(() => {
  window.__spoken = [];
  const voice = { lang: "zh-CN", name: "Test", default: true, localService: true, voiceURI: "test" };
  const synth = {
    getVoices: () => [voice],
    speak: (u) => {
      window.__spoken.push(u.text + "|" + u.lang);
      setTimeout(() => u.onend && u.onend(), 10);
    },
    cancel: () => {},
    addEventListener: () => {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})();
"""

NO_VOICES = """
(() => {
  const synth = { getVoices: () => [], speak: () => {}, cancel: () => {}, addEventListener: () => {} };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
})();
"""


def test_the_confirmation_reads_the_case_number_aloud_digit_by_digit(browser, live_server):
    setup_reference()
    case = case_in("submitted", {})
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/{case.number}/submitted?mode=elder")
    button = page.get_by_role("button", name="朗读")
    button.click()
    spoken = page.evaluate("window.__spoken")
    day, seq = case.number.split("-")
    assert spoken == [
        f"您的诉求编号是:{' '.join(day)},{' '.join(seq)}。再说一遍:{' '.join(day)},{' '.join(seq)}。|zh-CN"
    ]
    page.goto(f"{live_server.url}/cases/{case.number}")
    page.get_by_role("button", name="朗读").click()
    assert "正在等待工作人员受理" in page.evaluate("window.__spoken")[-1]
    context.close()

    # Without a voice for the language, no button that would stay silent.
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(NO_VOICES)
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/{case.number}/submitted")
    page.wait_for_load_state("load")
    assert page.get_by_role("button", name="朗读").count() == 0
    context.close()


@pytest.fixture
def media_browser(browser):
    """A browser of its own with Chromium's fake microphone (a beep), allowed without asking."""
    media = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
        ],
    )
    yield media
    media.close()


def test_a_recorded_voice_note_is_uploaded_with_the_case(media_browser, live_server):
    setup_reference()
    context = media_browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.grant_permissions(["microphone"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    page.goto(f"{base}/?mode=elder")
    page.get_by_label(re.compile("其他")).check()
    page.get_by_role("button", name="开始录音").click()
    page.get_by_text(re.compile("正在录音")).wait_for()
    page.wait_for_timeout(2500)
    page.get_by_role("button", name="停止录音").click()
    page.get_by_text(re.compile("录好了")).wait_for()
    assert page.locator("#id_voice").evaluate("i => i.files.length") == 1
    screenshot(page, "e2e-elder-voice-recorded")
    page.get_by_role("button", name=re.compile("下一步")).click()  # no words: the voice note is enough

    page.wait_for_url(re.compile("/elder/where$"))
    page.get_by_label(re.compile("白帝社区")).check()
    page.get_by_label(re.compile("不在楼里,或者")).fill("白帝路12号旁")
    page.get_by_role("button", name=re.compile("下一步")).click()
    page.wait_for_url(re.compile("/elder/check$"))
    assert "语音留言" in page.locator("main").inner_text()
    page.get_by_label("您的姓名").fill("李大爷")
    page.get_by_label("您的电话").fill("13700003333")
    page.get_by_role("button", name=re.compile("提交")).click()

    case = Case.objects.get()
    page.wait_for_url(re.compile(rf"/cases/{case.number}/submitted$"))
    note = case.attachments.get(kind=Attachment.Kind.VOICE)
    assert note.content_type in ("audio/webm", "audio/ogg", "audio/mp4")
    assert 1.5 < note.duration_seconds < 10
    assert case.description == "(语音留言,请收听录音)"
    context.close()


def test_no_wcag_violations_on_volunteer_pages_in_either_mode(page, live_server):
    from cases.models import HelpDesk
    from operations.demo import VOLUNTEER_DESK, load_accounts

    setup_reference()
    users = load_accounts()
    desk = HelpDesk.objects.get(code=VOLUNTEER_DESK)
    desk_case = case_in("completed", users, channel="help_desk", by=users["volunteer"], desk=desk)
    base = live_server.url
    page.goto(f"{base}/staff/login")
    page.get_by_label(re.compile("用户名")).fill("volunteer")
    page.get_by_label(re.compile("密码")).fill("minsheng-demo")
    page.get_by_role("button", name=re.compile("登录")).click()
    pages = [
        "/desk/",
        "/desk/new",
        "/desk/lookup",
        "/desk/follow-ups",
        f"/desk/cases/{desk_case.number}",
        f"/cases/{desk_case.number}/receipt",
        "/staff/",
    ]
    problems = {}
    for mode in ("standard", "elder"):
        page.goto(f"{base}/?mode={mode}")
        for path in pages:
            response = page.goto(base + path)
            assert response.status == 200, path
            problems[f"{mode} {path}"] = _axe_violations(page)
        page.goto(f"{base}/desk/new")
        page.get_by_role("button", name=re.compile("提交并打印回执")).click()  # empty form: errors shown
        problems[f"{mode} /desk/new with errors"] = _axe_violations(page)
    assert {k: v for k, v in problems.items() if v} == {}
