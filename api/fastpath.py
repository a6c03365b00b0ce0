"""Public progress lookups answered before the rest of the middleware stack.

A storm of residents checking progress is the heaviest load the platform sees, and every one of
those requests is an anonymous GET that needs no session, user, CSRF check, messages or elder-mode
cookie: only its language. This middleware, placed right after SecurityMiddleware, answers
GET /api/v1/cases/{number} and GET /open311/v2/requests/{id}.json|xml itself, with the same
functions and the same body and headers as the views behind it (tests compare the two), and hands
everything else — a query string, an unknown number, any other method or path — to the full stack
unchanged, which then gives the usual answer or error. The lookup rate limit applies here exactly
as on the views (security.ratelimit), counted once per request. It sits before django-csp's
middleware, which builds the policy string anew for every response (0.07 ms, a sixth of a lookup):
these responses use no nonce, so their policy is the same every time and is built once here.
"""

import re
from contextlib import nullcontext

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.utils import translation
from django.utils.cache import patch_vary_headers

from cases.errors import CaseNotFound
from minsheng import routers

_API = re.compile(r"/api/v1/cases/(?P<number>[0-9-]{1,32})")
_OPEN311 = re.compile(r"/open311/v2/requests/(?P<number>[0-9-]{1,32})\.(?P<fmt>json|xml)")


class PublicLookupMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # What csp.middleware.CSPMiddleware would add to a response without a nonce or overrides.
        self.policies = [
            (header, policy)
            for header, policy in (
                (HEADER, build_policy()),
                (HEADER_REPORT_ONLY, build_policy(report_only=True)),
            )
            if policy
        ]

    def __call__(self, request):
        if request.method == "GET" and not request.META.get("QUERY_STRING"):
            response = self._answer(request)
            if response is not None:
                return response
        return self.get_response(request)

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

        # The views' own limit, counted once: a request handed on is not counted again.
        refusal = ratelimit.check(request, "lookup")
        if refusal is not None:
            if api:
                return refusals.json(request, refusal)
            return open311_views.refused(request, refusal, open311["fmt"])
        # From the read replica where there is one, as minsheng.routers.ReplicaReadsMiddleware would;
        # a browser that has just written something reads the primary (read-your-writes).
        replica = routers.replica_enabled() and routers.PIN_COOKIE not in request.COOKIES
        try:
            with routers.use_replica() if replica else nullcontext():
                if api:
                    response = rest.progress_response(api["number"])
                else:
                    response = open311_views.detail_response(open311["fmt"], open311["number"])
        except CaseNotFound:
            # The full stack gives the API's or Open311's own 404, after asking the primary too.
            return None
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        response.headers.setdefault("X-Frame-Options", "DENY")
        for header, policy in self.policies:
            response.headers.setdefault(header, policy)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response
