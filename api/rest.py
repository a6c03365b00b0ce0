"""The JSON API under /api/v1/ (django-ninja). Views are thin: access helper, schema, one service call."""

import json
import logging

import pydantic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, NinjaAPI, Status, Swagger, UploadedFile
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from cases import access, selectors, services, submission
from cases.errors import (
    CaseNotFound,
    Conflict,
    InvalidKey,
    InvalidMove,
    KeyReused,
    NotAllowed,
    TooManyAttempts,
)
from cases.models import Category, Community, Department, Score
from minsheng import http_cache
from security import bounds
from security import responses as refusals
from security.client import client_ip, rate_key
from security.ratelimit import limit

from . import desk, dispatch, fairness, idempotency_header, merge, presenters
from . import knowledge as knowledge_api
from .auth import TokenAuth, issue_token, revoke_token
from .schemas import (
    CategoryOut,
    CommunityOut,
    DepartmentOut,
    DispatchIn,
    ErrorOut,
    MoveOut,
    ProgressOut,
    QueueItemOut,
    RatedOut,
    RatingIn,
    ReasonIn,
    StartIn,
    SubmitIn,
    SubmittedOut,
    TokenIn,
    TokenOut,
)


class Utf8JSONRenderer(JSONRenderer):
    # Chinese text as UTF-8, not \uXXXX escapes: a third of the bytes and readable in a log.
    json_dumps_params = {"ensure_ascii": False}


class BoundedParser(Parser):
    """ninja's JSON parser, refusing bodies nested deeper than security.bounds allows (400)."""

    def parse_body(self, request):
        if not bounds.json_depth(request.body):
            raise HttpError(400, "nested too deeply")
        try:
            return super().parse_body(request)
        except RecursionError as exc:
            raise HttpError(400, "nested too deeply") from exc


api = NinjaAPI(
    parser=BoundedParser(),
    title="民生诉求平台 API",
    version="1",
    description=(
        "Residents submit and follow cases; staff move them with a bearer token "
        '(POST /auth/token). Errors are always JSON {"detail": ...}; 422 adds "errors" per field.'
    ),
    urls_namespace="api-v1",
    renderer=Utf8JSONRenderer(),
    # The docs page must not load anything from a CDN (closed government networks): ninja serves
    # Swagger UI from its own static files only when it is an installed app; otherwise no docs page.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs" if "ninja" in settings.INSTALLED_APPS else None,
)
token_auth = TokenAuth()

ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}
PUBLIC_ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------------------------------------
# Errors: one shape everywhere, {"detail": "..."} plus "errors" (field -> messages) for bad input.


def _error(request, status: int, detail: str, errors: dict | None = None, headers: dict | None = None):
    body: dict = {"detail": detail}
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _invalid(request, errors: dict[str, list[str]]):
    detail = " ".join(message for messages in errors.values() for message in messages)
    return _error(request, 422, detail or _("提交的内容有误,请检查后重试。"), errors)


@api.exception_handler(CaseNotFound)
def _case_not_found(request, exc):
    return _error(request, 404, exc.message)


@api.exception_handler(NotAllowed)
def _not_allowed(request, exc):
    return _error(request, 429 if isinstance(exc, TooManyAttempts) else 403, exc.message)


@api.exception_handler(InvalidMove)
def _invalid_move(request, exc):
    return _error(request, 409, exc.message)


@api.exception_handler(Conflict)
def _conflict(request, exc):
    return _error(request, 409, exc.message)


@api.exception_handler(InvalidKey)
def _invalid_key(request, exc):
    return _error(request, 400, exc.message, {"Idempotency-Key": [exc.message]})


@api.exception_handler(KeyReused)
def _key_reused(request, exc):
    # The case number is not given back: anonymous clients share one key space.
    return _error(request, 422, exc.message, {"Idempotency-Key": [exc.message]})


@api.exception_handler(DjangoValidationError)
def _django_invalid(request, exc):
    if hasattr(exc, "error_dict"):
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    else:
        errors = {"__all__": list(exc.messages)}
    return _invalid(request, errors)


def _pydantic_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("此项为必填项。")
    if kind == "extra_forbidden":
        return _("不支持此字段。")
    if kind == "string_type":
        return _("请填写文字。")
    if kind.startswith("datetime"):
        return _("时间格式不正确,请使用 ISO 8601 格式,例如 2024-05-10T09:00:00+08:00。")
    if kind == "literal_error":
        return _("取值无效,可选值:%(values)s。") % {"values": error.get("ctx", {}).get("expected", "")}
    if kind == "string_too_long":
        return _("内容过长。")
    return str(error.get("msg", _("格式不正确。")))


