"""Open311 GeoReport v2 under /open311/v2/, in XML (the spec's required format) and JSON.

Spec: http://wiki.open311.org/GeoReport_v2 and http://wiki.open311.org/Service_Discovery.
The format is the resource's suffix (.xml or .json); any other suffix is a 404.

Choices this implementation makes, as the spec allows:
- One jurisdiction: jurisdiction_id is accepted and ignored.
- No API key needed: POST requests is open like the public submission form. A trusted client
  (api.models.Open311Client, made with `manage.py open311_client`) sends its api_key and is not
  held to the per-address limits; any other key is ignored (the request is treated as anyone's).
- The community: service definitions carry an optional singlevaluelist attribute "community"
  (attribute[community]=<code>; a wrong code is a 400). Without it the community is found from
  address_string (community names and aliases) or lat/long (boundary, else the nearest centre),
  cases.locating; otherwise the case is created 待定位 (to be located) for intake: a missing
  community is never refused. An optional "age_band" attribute is accepted too.
- A contact: phone, or (as FixMyStreet sends) an email address alone.
- The FixMyStreet extension GET servicerequestupdates lists the public events of every case in a
  time window (update_id, service_request_id, status, updated_datetime, description: the public
  note only, media_url: the completion's "after" photo); nothing personal.
- Names are Chinese order: the case's name is last_name + first_name.
- An optional Idempotency-Key header makes POST requests safe to retry, as on the JSON API: the
  same key and form answer 200 with the same service_request_id (and Idempotent-Replayed: true),
  the same key with another form is a 422, a malformed key a 400 (api.submission, cases.idempotency).
- media_url is not fetched (closed networks, and fetching arbitrary URLs is a server-side request
  forgery risk); photos are submitted through the JSON API or the web form.
- Published requests carry no personal data: address is the community's name only (the detailed
  address is personal), description is left empty (residents often write addresses and names into
  it), lat/long only when given, rounded to 3 decimals and never for a home category (see
  public_position). media_url is the first public "after" photo of a completed case.
"""

import logging
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cases import locating, submission
from cases.errors import CaseNotFound, InvalidKey, KeyReused
from cases.models import OPEN_STATES, AgeBand, Attachment, Case, CaseEvent, Category, Community, State
from cases.validation import has_control_characters
from minsheng import http_cache
from security import bounds, ratelimit
from security.responses import reason, retry_sentence

from . import idempotency_header
from .auth import LAST_USED_RESOLUTION, digest
from .models import Open311Client
from .presenters import absolute

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Sortable; bump it when the shape of services or service definitions changes.
CHANGESET = "2026-11-27 00:00"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
# Pages beyond this are refused: page × page_size stays far inside what a database's OFFSET takes.
MAX_PAGE = 10000
# Open311's two statuses: a completed case is closed to it, whatever the resident's rating.
CLOSED_STATES = (State.COMPLETED, State.CLOSED, State.REJECTED)
# The XML element of each item in a list, by the list's element (the JSON is the spec's Spark mapping).
_ITEM_TAG = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
}
# Our field names in the spec's words, for error descriptions.
_OPEN311_FIELD = {
    "category": "service_code",
    "community": "attribute[community]",
    "age_band": "attribute[age_band]",
    "address": "address_string",
    "name": "last_name/first_name",
    "lat": "lat/long",
}


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = descriptions


# ---------------------------------------------------------------------------------------------
# Rendering


def _element(tag: str, value) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, list):
        for item in value:
            element.append(_element(_ITEM_TAG[tag], item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            data,
            safe=False,
            status=status,
            content_type=CONTENT_TYPES["json"],
            json_dumps_params={"ensure_ascii": False},
        )
    body = ET.tostring(_element(root, data), encoding="unicode")
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + body, status=status, content_type=CONTENT_TYPES["xml"]
    )


