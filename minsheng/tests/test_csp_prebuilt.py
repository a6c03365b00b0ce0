"""security.csp: the policy built once gives every response the header django-csp would have given."""

import pytest
from csp.constants import NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from security.csp import PrebuiltCSPMiddleware
from tests.support.data import case_in


def both(view, path="/x"):
    """The response of `view` through django-csp's middleware and through ours, each on its own request."""
    answers = []
    for middleware in (CSPMiddleware, PrebuiltCSPMiddleware):
        request = RequestFactory().get(path)
        answers.append((middleware(view)(request), request))
    return answers


def test_it_is_the_middleware_in_use(settings):
    assert "security.csp.PrebuiltCSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE


def test_pages_get_the_same_header_as_django_csp_would_give(client, users):
    case = case_in("completed", users)
    plain = both(lambda request: HttpResponse("ok"))
    expected = plain[0][0]["Content-Security-Policy"]
    assert plain[1][0]["Content-Security-Policy"] == expected
    assert "default-src 'self'" in expected and "frame-ancestors 'none'" in expected
    for url in ("/", f"/cases/{case.number}", "/elder/", "/staff/login"):
        assert client.get(url)["Content-Security-Policy"] == expected, url


def test_a_nonce_or_a_views_own_policy_still_reaches_its_header(settings):
    def with_nonce(request):
        return HttpResponse(str(request.csp_nonce))

    # Our policy names no nonce; one that did would get each response's own.
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "script-src": [SELF, NONCE]}}
    for response, _ in both(with_nonce):
        assert f"'nonce-{response.content.decode()}'" in response["Content-Security-Policy"]
    (theirs, _), (ours, _) = both(lambda request: HttpResponse("no nonce asked for"))
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]
    assert "nonce" not in ours["Content-Security-Policy"]

    @csp_update({"img-src": ["https://tiles.example"]})
    def updated(request):
        return HttpResponse("map")

    (theirs, _), (ours, _) = both(updated)
    assert "https://tiles.example" in ours["Content-Security-Policy"]
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]

    @csp_exempt()
    def exempt(request):
        return HttpResponse("raw")

    assert all("Content-Security-Policy" not in response for response, _ in both(exempt))


def test_a_header_the_view_set_itself_is_kept_and_a_late_nonce_is_refused():
    def own(request):
        response = HttpResponse("file")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    for response, request in both(own):
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        with pytest.raises(CSPNonceError):
            str(request.csp_nonce)
