"""Elder mode (长辈版 / 大字版): large text and targets on every page, and a three-screen way to report.

The mode is a cookie, switched by a link on every page or by `?mode=elder` (a link that can be
printed as a QR code on a notice board). The simpler flow asks one question per screen — what is
the problem, where, check and send — keeps its answers in the session (so it works without
JavaScript) and submits through cases.services.submit_case like every other channel.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cases import idempotency, merging, submission, voice
from cases.errors import KeyReused
from cases.models import Category, Community
from cases.validation import MAX_DESCRIPTION, MAX_NAME, clean_text
from security.ratelimit import limit

from . import idempotent, same_problem
from .forms import add_service_errors
from .views import media_response

MODE_COOKIE = "minsheng_elder"
ADDRESS_COOKIE = "minsheng_last_address"
ADDRESS_SALT = "minsheng.elder.address"
COOKIE_AGE = 2 * 365 * 24 * 3600
ELDER_PREFIX = "/elder/"
SIZES = (1, 2, 3)  # 24 px, 28 px, 32 px body text
SESSION_KEY = "elder_report"
ELDER_SCOPE = "web:elder"
BUILDINGS = range(1, 41)
UNITS = range(1, 9)
FLOORS = range(1, 41)


# ---------------------------------------------------------------------------------------------
# The mode


@dataclass
class ElderMode:
    """What a template needs: whether elder mode is on, the text size, and the switch links."""

    on: bool
    size: int
    path: str
    query: dict
    is_get: bool

    def _url(self, **params) -> str:
        leaving_flow = params.get("mode") == "standard" and self.path.startswith(ELDER_PREFIX)
        if not self.is_get or leaving_flow:  # switch on the home page instead
            return "/?" + urlencode(params)
        query = {k: v for k, v in self.query.items() if k not in ("mode", "size")}
        query.update(params)
        return f"{self.path}?{urlencode(query, doseq=True)}"

    @property
    def toggle_url(self) -> str:
        return self._url(mode="standard" if self.on else "elder")

    @property
    def size_links(self) -> list[dict]:
        labels = {1: "A", 2: "A+", 3: "A++"}
        names = {1: _("标准大字"), 2: _("更大字"), 3: _("特大字")}
        return [
            {
                "size": s,
                "label": labels[s],
                "name": names[s],
                "url": self._url(size=s),
                "current": s == self.size,
            }
            for s in SIZES
        ]


def _cookie_size(value: str | None) -> int:
    try:
        size = int(value or 0)
    except ValueError:
        return 0
    return size if size in SIZES else 0


def stored_size(cookies) -> int:
    """The text size the elder-mode cookie keeps (0: standard mode), as the middleware reads it."""
    return _cookie_size(cookies.get(MODE_COOKIE))


class ElderModeMiddleware:
    """Set request.elder from the cookie or the ?mode= / ?size= link, and remember a change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stored = stored_size(request.COOKIES)
        size = stored
        mode = request.GET.get("mode")
        if mode == "elder":
            size = stored or 1
        elif mode == "standard":
            size = 0
        wanted = _cookie_size(request.GET.get("size"))
        if wanted:
            size = wanted
        if not size and mode != "standard" and request.path.startswith(ELDER_PREFIX):
            size = 1  # the simpler flow is always shown large, whoever links to it
        request.elder = ElderMode(
            on=bool(size),
            size=size or 1,
            path=request.path,
            query={k: request.GET.getlist(k) for k in request.GET},
            is_get=request.method == "GET",
        )
        response = self.get_response(request)
        if size != stored:
            if size:
                response.set_cookie(
                    MODE_COOKIE,
                    str(size),
                    max_age=COOKIE_AGE,
                    samesite="Lax",
                    httponly=True,
                    secure=request.is_secure(),
                )
            else:
                response.delete_cookie(MODE_COOKIE, samesite="Lax")
        patch_vary_headers(response, ["Cookie"])
        return response


def spoken_digits(number: str) -> str:
    """A case number as a speech synthesiser should say it: digit by digit, a pause at the dash."""
    return ",".join(" ".join(part) for part in str(number).split("-"))


# ---------------------------------------------------------------------------------------------
# Forms


class ProblemForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        error_messages={
            "required": gettext_lazy("请先选一个问题类型。"),
            "invalid_choice": gettext_lazy("请先选一个问题类型。"),
        },
    )
    description = forms.CharField(required=False, max_length=MAX_DESCRIPTION, strip=False)
    voice = forms.FileField(
        required=False, error_messages={"empty": gettext_lazy("语音留言是空的,请重新录一次。")}
    )
    remove_voice = forms.BooleanField(required=False)


class PlaceForm(forms.Form):
    community = forms.ModelChoiceField(
        queryset=Community.objects.filter(is_active=True),
        to_field_name="code",
        error_messages={
            "required": gettext_lazy("请选择您住在哪个社区。"),
            "invalid_choice": gettext_lazy("请选择您住在哪个社区。"),
        },
    )
    building = forms.TypedChoiceField(
        choices=[("", "—")] + [(n, n) for n in BUILDINGS], coerce=int, required=False, empty_value=None
    )
    unit = forms.TypedChoiceField(
        choices=[("", "—")] + [(n, n) for n in UNITS], coerce=int, required=False, empty_value=None
    )
    floor = forms.TypedChoiceField(
        choices=[("", "—")] + [(n, n) for n in FLOORS], coerce=int, required=False, empty_value=None
    )
    other = forms.CharField(required=False, max_length=100)
    # A help-desk tablet is shared: the detailed address stays on the device only when asked.
    remember = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        building, other = data.get("building"), (data.get("other") or "").strip()
        if not building and not other and not self.has_error("other"):
            self.add_error("building", _("请选择楼栋,或者在下面写出地点。"))
        return data


class ContactForm(forms.Form):
    # Pressing 提交 twice, or the browser sending the page again, creates one case (web.idempotent).
    idempotency_key = idempotent.KeyField()
    name = forms.CharField(
        max_length=MAX_NAME,
        error_messages={"required": gettext_lazy("请写上您的姓名。")},
    )
    phone = forms.CharField(
        max_length=32,
        error_messages={"required": gettext_lazy("请写上您的电话,工作人员会打给您。")},
    )


# ---------------------------------------------------------------------------------------------
# The three screens


def _report(request) -> dict:
    return dict(request.session.get(SESSION_KEY) or {})


def _save(request, report: dict) -> None:
    request.session[SESSION_KEY] = report


def _address(report: dict) -> str:
    parts = []
    if report.get("building"):
        parts.append(_("%(n)s栋") % {"n": report["building"]})
    if report.get("unit"):
        parts.append(_("%(n)s单元") % {"n": report["unit"]})
    if report.get("floor"):
        parts.append(_("%(n)s楼") % {"n": report["floor"]})
    address = "".join(parts)
    if report.get("other"):
        address = f"{address} {report['other']}".strip()
    return address


def _drop_voice(report: dict) -> None:
    name = report.pop("voice", None)
    report.pop("voice_seconds", None)
    if name:
        voice.delete_stored([name])


def _steps(current: int) -> list[dict]:
    return [
        {"n": 1, "label": _("什么问题"), "current": current == 1, "done": current > 1},
        {"n": 2, "label": _("在哪里"), "current": current == 2, "done": current > 2},
        {"n": 3, "label": _("核对提交"), "current": current == 3, "done": False},
    ]


def problem_page(request, *, form=None, status=200):
    """Screen 1: what is the problem (also the home page in elder mode)."""
    report = _report(request)
    initial = {"category": report.get("category"), "description": report.get("description", "")}
    form = form or ProblemForm(initial=initial)
    selected = form.data.get("category") if form.is_bound else report.get("category")
    context = {
        "form": form,
        "categories": Category.objects.filter(is_active=True),
        "selected": selected,
        "voice_seconds": report.get("voice_seconds"),
        "steps": _steps(1),
        "max_voice_minutes": voice.max_seconds() // 60,
        "max_voice_seconds": voice.max_seconds(),
    }
    return render(request, "web/elder/problem.html", context, status=status)


