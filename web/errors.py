"""Domain errors become pages in one place, as the API does with its exception handlers.

A view reaches a case through cases.access and calls one service; what those raise for a case one
may not see, a move one's role may not make, a move the case's stage no longer allows, or too many
wrong guesses is answered here with the matching status and a page in the visitor's language (and
elder mode). Views still catch what they show on their own page: a form's ValidationError, and a
move lost to someone quicker where the page shows the case's latest progress beside the message.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _

from cases.errors import CaseNotFound, Conflict, InvalidMove, NotAllowed, TooManyAttempts

# The API and Open311 answer errors in their own formats.
OWN_ERRORS = ("/api/", "/open311/")


def error_page(request, status: int, message: str, *, title: str = ""):
    response = render(
        request,
        "web/error.html",
        {"title": title or _("出错了"), "message": message, "status": status},
        status=status,
    )
    return response


def page_for(request, exc: Exception):
    """The page for a domain error, or None for anything else."""
    if isinstance(exc, CaseNotFound):
        return error_page(request, 404, exc.message, title=_("没有找到这个诉求"))
    if isinstance(exc, TooManyAttempts):
        response = error_page(request, 429, exc.message, title=_("请稍后再试"))
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, NotAllowed):
        return error_page(request, 403, exc.message, title=_("没有权限"))
    if isinstance(exc, InvalidMove | Conflict):
        return error_page(request, 409, exc.message, title=_("此诉求已有变化"))
    return None


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith(OWN_ERRORS):
            return None
        return page_for(request, exception)
