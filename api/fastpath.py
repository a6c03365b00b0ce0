"""Public progress lookups answered before the rest of the middleware stack.

A storm of residents checking progress is the heaviest load the platform sees, and every one of
those requests is an anonymous GET that needs no session, user, CSRF check, messages or elder-mode
cookie: only its language. This middleware, placed right after SecurityMiddleware, answers
GET /api/v1/cases/{number} and GET /open311/v2/requests/{id}.json|xml itself, with the same
functions and the same body and headers as the views behind it (tests compare the two), and hands
everything else — a query string, an unknown number, any other method or path — to the full stack
unchanged, which then gives the usual answer or error. The lookup rate limit applies here exactly
as on the views (security.ratelimit), counted once per request. It sits before the CSP middleware
(minsheng.csp) and sets the same policy, built once at start-up, itself.

Anonymous submissions (POST /api/v1/cases, POST /open311/v2/requests) and the Open311 list, sent
without a cookie or an Authorization header, go through a shorter stack (`LEAN_MIDDLEWARE`): they
have no session to load, no user to find, no CSRF cookie, no messages, no elder-mode preference and
no sign-in to lock out, and the middleware that would look for them cost a sixth of a submission
(`make bench`). What those requests do need is kept: language, the unstorable-input check, the
refusal log, X-Frame-Options, read-your-writes pinning and the Content-Security-Policy header. Tests
compare every answer with the full stack's.
"""

import re
from contextlib import nullcontext

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from cases import public_cache
from cases.errors import CaseNotFound
from minsheng import routers
from minsheng.csp import prebuilt_policies
from minsheng.prepared import prepared_statements

_API = re.compile(r"/api/v1/cases/(?P<number>[0-9-]{1,32})")
_OPEN311 = re.compile(r"/open311/v2/requests/(?P<number>[0-9-]{1,32})\.(?P<fmt>json|xml)")

# Requests that take the shorter stack when they carry no cookie and no Authorization header.
_LEAN_PATHS = {
    "POST": re.compile(r"/api/v1/cases|/open311/v2/requests\.(json|xml)"),
    "GET": re.compile(r"/open311/v2/requests\.(json|xml)"),
}
# settings.MIDDLEWARE below this one, less what such a request cannot use (sessions, CSRF,
# authentication, messages, elder mode, django-axes; WhiteNoise serves only static files). Each must
# be a plain middleware: view, exception and template-response hooks would not be called here.
LEAN_MIDDLEWARE = [
    "django.middleware.locale.LocaleMiddleware",
    "minsheng.input_guard.RejectUnstorableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "minsheng.refusals.RefusalLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minsheng.routers.ReplicaReadsMiddleware",
]
_HOOKS = ("process_view", "process_exception", "process_template_response")


def _lean_stack():
    """LEAN_MIDDLEWARE around Django's own view call, each layer turning exceptions into responses
    as in BaseHandler.load_middleware()."""
    inner = BaseHandler()
    inner._view_middleware, inner._template_response_middleware, inner._exception_middleware = [], [], []
    view = convert_exception_to_response(inner._get_response)

    def handler(request):
        # The full stack's answers vary by cookie (the session it would have looked in) too.
        response = view(request)
        patch_vary_headers(response, ("Cookie",))
        return response

    for path in reversed(LEAN_MIDDLEWARE):
        middleware = import_string(path)(handler)
        if any(hasattr(middleware, hook) for hook in _HOOKS):
            raise ImproperlyConfigured(
                f"{path} has view, exception or template hooks: not for LEAN_MIDDLEWARE"
            )
        handler = convert_exception_to_response(middleware)
    return handler


class PublicLookupMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # What the CSP middleware below would add to a response without a nonce or overrides.
        self.policies = prebuilt_policies()
        self.lean = _lean_stack()

    def __call__(self, request):
        if request.method == "GET" and not request.META.get("QUERY_STRING"):
            with prepared_statements():
                response = self._answer(request)
            if response is not None:
                return response
        lean = _LEAN_PATHS.get(request.method)
        if (
            lean is not None
            and lean.fullmatch(request.path_info)
            and not request.META.get("HTTP_COOKIE")
            and "HTTP_AUTHORIZATION" not in request.META
        ):
            request.user = AnonymousUser()
            return self._with_policy(self.lean(request))
        return self.get_response(request)

    def _with_policy(self, response):
        for header, policy in self.policies:
            response.headers.setdefault(header, policy)
        return response

    def _answer(self, request):
        path = request.path_info
        api = _API.fullmatch(path)
        open311 = None if api else _OPEN311.fullmatch(path)
        if api is None and open311 is None:
            return None
        # What LocaleMiddleware would do (no language prefix in our URLs).
        language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        from security import ratelimit
        from security import responses as refusals

        from . import open311 as open311_views
        from . import rest

        # The views' own limit, counted once: a request handed on is not counted again. The stored
        # rendering is read in the same round trip as the hit where the store allows (Redis, or
        # PostgreSQL without a replica): see security.counters.hit_and_read.
        replica = routers.replica_enabled() and routers.PIN_COOKIE not in request.COOKIES
        if api:
            number, variant = api["number"], rest.PROGRESS_VARIANT
        else:
            number, variant = open311["number"], open311_views.detail_variant(open311["fmt"])
        with routers.use_replica() if replica else nullcontext():
            read = public_cache.lookup_read(number, variant)
        refusal, values, row = ratelimit.check_and_read(request, "lookup", read)
        if refusal is not None:
            if api:
                return refusals.json(request, refusal)
            return open311_views.refused(request, refusal, open311["fmt"])
        # From the read replica where there is one, as minsheng.routers.ReplicaReadsMiddleware would;
        # a browser that has just written something reads the primary (read-your-writes).
        try:
            with (
                routers.use_replica() if replica else nullcontext(),
                public_cache.prefetched(read, values, row),
            ):
                if api:
                    response = rest.progress_response(api["number"])
                else:
                    response = open311_views.detail_response(open311["fmt"], open311["number"])
        except CaseNotFound:
            # The full stack gives the API's or Open311's own 404, after asking the primary too.
            return None
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        response.headers.setdefault("X-Frame-Options", "DENY")
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return self._with_policy(response)