@require_http_methods(["GET", "POST"])
@limit("submit", methods=["POST"])
def problem(request):
    if request.method == "GET":
        return problem_page(request)
    form = ProblemForm(request.POST, request.FILES)
    form.is_valid()
    data = form.cleaned_data
    report = _report(request)
    if data.get("remove_voice"):
        _drop_voice(report)
    # The recording is kept even when something else on the screen needs fixing.
    upload = data.get("voice")
    if upload:
        try:
            note = voice.process_voice(upload)
        except ValidationError as exc:
            form.add_error("voice", exc)
        else:
            _drop_voice(report)
            report["voice"] = voice.store_voice(note, folder="voice-pending")
            report["voice_seconds"] = max(1, round(note.duration))
    description = ""
    if "description" in data:
        try:
            description = clean_text(
                data["description"], label=_("问题描述"), max_length=MAX_DESCRIPTION, required=False
            )
        except ValidationError as exc:
            form.add_error("description", exc)
    if not form.has_error("description") and not description and not report.get("voice"):
        form.add_error("description", _("请说一说或写一写出了什么问题,也可以录一段语音。"))
    if not form.errors:
        report.update(category=data["category"].code, description=description)
        _save(request, report)
        return redirect("web:elder_place")
    _save(request, report)
    return problem_page(request, form=form, status=400)


def _remembered_address(request) -> dict:
    try:
        raw = request.get_signed_cookie(ADDRESS_COOKIE, salt=ADDRESS_SALT)
        value = json.loads(raw)
    except (KeyError, signing.BadSignature, ValueError):
        return {}
    if not isinstance(value, dict):
        return {}
    # Without the resident's tick (or from a cookie older than the tick) only the community is used.
    return value if value.get("remember") is True else {"community": value.get("community")}


def _place_page(request, report, *, form=None, status=200):
    remembered = _remembered_address(request) if not report.get("community") else {}
    initial = {
        k: report.get(k) or remembered.get(k)
        for k in ("community", "building", "unit", "floor", "other", "remember")
    }
    form = form or PlaceForm(initial=initial)
    selected = form.data.get("community") if form.is_bound else initial.get("community")
    context = {
        "form": form,
        "communities": Community.objects.filter(is_active=True),
        "selected": selected,
        "remembered": bool(remembered.get("community")),
        "remembered_address": bool(remembered.get("remember")),
        "steps": _steps(2),
        "buildings": BUILDINGS,
        "units": UNITS,
        "floors": FLOORS,
        "value": (
            {k: form.data.get(k, "") for k in ("building", "unit", "floor", "other", "remember")}
            if form.is_bound
            else {k: initial.get(k) or "" for k in ("building", "unit", "floor", "other", "remember")}
        ),
    }
    return render(request, "web/elder/place.html", context, status=status)


@require_http_methods(["GET", "POST"])
def place(request):
    """Screen 2: where — community, then building, unit and floor."""
    report = _report(request)
    if not report.get("category"):
        return redirect("web:elder_problem")
    if request.method == "GET":
        return _place_page(request, report)
    form = PlaceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        report.update(
            community=data["community"].code,
            building=data["building"],
            unit=data["unit"],
            floor=data["floor"],
            other=(data["other"] or "").strip(),
            remember=data["remember"],
        )
        _save(request, report)
        return redirect("web:elder_check")
    return _place_page(request, report, form=form, status=400)


def _check_page(request, report, *, form=None, problems=(), status=200, offers=()):
    category = Category.objects.filter(code=report.get("category")).first()
    community = Community.objects.filter(code=report.get("community")).first()
    context = {
        "form": form or ContactForm(),
        "category": category,
        "community": community,
        "address": _address(report),
        "description": report.get("description", ""),
        "voice_seconds": report.get("voice_seconds"),
        "problems": problems,
        "steps": _steps(3),
        "offers": list(offers),
    }
    return render(request, "web/elder/check.html", context, status=status)