def _field_of(loc) -> str:
    # ninja reports ("body", "payload", "reason") or ("form", "explanation"); the client knows "reason".
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "form", "query", "path", "file", "header", "cookie"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def pydantic_errors(errors) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        result.setdefault(_field_of(error.get("loc", ())), []).append(_pydantic_message(error))
    return result


@api.exception_handler(NinjaValidationError)
def _schema_invalid(request, exc):
    return _invalid(request, pydantic_errors(exc.errors))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(
        request,
        401,
        _(
            "需要有效的访问令牌:请先通过 POST /api/v1/auth/token 获取,"
            "并以 Authorization: Bearer <令牌> 发送。"
        ),
        headers={"WWW-Authenticate": 'Bearer realm="minsheng"'},
    )


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc):
    # Django's own limits on a request (DATA_UPLOAD_MAX_NUMBER_FILES, …_FIELDS, …_MEMORY_SIZE) would
    # otherwise answer with its HTML 400 page; an API client gets the API's JSON error instead.
    if isinstance(exc, RequestDataTooBig):
        return _error(request, 413, _("请求内容过大。"))
    if isinstance(exc, TooManyFilesSent):
        return _error(request, 400, _("上传的文件过多。"))
    return _error(request, 400, _("无法处理这个请求。"))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    # Anything unforeseen: logged with its traceback like Django's own 500, but answered in the API's
    # format rather than with an HTML page.
    logging.getLogger("django.request").error(
        "Internal Server Error: %s", request.path[:200], exc_info=exc, extra={"status_code": 500}
    )
    return _error(request, 500, _("服务器内部错误,请稍后再试。"))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    if exc.status_code == 400:
        return _error(request, 400, _("无法解析请求内容:请发送有效的 JSON。"))
    return _error(request, exc.status_code, str(exc))


# ---------------------------------------------------------------------------------------------
# Tokens


@api.post(
    "/auth/token",
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    tags=["auth"],
    summary="Issue a bearer token for a staff account",
)
@limit("login", methods=["POST"], respond=refusals.json)
def create_token(request, payload: TokenIn):
    """Wrong passwords lock the username out from that address for a while (django-axes): 429.
    The token works until `expires_at` (API_TOKEN_HOURS), a password change, deactivation or a
    change of the account's role groups, whichever comes first."""
    issued = issue_token(request, username=payload.username, password=payload.password)
    if issued is None:
        return Status(401, {"detail": _("用户名或密码不正确,或账号已停用。")})
    token, row = issued
    return {"token": token, "expires_at": row.expires_at}


@api.delete("/auth/token", response={204: None, 401: ErrorOut}, auth=token_auth, tags=["auth"])
def delete_token(request):
    """Revoke the token this request was made with."""
    revoke_token(request.headers.get("Authorization", "").partition(" ")[2].strip())
    return Status(204, None)


# ---------------------------------------------------------------------------------------------
# Reference lists


@api.get("/categories", response=list[CategoryOut], tags=["reference"])
def list_categories(request):
    return list(
        Category.objects.filter(is_active=True).values("code", "name", "description", "time_limit_hours")
    )


@api.get("/communities", response=list[CommunityOut], tags=["reference"])
def list_communities(request):
    return list(Community.objects.filter(is_active=True).values("code", "name"))


@api.get("/departments", response=list[DepartmentOut], tags=["reference"])
def list_departments(request):
    return list(Department.objects.filter(is_active=True).values("code", "name", "phone"))


# ---------------------------------------------------------------------------------------------
# Submitting a case: one operation, JSON or multipart (with photos and a voice note), chosen by the
# Content-Type.

