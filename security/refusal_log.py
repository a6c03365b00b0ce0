"""Log every refused request to `minsheng.security`: who, what (method and path), the answer.

A refusal is a 401, 403 or 404, or a redirect to a sign-in page. One middleware sees them all, so a
new view cannot forget to log; the path names the object (a case number, a photo's id). Domain
helpers (cases.access, cases.workflow) add the reason when they decide it. 404s and sign-in
redirects are INFO (browsers and crawlers make them all day); 401 and 403 are WARNING. The query
string is left out: a client may still put personal data in one (a phone number, a name).
"""

import logging

from django.conf import settings
from django.shortcuts import resolve_url

from cases import security_log
from cases.validation import mask_phone

REFUSED = {401, 403, 404}
# The session key of a resident signed in by SMS code (residents.views.SESSION_PHONE).
RESIDENT_SESSION_KEY = "resident_phone"


def _sign_in_urls() -> tuple[str, ...]:
    return (resolve_url(settings.LOGIN_URL), "/me/sign-in", "/admin/login/")


def who(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return security_log.actor(user)
    session = getattr(request, "session", None)
    phone = session.get(RESIDENT_SESSION_KEY, "") if session is not None else ""
    return f"resident:{mask_phone(phone)}" if phone else "anonymous"


class RefusalLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status in REFUSED:
            level = logging.INFO if status == 404 else logging.WARNING
            self._log(request, status, level)
        elif status == 302 and response.get("Location", "").partition("?")[0] in _sign_in_urls():
            self._log(request, status, logging.INFO, "sign-in required")
        return response

    def _log(self, request, status: int, level: int, reason: str = "") -> None:
        security_log.logger.log(
            level,
            "refused who=%s what=%s %s status=%s ip=%s%s",
            who(request),
            request.method,
            request.path[:300],
            status,
            request.META.get("REMOTE_ADDR", ""),
            f" reason={reason}" if reason else "",
            extra={"security_who": who(request), "security_target": request.path[:300]},
        )