@require_http_methods(["GET", "POST"])
@limit("submit", methods=["POST"])
def check(request):
    """Screen 3: check and send; the contact is asked here, where it is needed."""
    report = _report(request)
    if not report.get("category"):
        # Sent twice: the first request used up the answers; this one goes to the case it made.
        key = idempotent.posted_key(request) if request.method == "POST" else None
        made = idempotency.case_for_key(ELDER_SCOPE, key) if key else None
        if made is not None:
            return redirect("web:submitted", number=made.number)
        return redirect("web:elder_problem")
    if not report.get("community"):
        return redirect("web:elder_place")
    if request.method == "GET":
        return _check_page(request, report)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _check_page(request, report, form=form, status=400)
    key = idempotent.posted_key(request)
    replay = key is not None and idempotency.case_for_key(ELDER_SCOPE, key) is not None
    if not (request.POST.get(same_problem.NOT_SAME) or replay):
        # 这是同一件事? The same offer as the standard form's (web.same_problem), before sending.
        matched = same_problem.matches(
            description=report.get("description", ""),
            community=report.get("community"),
            address=_address(report),
            phone=form.cleaned_data["phone"],
            category=Category.objects.filter(code=report.get("category")).first(),
        )
        number = request.POST.get(same_problem.FOLLOW, "")
        if number:
            chosen = same_problem.chosen(matched, number)
            if chosen is None:
                problems = [_("找不到可以关注的诉求,请核对后重新提交。")]
                return _check_page(request, report, form=form, problems=problems, status=400)
            try:
                merging.follow(chosen, phone=form.cleaned_data["phone"], name=form.cleaned_data["name"])
            except ValidationError as exc:
                add_service_errors(form, exc)
                return _check_page(request, report, form=form, status=400)
            _drop_voice(report)
            request.session.pop(SESSION_KEY, None)
            return redirect("web:following", number=merging.parent_of(chosen).number)
        if matched:
            return _check_page(request, report, form=form, offers=same_problem.offers_for(matched))
    voice_name = report.get("voice")
    voice_file = None
    problems = []
    # The answers kept in the session are part of what is submitted, so they count in the fingerprint.
    claim = idempotent.claim(request, ELDER_SCOPE, report=report)
    try:
        made = idempotency.existing(claim) if claim else None  # before the voice note is opened
        if made is not None:
            return _sent(request, report, made)
        if voice_name:
            voice_file = default_storage.open(voice_name, "rb")
        case = submission.submit(
            key=claim,
            category=Category.objects.filter(code=report.get("category")).first(),
            community=Community.objects.filter(code=report.get("community")).first(),
            address=_address(report),
            description=report.get("description", ""),
            name=form.cleaned_data["name"],
            phone=form.cleaned_data["phone"],
            voice_file=voice_file,
        ).case
    except (FileNotFoundError, OSError):
        report.pop("voice", None)
        report.pop("voice_seconds", None)
        _save(request, report)
        problems = [_("您的语音留言已经过期,请回到第一步重新录一次,或者写下问题。")]
        return _check_page(request, report, form=form, problems=problems, status=400)
    except ValidationError as exc:
        add_service_errors(form, exc)
        for field in ("category", "description", "voice", "community", "address"):
            problems += exc.message_dict.get(field, []) if hasattr(exc, "error_dict") else []
        return _check_page(request, report, form=form, problems=problems, status=400)
    except KeyReused as exc:
        form = ContactForm(idempotent.fresh_data(request))
        form.is_valid()
        return _check_page(request, report, form=form, problems=[idempotent.reused_message(exc)], status=422)
    finally:
        if voice_file is not None:
            voice_file.close()
    return _sent(request, report, case)


def _sent(request, report: dict, case):
    """The answers are used up: forget them, remember the community on this device (and the detailed
    address only when the resident ticked "remember on this device"), show the number."""
    voice_name = report.get("voice")
    if voice_name:
        voice.delete_stored([voice_name])
    request.session.pop(SESSION_KEY, None)
    response = redirect("web:submitted", number=case.number)
    kept = (
        ("community", "building", "unit", "floor", "other", "remember")
        if report.get("remember")
        else ("community",)
    )
    remembered = {k: report.get(k) for k in kept}
    response.set_signed_cookie(
        ADDRESS_COOKIE,
        json.dumps(remembered),
        salt=ADDRESS_SALT,
        max_age=COOKIE_AGE,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )
    return response


@require_GET
def pending_voice(request):
    """The resident's own voice note, before sending: only to the session that recorded it."""
    name = _report(request).get("voice")
    if not name:
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    ext = name.rsplit(".", 1)[-1]
    types = {"webm": "audio/webm", "ogg": "audio/ogg", "m4a": "audio/mp4", "wav": "audio/wav"}
    return media_response(handle, content_type=types.get(ext, ""), filename=f"voice.{ext}")