_SUBMIT_SCHEMA = SubmitIn.model_json_schema()
_SUBMIT_MULTIPART_SCHEMA = {
    **_SUBMIT_SCHEMA,
    "title": "SubmitMultipart",
    "properties": {
        **_SUBMIT_SCHEMA["properties"],
        "photos": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "现场照片, JPEG/PNG/WebP, at most 6",
        },
        "voice": {
            "type": "string",
            "format": "binary",
            "description": "语音留言: one recording (WAV, Ogg/Opus, WebM or MP4/M4A, at most "
            "MINSHENG_MAX_VOICE_SECONDS); with it the description may be empty",
        },
    },
}
_SUBMIT_BODY = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": (
                "Optional (draft-ietf-httpapi-idempotency-key-header), e.g. a UUID: 16-128 of "
                "A-Z a-z 0-9 . _ ~ : + / = -. A retry with the same key and body answers 201 with the "
                "same case and Idempotent-Replayed: true; the same key with another body is a 422. "
                "Kept for SUBMISSION_KEY_TTL_HOURS (24 h)."
            ),
            "schema": {"type": "string", "pattern": '^"?[A-Za-z0-9._~:+/=-]{16,128}"?$'},
        }
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _SUBMIT_SCHEMA},
            "multipart/form-data": {"schema": _SUBMIT_MULTIPART_SCHEMA},
        },
    },
}


def _submit_input(request, schema=SubmitIn) -> tuple[SubmitIn, list, object]:
    """The fields, the photos and the voice note (None: none) of a submission."""
    content_type = request.content_type
    if content_type == "application/json":
        if not bounds.json_depth(request.body):
            raise HttpError(400, "nested too deeply")
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise HttpError(400, "bad json") from exc
        if not isinstance(data, dict):
            raise HttpError(400, "not an object")
        photos: list = []
        voice = None
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = request.POST.dict()
        extra_files = set(request.FILES) - {"photos", "voice"}
        if extra_files:
            raise DjangoValidationError({name: [_("不支持此字段。")] for name in sorted(extra_files)})
        photos = request.FILES.getlist("photos")
        voices = request.FILES.getlist("voice")
        if len(voices) > 1:
            raise DjangoValidationError({"voice": [_("只能上传一段语音留言。")]})
        voice = voices[0] if voices else None
    else:
        raise HttpError(415, _("请以 application/json 或 multipart/form-data 提交。"))
    try:
        return schema.model_validate(data), photos, voice
    except pydantic.ValidationError as exc:
        raise DjangoValidationError(pydantic_errors(exc.errors())) from exc


def _has_token(request) -> bool:
    # Staff submitting for residents at a desk or a phone line are not throttled; a made-up token
    # is refused with 401 and creates nothing.
    return "Authorization" in request.headers


