"""The resident's progress page answered before the rest of the middleware stack, once it is stored.

Residents checking their case (and those who follow a printed receipt's QR code) open
/cases/{number}. For an anonymous visitor that page is the same for everyone with the same
language and elder-mode size, and is stored per case version (cases.public_cache, see
web.views.progress). Serving a stored page needs no session, user, CSRF check, messages or
template: only the language, the elder-mode cookie and the lookup rate limit. This middleware,
placed right after api.fastpath, serves it with the same body and headers as the full stack
(tests compare the two), under the same conditions as the view's shared page (web.views:
a GET without a query string, no session cookie, no messages cookie).

Everything else goes to the full stack unchanged, which then answers as it always does: a page not
yet stored for the case's current version (the view renders and stores it), a page with a form
(a completed case's rating form needs the visitor's CSRF token), an unknown number, and a request
over the lookup limit (counted once here; the view's limit gives the same refusal without counting
it again, see security.ratelimit.check_and_read).
"""

import re
from contextlib import nullcontext

from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from cases import public_cache
from cases.errors import CaseNotFound
from minsheng import routers
from minsheng.csp import prebuilt_policies
from minsheng.prepared import prepared_statements
from security import ratelimit

from . import elder, views

_PAGE = re.compile(r"/cases/(?P<number>[0-9-]{1,32})")


class _NotStored(Exception):
    """The page is not stored for the case's current version: the view renders it."""


def _not_stored(case):
    raise _NotStored


class StoredProgressPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # What the CSP middleware below would add to a response without a nonce or overrides.
        self.policies = prebuilt_policies()

    def __call__(self, request):
        if request.method == "GET" and not request.META.get("QUERY_STRING"):
            match = _PAGE.fullmatch(request.path_info)
            if match is not None and views.shared_cookies(request.COOKIES):
                with prepared_statements():
                    response = self._answer(request, match["number"])
                if response is not None:
                    return response
        return self.get_response(request)

    def _answer(self, request, number):
        # What LocaleMiddleware would do (no language prefix in our URLs).
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        variant = views.progress_variant(elder.stored_size(request.COOKIES))
        # From the read replica where there is one, unless this browser has just written something,
        # as minsheng.routers.ReplicaReadsMiddleware would do for the view.
        replica = routers.replica_enabled() and routers.PIN_COOKIE not in request.COOKIES
        with routers.use_replica() if replica else nullcontext():
            read = public_cache.lookup_read(number, variant)
        refusal, values, row = ratelimit.check_and_read(request, "lookup", read)
        if refusal is not None:
            return None  # the view's limit answers with this refusal's page
        if values is None and row is None:
            # No rate limit to join the read to (limits off, or kept in a store of their own): read it
            # here, so that a page handed on to the view is not read again there.
            row = public_cache.read_row(read)
        try:
            with (
                routers.use_replica() if replica else nullcontext(),
                public_cache.prefetched(read, values, row),
            ):
                html = public_cache.cached(number, variant, _not_stored)
        except CaseNotFound:
            return None  # the full stack's 404, after asking the primary too where there is a replica
        except _NotStored:
            html = None
        if html is None or views.has_form(html):
            # The view renders the page, or fills in its CSRF token, from what was read here.
            setattr(request, views.HANDED_ON, (read, values, row))
            return None
        response = HttpResponse(html)
        response.headers["Content-Language"] = request.LANGUAGE_CODE
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Length"] = str(len(response.content))
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        for header, policy in self.policies:
            response.headers[header] = policy
        return response
