"""Refuse, with a clear 400, a request carrying text that no database can store.

PostgreSQL refuses NUL (\\x00) in text, and a lone UTF-16 surrogate (JSON's "\\ud800") cannot be
encoded as UTF-8 at all: either one reaching a query is a 500. Forms, the API's schemas and
cases.validation check the text they use; this is the net under all of them, for the path, the query
string, cookies and form fields, whatever view (or none) would read them. JSON bodies are checked by
the API's schemas (api.schemas.Strict), which can name the field. Open311 answers in its own error
format (api.open311.open311_view), so it is left to that.
"""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from cases.validation import has_unstorable_characters

SKIP_PREFIXES = ("/open311/",)


# The bodies Django parses into request.POST; any other body leaves it empty.
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _offending(request) -> str | None:
    """The name of the first part of the request holding NUL or a lone surrogate, or None."""
    if has_unstorable_characters(request.path):
        return _("网址")
    # Only the parts the request has: parsing an absent query string, cookie header or form body
    # into empty dictionaries was most of this check's cost on a JSON submission.
    sources = []
    if request.META.get("QUERY_STRING"):
        sources.append(request.GET)
    if request.META.get("HTTP_COOKIE"):
        sources.append(request.COOKIES)
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        sources.append(request.POST)
    for source in sources:
        for key in source:
            values = source.getlist(key) if hasattr(source, "getlist") else [source[key]]
            if has_unstorable_characters(key) or any(has_unstorable_characters(v) for v in values):
                return key[:40].replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return None


class RejectUnstorableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(SKIP_PREFIXES):
            try:
                name = _offending(request)
            except SuspiciousOperation as exc:
                # Django's own request limits (too many files or fields, too big): the API answers in
                # JSON as its views would; pages get Django's 400 page.
                if not request.path.startswith("/api/"):
                    raise
                status = 413 if isinstance(exc, RequestDataTooBig) else 400
                message = _("请求内容过大。") if status == 413 else _("上传的文件或字段过多。")
                return JsonResponse(
                    {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
                )
            if name is not None:
                message = _("“%(name)s”中包含无法识别的控制字符(如 NUL),请删除后重试。") % {"name": name}
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": message}, status=400, json_dumps_params={"ensure_ascii": False}
                    )
                return HttpResponseBadRequest(render_to_string("400.html", {"message": message}))
        return self.get_response(request)