@api.post(
    "/cases",
    response={
        201: SubmittedOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    openapi_extra=_SUBMIT_BODY,
    tags=["cases"],
    summary="Submit a case (JSON, or multipart/form-data with photos and a voice note)",
)
@limit("submit", methods=["POST"], respond=refusals.json, exempt=lambda request: _has_token(request))
def submit_case(request, response: HttpResponse):
    """Without a token: the resident. With a volunteer's or intake officer's token: for a resident
    (api.desk: consent, desk, channel). An optional Idempotency-Key makes retries safe."""
    by = desk.submitter(request)
    key = idempotency_header.idempotency_key(request)
    data, photos, voice = _submit_input(request, desk.OnBehalfIn if by is not None else SubmitIn)
    fields = data.model_dump()
    fields["email"] = fields["email"].strip()
    case, replayed = submission.submit(
        key=idempotency_header.claim(request, key, idempotency_header.scope_of(by)),
        by=by,
        photo_files=photos,
        voice_file=voice,
        **fields,
    )
    if replayed:
        response[idempotency_header.REPLAYED] = "true"
    return Status(201, presenters.submitted_data(case))


# ---------------------------------------------------------------------------------------------
# Public progress and rating


@api.get("/cases/{number}", response={200: ProgressOut, 404: ErrorOut, 429: ErrorOut}, tags=["cases"])
@limit("lookup", respond=refusals.json)
def case_progress(request, number: str):
    """The public progress of a case: no name (only 张**), no phone, no address. Cacheable: a
    conditional GET with the ETag of the case's current version is answered 304."""
    return http_cache.public_answer(
        request, number, "api", _progress_json, content_type="application/json; charset=utf-8"
    )


def _progress_json(case) -> str:
    """The body ninja would render for ProgressOut, made once per case version (see public_cache)."""
    data = ProgressOut.model_validate(presenters.progress_data(selectors.public_progress(case)))
    return json.dumps(data.model_dump(by_alias=True), cls=NinjaJSONEncoder, ensure_ascii=False)


@api.post("/cases/{number}/rating", response={201: RatedOut, **ERRORS}, tags=["cases"])
def rate_case(request, number: str, payload: RatingIn):
    """The resident rates the latest completion, proving it is theirs with the phone's last 4 digits."""
    case = access.case_for_public(number)
    rating = services.rate(
        case,
        score=payload.score,
        comment=payload.comment,
        phone_last4=payload.phone_last4,
        client=rate_key(client_ip(request)),
    )
    data = presenters.progress_data(selectors.public_progress(case))
    data["rating"] = {
        "score": rating.score,
        "label": str(Score(rating.score).label),
        "at": presenters.local(rating.at),
    }
    return Status(201, data)


# ---------------------------------------------------------------------------------------------
# Staff moves (bearer token). A case the user may not open is a 404; a move the role may not make
# is a 403; a move from the wrong stage, or lost to someone quicker, is a 409.


def _moved(case, event) -> dict:
    data = presenters.progress_data(selectors.public_progress(case))
    data["event"] = presenters.event_data(event)
    return data


@api.post("/cases/{number}/accept", response={200: MoveOut, **ERRORS}, auth=token_auth, tags=["staff"])
def accept_case(request, number: str):
    case = access.case_for_staff(request.auth, number)
    return _moved(case, services.accept(case, by=request.auth))


@api.post("/cases/{number}/reject", response={200: MoveOut, **ERRORS}, auth=token_auth, tags=["staff"])
def reject_case(request, number: str, payload: ReasonIn):
    case = access.case_for_staff(request.auth, number)
    return _moved(case, services.reject(case, by=request.auth, reason=payload.reason))


@api.post("/cases/{number}/dispatch", response={200: MoveOut, **ERRORS}, auth=token_auth, tags=["staff"])
def dispatch_case(request, number: str, payload: DispatchIn):
    case = access.case_for_staff(request.auth, number)
    department = selectors.active_by_code(Department, payload.department)
    co_departments = dispatch.departments_by_code(payload.co_departments)
    try:
        event = services.dispatch(case, by=request.auth, department=department, co_departments=co_departments)
    except DjangoValidationError as exc:
        if department is None and payload.department:
            raise DjangoValidationError(
                {"department": [_("没有代码为“%(code)s”的责任部门。") % {"code": payload.department[:32]}]}
            ) from exc
        raise
    return _moved(case, event)


@api.post("/cases/{number}/return", response={200: MoveOut, **ERRORS}, auth=token_auth, tags=["staff"])
def return_case(request, number: str, payload: ReasonIn):
    """退单: the department sends the case back to intake."""
    case = access.case_for_staff(request.auth, number)
    return _moved(case, services.return_case(case, by=request.auth, reason=payload.reason))


@api.post("/cases/{number}/start", response={200: MoveOut, **ERRORS}, auth=token_auth, tags=["staff"])
def start_case(request, number: str, payload: StartIn | None = None):
    case = access.case_for_staff(request.auth, number)
    appointment_at = payload.appointment_at if payload else None
    return _moved(case, services.start(case, by=request.auth, appointment_at=appointment_at))


@api.post("/cases/{number}/complete", response={200: MoveOut, **ERRORS}, auth=token_auth, tags=["staff"])
def complete_case(
    request,
    number: str,
    explanation: Form[str] = "",
    before: File[list[UploadedFile]] = None,
    after: File[list[UploadedFile]] = None,
):
    """Multipart: explanation, and at least one `before` and one `after` photo."""
    case = access.case_for_staff(request.auth, number)
    event = services.complete(
        case, by=request.auth, explanation=explanation, before=before or [], after=after or []
    )
    return _moved(case, event)


@api.get("/queue", response={200: list[QueueItemOut], 401: ErrorOut}, auth=token_auth, tags=["staff"])
def staff_queue(request):
    """The cases waiting for the caller's next move, oldest first, with the resident's contact
    (each case returned is logged as a view of its personal data)."""
    cases = list(selectors.queue(request.auth))
    access.record_views(request.auth, cases, "api_queue")
    return [presenters.queue_item(case) for case in cases]


# Help desks: lookup by phone (GET /cases), appointments and follow-up calls (api.desk).
desk.mount(api)
# Dispatch: 改派, 派单异议 and rulings (api.dispatch).
dispatch.mount(api)
# 诉求性质/紧急程度 and 不合理诉求 with sign-off (api.fairness).
fairness.mount(api)

# 知识库: search, reply templates and the answer move (api.knowledge).
knowledge_api.mount(api)
# 并单 and 拆分 (api.merge).
merge.mount(api)

# Category suggestions and likely duplicates for a description (POST /triage).
api.add_router("", "api.triage.router")

# The dashboard's figures for supervisors (GET /stats).
api.add_router("", "stats.api.router")