def error_response(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    errors = [{"code": status, "description": description} for description in descriptions]
    return render(fmt, "errors", errors, status=status)


def open311_view(*methods: str):
    """Check the format suffix and the method; turn Open311Error into the spec's error document."""

    def decorate(view):
        @csrf_exempt  # no cookies are used: a token-less public submission, like the web form
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if fmt not in CONTENT_TYPES:
                # XML is the spec's required format, so it is the one to explain the problem in.
                return error_response(
                    "xml", 404, _("不支持的格式“%(fmt)s”:请使用 .xml 或 .json。") % {"fmt": fmt[:10]}
                )
            if request.method not in methods:
                response = error_response(
                    fmt, 405, _("不支持 %(method)s 方法。") % {"method": request.method[:10]}
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _check_characters(request, kwargs)
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc.status, *exc.descriptions)
            except RequestDataTooBig:
                return error_response(fmt, 413, _("请求内容过大。"))
            except SuspiciousOperation:
                # Django's other limits on a request (too many fields or files): its HTML 400 otherwise.
                return error_response(fmt, 400, _("无法处理这个请求。"))
            except Exception:
                # Anything unforeseen: logged like Django's own 500, answered in the spec's format.
                logging.getLogger("django.request").exception(
                    "Internal Server Error: %s", request.path[:200], extra={"status_code": 500}
                )
                return error_response(fmt, 500, _("服务器内部错误,请稍后再试。"))

        return wrapper

    return decorate


def _check_characters(request, kwargs: dict) -> None:
    """Any text, but no control characters: NUL cannot be stored and none can be written in XML 1.0."""
    params = [*kwargs.items(), *request.GET.lists()]
    if request.method == "POST":
        params += list(request.POST.lists())
    for name, values in params:
        values = values if isinstance(values, list) else [values]
        if has_control_characters(name) or any(has_control_characters(v) for v in values):
            shown = "".join(ch for ch in name if not has_control_characters(ch))[:40]
            raise Open311Error(
                400, _("参数 %(name)s 包含无法识别的控制字符(如 NUL),请删除后重试。") % {"name": shown}
            )


def _w3c(dt, tz=None) -> str | None:
    """A W3C date-time in `tz` (the active time zone when None)."""
    return timezone.localtime(dt, tz).isoformat(timespec="seconds") if dt is not None else None


# ---------------------------------------------------------------------------------------------
# Discovery and services


@open311_view("GET")
def discovery(request, fmt: str):
    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("%(site)s,民生诉求平台。") % {"site": absolute("/")},
            "key_service": _(
                "提交诉求不需要 API 密钥;受信任的对接系统可向街道申请 api_key,免受按地址的提交频率限制。"
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": absolute("/open311/v2"),
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


def _keywords(category: Category) -> str:
    text = category.description
    for separator in ("、", ",", ",", ";", ";"):
        text = text.replace(separator, "\n")
    return ", ".join([category.name] + [word.strip() for word in text.split("\n") if word.strip()])


@open311_view("GET")
def services_list(request, fmt: str):
    data = [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.description,
            "metadata": True,
            "type": "realtime",
            "keywords": _keywords(category),
            "group": _("民生诉求"),
        }
        for category in Category.objects.filter(is_active=True)
    ]
    return render(fmt, "services", data)


@open311_view("GET")
def service_definition(request, fmt: str, service_code: str):
    category = Category.objects.filter(code=service_code, is_active=True).first()
    if category is None:
        raise Open311Error(404, _("没有代码为“%(code)s”的服务。") % {"code": service_code[:32]})
    communities = [
        {"key": c.code, "name": c.name} for c in Community.objects.filter(is_active=True).only("code", "name")
    ]
    data = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "community",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 1,
                "description": _(
                    "所在社区(可不填:按 address_string 或 lat/long 确定,确定不了的由受理员定位)"
                ),
                "values": communities,
            },
            {
                "variable": True,
                "code": "age_band",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": _("年龄段(用于统计 60 岁及以上居民的诉求)"),
                "values": [
                    {"key": choice.value, "name": str(choice.label)}
                    for choice in (AgeBand.UNDER_60, AgeBand.AGE_60_PLUS)
                ],
            },
        ],
    }
    return render(fmt, "service_definition", data)


# ---------------------------------------------------------------------------------------------
# Requests


