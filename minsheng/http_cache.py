"""HTTP caching of the public progress answers, and the rule that nothing personal is ever kept.

A public answer — the API's and Open311's progress of one case, the resident's progress page — is
the same for every anonymous visitor in the same language (and, for the page, elder-mode size), and
changes only when the case changes, which bumps its version. So such an answer carries:

- a strong `ETag` made of the case number, its version and the variant (rendering and language):
  a stage change changes it at once;
- `Last-Modified`, the case's last change;
- `Cache-Control: public, max-age=0, s-maxage=SHARED_SECONDS`: browsers revalidate every time (a
  conditional GET whose validator still matches is answered 304 from the case's version alone,
  before anything is rendered or read), and a shared cache in front (nginx, deploy/nginx.conf) may
  answer a storm of lookups of the same case itself for a second or two;
- `Vary: Accept-Language, Cookie`, the inputs the variant is chosen from.

Everything else is private. `CacheControlMiddleware` makes sure of it for every response that
passes through Django: an answer that sets a cookie, or that was made for a request carrying a
session, the messages cookie or an Authorization header, never says `public`; and an answer that
says nothing about caching says `private, no-cache`.
"""

from calendar import timegm
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag

from cases import renderings
from cases.models import Case

# How long a shared cache in front may answer a public lookup without asking the app again.
SHARED_SECONDS = 2
PUBLIC = f"public, max-age=0, s-maxage={SHARED_SECONDS}"
PRIVATE = "private, no-cache"
# What a public answer is chosen by: the language (header or cookie) and the elder-mode cookie.
VARY = ("Accept-Language", "Cookie")


def personal_request(request) -> bool:
    """Whether the request may be answered with something meant for one person only: a staff member
    or a resident signed in (the session), a message waiting to be shown, an API token."""
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME in cookies
        or "messages" in cookies
        or "HTTP_AUTHORIZATION" in request.META
    )


def public_answer(
    request,
    number: str,
    variant: str,
    build: Callable[[Case], str],
    *,
    content_type: str,
    personalise: Callable[[str], str | None] | None = None,
) -> HttpResponse:
    """The public rendering `variant` of case `number`, as a cacheable response; CaseNotFound for
    an unknown number.

    `build(case)` makes the body when none is stored for the case's version. `personalise(body)`
    may turn a stored body into what this one visitor gets (a form's CSRF token) or return None
    when the body is the same for everyone; a personalised answer carries no validator and is
    private. (No validator is ever given out for such a version, so no conditional request for it
    can match before the body is read.)
    """
    case = renderings.current(number, variant)
    last_modified = timegm(case.updated_at.utctimetuple())
    tag = etag(case.number, case.version, variant)
    not_modified = get_conditional_response(request, etag=tag, last_modified=last_modified)
    if not_modified is not None:
        return _public(request, not_modified, tag, last_modified)
    version, body = renderings.rendering(case, variant, build)
    personal = personalise(body) if personalise is not None else None
    if personal is not None:
        response = HttpResponse(personal, content_type=content_type)
        patch_vary_headers(response, VARY)
        response["Cache-Control"] = PRIVATE
        return response
    response = HttpResponse(body, content_type=content_type)
    return _public(request, response, etag(case.number, version, variant), last_modified)


def etag(number: str, version: int, variant: str) -> str:
    """The strong validator of one rendering of one version, in the active language."""
    return quote_etag(f"{number}.{version}.{variant}.{renderings.language()}")


def _public(request, response: HttpResponse, tag: str, last_modified: int) -> HttpResponse:
    response["ETag"] = tag
    response["Last-Modified"] = http_date(last_modified)
    patch_vary_headers(response, VARY)
    response["Cache-Control"] = PRIVATE if personal_request(request) else PUBLIC
    return response


class CacheControlMiddleware:
    """Private unless a view made an answer public, and never public when it is personal.

    Sits above the session, CSRF and messages middleware, so it sees the cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        elif response.cookies or personal_request(request):
            directives = response["Cache-Control"].replace(" ", "").split(",")
            if "public" in directives or any(d.startswith("s-maxage") for d in directives):
                response["Cache-Control"] = PRIVATE
        return response
