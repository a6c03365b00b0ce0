"""The Content-Security-Policy as the browser enforces it: no page, script or recording breaks it."""

import re

import pytest

from operations.demo import DEMO_PASSWORD
from tests.support.data import case_in, setup_reference

from .test_elder_browser import media_browser  # noqa: F401 (the fake-microphone browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts (injected by the browser, so not subject to the policy itself).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const what = e.blockedURI || "inline";
  window.__cspViolations.push(`${e.violatedDirective} blocked ${what} in ${e.sourceFile}`);
});
"""


def watch(context):
    context.add_init_script(RECORD_VIOLATIONS)
    messages: list[str] = []
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return page, messages


def violations(page, messages) -> list[str]:
    return page.evaluate("window.__cspViolations") + messages


def test_public_staff_and_desk_pages_run_without_a_violation(browser, live_server):
    users = setup_reference()
    completed = case_in("completed", users)
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page, messages = watch(context)
    seen = []
    for url in [
        "/",
        f"/cases/{completed.number}",
        f"/cases/{completed.number}/submitted",
        "/cases/lookup?number=20990101-0001",
        "/?mode=elder",
        "/elder/",
        f"/cases/{completed.number}",
        "/?mode=standard",
        "/me/sign-in",
    ]:
        page.goto(base + url)
        seen += violations(page, messages)
    # The voice script ran: it adds its controls to the home page's voice-note field.
    page.goto(base + "/")
    assert page.evaluate("document.scripts.length") >= 1
    # Staff: sign in through the form, then the queue, a case, the desk and the dashboard.
    page.goto(base + "/staff/login")
    page.get_by_label(re.compile("用户名")).fill("supervisor")
    page.get_by_label(re.compile("密码")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("登录")).click()
    page.wait_for_url(re.compile("/staff/$"))
    for url in ["/staff/", f"/staff/cases/{completed.number}", "/staff/supervision", "/supervisor/dashboard"]:
        page.goto(base + url)
        seen += violations(page, messages)
    context.close()
    assert seen == []


def test_recording_a_voice_note_breaks_no_policy(media_browser, live_server):  # noqa: F811
    setup_reference()
    context = media_browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.grant_permissions(["microphone"])
    page, messages = watch(context)
    page.goto(f"{live_server.url}/?mode=elder")
    page.get_by_role("button", name="开始录音").click()  # only there when voice.js ran
    page.get_by_text(re.compile("正在录音")).wait_for()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="停止录音").click()
    page.get_by_text(re.compile("录好了")).wait_for()
    # The preview plays the recording from a blob: URL, which the policy's media-src allows.
    assert page.locator("audio.voice-note__preview").evaluate("a => a.src").startswith("blob:")
    assert violations(page, messages) == []
    context.close()