def refused(request, refusal, fmt: str, **kwargs) -> HttpResponse:
    """429 in the spec's error format, with Retry-After."""
    response = error_response(fmt, 429, reason(refusal.limit) + retry_sentence(refusal.retry_after))
    response["Retry-After"] = str(refusal.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def trusted_client(request) -> Open311Client | None:
    """The trusted client whose api_key the request carries, or None. A key that is not an active
    client's counts as none, as before there were keys (clients that always send one keep working)."""
    if not hasattr(request, "_open311_client"):
        raw = (request.POST.get("api_key") if request.method == "POST" else None) or request.GET.get(
            "api_key"
        )
        raw = (raw or "").strip()
        client = None
        if raw:
            client = Open311Client.objects.filter(key_hash=digest(raw[:200]), is_active=True).first()
        if client is not None:
            now = timezone.now()
            if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
                Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
        request._open311_client = client
    return request._open311_client


def _trusted(request) -> bool:
    """For the rate limits: a trusted client's requests are not counted."""
    return trusted_client(request) is not None


@open311_view("GET", "POST")
@ratelimit.limit("lookup", methods=["GET", "HEAD"], respond=refused)
@ratelimit.limit("submit", methods=["POST"], respond=refused, exempt=_trusted)
def requests(request, fmt: str):
    if request.method == "POST":
        return _create_request(request, fmt)
    notices, tz = _notices(), timezone.get_current_timezone()  # once per list, not per row
    cases = _query(request.GET)
    return render(fmt, "service_requests", [_request_data(case, notices, tz) for case in cases])


@open311_view("GET")
@ratelimit.limit("lookup", respond=refused)
def request_detail(request, fmt: str, request_id: str):
    """One request, cacheable like the other public lookups (minsheng.http_cache)."""

    def build(case) -> str:
        response = render(
            fmt, "service_requests", [_request_data(_published().values(*_FIELDS).get(pk=case.pk))]
        )
        return response.content.decode(response.charset)

    try:
        return http_cache.public_answer(
            request, request_id, f"open311-{fmt}", build, content_type=CONTENT_TYPES[fmt]
        )
    except CaseNotFound:
        raise Open311Error(404, _("没有编号为 %(number)s 的诉求。") % {"number": request_id[:32]}) from None


def _coordinate(raw: str, name: str, limit: int) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) > limit:
        raise Open311Error(400, _("%(name)s 不是有效的 WGS84 坐标。") % {"name": name})
    return value.quantize(Decimal("0.000001"))


