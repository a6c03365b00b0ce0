"""429 answers: a page for people (elder mode and English included), JSON for the API."""

import math

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .ratelimit import Refusal

# What the person was doing, in words they know; the page adds when to try again.
REASONS = {
    "lookup": gettext_lazy("查询太频繁了。为了保护居民的信息,同一网络每分钟能查询的次数有限。"),
    "submit": gettext_lazy("提交太频繁了。为了防止恶意提交,同一网络在短时间内能提交的诉求数量有限。"),
    "otp_verify": gettext_lazy("验证码尝试次数太多了。"),
    "login": gettext_lazy("登录尝试太频繁了。"),
    "lockout": gettext_lazy("这个账号在这台设备上连续输错密码的次数太多,已被暂时锁定。"),
}


def wait_text(seconds: int) -> str:
    """ "30 秒" / "2 分钟" / "1 小时": rounded up, so the person is never told to come back too soon."""
    if seconds < 60:
        return ngettext("%(n)d 秒", "%(n)d 秒", seconds) % {"n": seconds}
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(n)d 分钟", "%(n)d 分钟", minutes) % {"n": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(n)d 小时", "%(n)d 小时", hours) % {"n": hours}


def reason(limit: str) -> str:
    return str(REASONS.get(limit, _("操作太频繁了。")))


def retry_sentence(seconds: int) -> str:
    return _("请在 %(wait)s后再试。") % {"wait": wait_text(seconds)}


def too_many_page(request, *, limit: str, retry_after: int):
    response = render(
        request,
        "security/too_many.html",
        {"reason": reason(limit), "retry": retry_sentence(retry_after)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def too_many_json(*, limit: str, retry_after: int):
    body = {"detail": f"{reason(limit)}{retry_sentence(retry_after)}", "retry_after": retry_after}
    response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def page(request, refusal: Refusal, *args, **kwargs):
    return too_many_page(request, limit=refusal.limit, retry_after=refusal.retry_after)


def json(request, refusal: Refusal, *args, **kwargs):
    return too_many_json(limit=refusal.limit, retry_after=refusal.retry_after)