def _create_request(request, fmt: str) -> HttpResponse:
    form = request.POST
    client = trusted_client(request)
    try:
        key = idempotency_header.idempotency_key(request)
    except InvalidKey as exc:
        raise Open311Error(400, exc.message) from None

    def arg(name: str) -> str:
        return (form.get(name) or "").strip()

    service_code = arg("service_code")
    if not service_code:
        raise Open311Error(400, _("缺少 service_code(诉求类型代码)。"))
    category = Category.objects.filter(code=service_code, is_active=True).first()
    if category is None:
        raise Open311Error(404, _("没有代码为“%(code)s”的服务。") % {"code": service_code[:32]})

    problems = []
    community_code = arg("attribute[community]")
    community = None
    if community_code:
        community = Community.objects.filter(code=community_code, is_active=True).first()
        if community is None:
            problems.append(_("attribute[community] 的取值“%(code)s”无效。") % {"code": community_code[:32]})
    lat = long = None
    if arg("lat") or arg("long"):
        if not (arg("lat") and arg("long")):
            problems.append(_("lat 和 long 必须同时提供。"))
        else:
            lat = _coordinate(arg("lat"), "lat", 90)
            long = _coordinate(arg("long"), "long", 180)
    address = arg("address_string")
    if not address and lat is not None:
        address = _("坐标 %(lat)s, %(long)s") % {"lat": lat, "long": long}
    if not address and not problems:
        problems.append(_("请提供 address_string,或 lat 和 long。"))
    email = arg("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("email 格式不正确。"))
    if problems:
        raise Open311Error(400, *problems)
    # Without our community code: from the address's names and aliases, else the position; else
    # the case is to be located by intake (待定位), never refused for it.
    to_locate = False
    if community is None:
        community = locating.find(address=arg("address_string"), lat=lat, long=long)
        to_locate = community is None
    scope = (
        f"open311:client:{client.pk}" if client is not None else idempotency_header.scope_of(None, "open311")
    )

    try:
        case, replayed = submission.submit(
            key=idempotency_header.claim(request, key, scope),
            category=category,
            community=community,
            to_locate=to_locate,
            email_for_phone=True,
            address=address,
            description=form.get("description") or "",
            name=arg("last_name") + arg("first_name"),
            phone=arg("phone"),
            age_band=arg("attribute[age_band]"),
            email=email,
            lat=lat,
            long=long,
        )
    except KeyReused as exc:
        raise Open311Error(422, exc.message) from None
    except ValidationError as exc:
        raise Open311Error(
            400,
            *(
                f"{_OPEN311_FIELD.get(field, field)}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            ),
        ) from exc
    notice = _(
        "已收到您的诉求,编号 %(number)s。请凭编号在 %(url)s 查询办理进度;办理时限 %(hours)d 小时。"
    ) % {"number": case.number, "url": absolute(f"/cases/{case.number}"), "hours": category.time_limit_hours}
    data = [{"service_request_id": case.number, "service_notice": notice, "account_id": None}]
    response = render(fmt, "service_requests", data)
    if replayed:
        response[idempotency_header.REPLAYED] = "true"
    return response


def _published():
    latest_note = (
        CaseEvent.objects.filter(case=OuterRef("pk"))
        .exclude(public_note="")
        .order_by("-at", "-id")
        .values("public_note")[:1]
    )
    after_photo = (
        Attachment.objects.filter(case=OuterRef("pk"), kind=Attachment.Kind.AFTER)
        .order_by("-resolution_id", "id")
        .values("id")[:1]
    )
    return Case.objects.annotate(open311_note=Subquery(latest_note), open311_photo=Subquery(after_photo))


def _when(raw: str, name: str, *, end: bool = False) -> datetime:
    try:
        # A well-formed but impossible value ("+99:00", "2026-02-30") is a ValueError, not None.
        value = parse_datetime(raw) if raw.isascii() else None
        if value is None:
            day = parse_date(raw) if raw.isascii() else None
            if day is not None:
                value = datetime.combine(day, time.max if end else time.min)
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400, _("%(name)s 必须是 W3C 日期时间格式,例如 2010-01-01T00:00:00Z。") % {"name": name}
        )
    if not bounds.in_year_range(value):
        raise Open311Error(
            400,
            _("%(name)s 的年份必须在 %(min)s 到 %(max)s 之间。")
            % {"name": name, "min": bounds.MIN_YEAR, "max": bounds.MAX_YEAR},
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _positive_int(raw: str, name: str, default: int, maximum: int) -> int:
    if not raw:
        return default
    value = bounds.ascii_int(raw, maximum=maximum)
    if value is None or value < 1:
        raise Open311Error(
            400, _("%(name)s 必须是 1 到 %(max)s 之间的整数。") % {"name": name, "max": maximum}
        )
    return value


def _query(params) -> list[dict]:
    def arg(name: str) -> str:
        return (params.get(name) or "").strip()

    qs = _published()
    codes = _split(arg("service_code"))
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = _split(arg("status"))
    if statuses:
        unknown = [s for s in statuses if s not in ("open", "closed")]
        if unknown:
            raise Open311Error(400, _("status 只能是 open 或 closed。"))
        states = set()
        if "open" in statuses:
            states.update(OPEN_STATES)
        if "closed" in statuses:
            states.update(CLOSED_STATES)
        qs = qs.filter(state__in=states)

    start = _when(arg("start_date"), "start_date") if arg("start_date") else None
    end = _when(arg("end_date"), "end_date", end=True) if arg("end_date") else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - DEFAULT_SPAN
    if end is None:
        end = start + DEFAULT_SPAN
    if end < start:
        raise Open311Error(400, _("end_date 不能早于 start_date。"))
    if end - start > DEFAULT_SPAN:
        raise Open311Error(400, _("start_date 与 end_date 之间不能超过 90 天。"))
    # A larger page_size is served as the largest one (as the spec's servers do), a larger page refused.
    page_size = min(_positive_int(arg("page_size"), "page_size", MAX_REQUESTS, 10**9), MAX_REQUESTS)
    page = _positive_int(arg("page"), "page", 1, MAX_PAGE)

    ids = _split(arg("service_request_id"))
    if ids:
        # The spec: service_request_id overrides all other arguments (which must still be valid:
        # a malformed one is the client's mistake either way).
        found = _published().filter(number__in=ids[:MAX_REQUESTS]).order_by("-submitted_at", "-id")
        return list(found.values(*_FIELDS))
    qs = qs.filter(submitted_at__gte=start, submitted_at__lte=end)
    offset = (page - 1) * page_size
    return list(qs.order_by("-submitted_at", "-id").values(*_FIELDS)[offset : offset + page_size])


# What a service request needs of a case, read as plain values: a page of 100 makes no model objects.
_FIELDS = (
    "number",
    "state",
    "open311_note",
    "open311_photo",
    "category__name",
    "category__code",
    "department_id",
    "department__name",
    "community__name",
    "submitted_at",
    "updated_at",
    "due_at",
    "lat",
    "long",
)


POSITION_STEP = Decimal("0.001")  # about 110 m of latitude: the block, not the door


def public_position(category_code: str, lat, long) -> tuple[float, float] | None:
    """The position Open311 may publish: none for a category about a resident's home (there the
    coordinates are the home's), else rounded to 3 decimals. The exact ones stay on staff pages."""
    if lat is None or long is None or category_code in settings.MINSHENG_HOME_CATEGORIES:
        return None
    return (
        float(Decimal(lat).quantize(POSITION_STEP, rounding=ROUND_HALF_EVEN)),
        float(Decimal(long).quantize(POSITION_STEP, rounding=ROUND_HALF_EVEN)),
    )


def _request_data(case: dict, notices: dict | None = None, tz=None) -> dict:
    """One service request from a row of _published().values(*_FIELDS); times in `tz` (the active
    time zone when None)."""
    state = case["state"]
    photo_id = case["open311_photo"] if state in (State.COMPLETED, State.CLOSED) else None
    if notices is None:
        notices = _notices()
    data = {
        "service_request_id": case["number"],
        "status": "open" if state in OPEN_STATES else "closed",
        "status_notes": case["open311_note"] or None,
        "service_name": case["category__name"],
        "service_code": case["category__code"],
        "description": None,
        "agency_responsible": case["department__name"] if case["department_id"] else None,
        "service_notice": notices[state],
        "requested_datetime": _w3c(case["submitted_at"], tz),
        "updated_datetime": _w3c(case["updated_at"], tz),
        "expected_datetime": _w3c(case["due_at"], tz),
        "address": case["community__name"],
        "address_id": None,
        "zipcode": None,
    }
    position = public_position(case["category__code"], case["lat"], case["long"])
    if position is not None:
        data["lat"], data["long"] = position
    data["media_url"] = absolute(f"/media/attachments/{photo_id}/full") if photo_id else None
    return data


def _notices() -> dict:
    """The service notice of each state, in the active language (translated once per response)."""
    return {state: _("当前状态:%(state)s") % {"state": label} for state, label in State.choices}


# ---------------------------------------------------------------------------------------------
# FixMyStreet's extension: GET servicerequestupdates


@open311_view("GET")
@ratelimit.limit("lookup", respond=refused, exempt=_trusted)
def request_updates(request, fmt: str):
    """The public events of every case between start_date and end_date (both, or neither: the last
    24 hours), oldest first, at most MAX_REQUESTS: a FixMyStreet installation pulls these to update
    its reports. Only public events, and of them only the public note and the completion photo."""

    def arg(name: str) -> str:
        return (request.GET.get(name) or "").strip()

    if bool(arg("start_date")) != bool(arg("end_date")):
        raise Open311Error(400, _("start_date 和 end_date 必须同时提供。"))
    if arg("start_date"):
        start = _when(arg("start_date"), "start_date")
        end = _when(arg("end_date"), "end_date", end=True)
    else:
        end = timezone.now()
        start = end - timedelta(days=1)
    if end < start:
        raise Open311Error(400, _("end_date 不能早于 start_date。"))
    if end - start > DEFAULT_SPAN:
        raise Open311Error(400, _("start_date 与 end_date 之间不能超过 90 天。"))
    after_photo = (
        Attachment.objects.filter(resolution__event=OuterRef("pk"), kind=Attachment.Kind.AFTER)
        .order_by("id")
        .values("id")[:1]
    )
    events = (
        CaseEvent.objects.filter(is_public=True, at__gte=start, at__lte=end)
        .exclude(action="submit")
        .annotate(photo=Subquery(after_photo))
        .order_by("at", "id")
        .values("pk", "case__number", "to_state", "at", "public_note", "photo")[:MAX_REQUESTS]
    )
    tz = timezone.get_current_timezone()
    data = [
        {
            "update_id": str(event["pk"]),
            "service_request_id": event["case__number"],
            "status": "open" if event["to_state"] in OPEN_STATES else "closed",
            "updated_datetime": _w3c(event["at"], tz),
            "description": event["public_note"],
            "media_url": absolute(f"/media/attachments/{event['photo']}/full") if event["photo"] else "",
        }
        for event in events
    ]
    return render(fmt, "service_request_updates", data)
