"""Writes: every change to a case goes through one of these functions.

Each validates its input (raising django.core.exceptions.ValidationError with messages for the
user), then moves the case with workflow.transition(), which writes the event row.
"""

import contextlib
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from security import counters

from . import deadlines, idempotency, locating, numbering, photos, roles, security_log, voice, workflow
from .errors import Conflict, InvalidMove, NotAllowed, TooManyAttempts
from .models import (
    AgeBand,
    Attachment,
    Case,
    CaseEvent,
    Category,
    Channel,
    Community,
    Department,
    HelpDesk,
    Rating,
    ReporterRating,
    Resolution,
    Score,
    State,
)
from .roles import Actor
from .validation import (
    MAX_ADDRESS,
    MAX_COMMENT,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_REASON,
    clean_name,
    clean_text,
    normalize_phone,
)
from .workflow import Action

MAX_APPOINTMENT_DAYS = 90


def stored_language():
    """Notes written into the timeline are read by residents later: keep them in the platform's
    language, whatever language the acting person's pages are in."""
    return translation.override(settings.LANGUAGE_CODE)


MAX_EMAIL = 254


def _local(dt: datetime) -> str:
    # Notes are stored text read by everyone: always in the sub-district's time, not the writer's.
    return date_format(timezone.localtime(dt, timezone.get_default_timezone()), "Y-m-d H:i")


def _user(by: Actor) -> User | None:
    """None for nobody signed in: web views may pass request.user, an AnonymousUser."""
    if by is not None and not by.is_authenticated:
        return None
    return by


@contextlib.contextmanager
def _unchanged_on_failure(case: Case):
    """Put the in-memory case back when a write fails after transition() already updated it."""
    saved = {
        f: getattr(case, f) for f in ("state", "version", "updated_at", "department_id", "appointment_at")
    }
    try:
        yield
    except BaseException:
        for field_name, value in saved.items():
            setattr(case, field_name, value)  # setting department_id drops a stale cached department
        raise


def _clean_email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > MAX_EMAIL or not value.isascii():
        raise ValidationError(_("电子邮箱格式不正确。"))
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(_("电子邮箱格式不正确。")) from None
    return value


def _clean_position(lat, long) -> tuple[Decimal | None, Decimal | None]:
    """A WGS84 position rounded to the stored precision, or (None, None); both or neither."""
    if lat in (None, "") and long in (None, ""):
        return None, None
    values = []
    for raw, limit in ((lat, 90), (long, 180)):
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError(_("经纬度格式不正确。")) from None
        if not value.is_finite() or abs(value) > limit:
            raise ValidationError(_("经纬度格式不正确。"))
        values.append(value.quantize(Decimal("0.000001")))
    return values[0], values[1]


def _collect(errors: dict, field: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return None


def attach_photos(
    case, kind, processed, *, resolution=None, co_handling=None, info_request=None, now
) -> list[str]:
    """Store processed photos and create their rows (of the case, and of a resolution, a co-handler's
    report or an answer to a request for more); return the stored names (for clean-up)."""
    stored: list[str] = []
    try:
        for photo in processed:
            name, thumb = photos.store_photo(photo)
            stored += [name, thumb]
            Attachment.objects.create(
                case=case,
                resolution=resolution,
                co_handling=co_handling,
                info_request=info_request,
                kind=kind,
                file=name,
                thumbnail=thumb,
                content_type="image/jpeg",
                width=photo.width,
                height=photo.height,
                size=len(photo.image),
                created_at=now,
            )
    except Exception:
        photos.delete_stored(stored)
        raise
    return stored


def submit_case(
    *,
    category: Category | None,
    community: Community | None,
    address: str,
    description: str,
    name: str,
    phone: str,
    age_band: str = "",
    email: str = "",
    photo_files=(),
    channel: str = Channel.ONLINE,
    by: Actor = None,
    lat=None,
    long=None,
    desk: HelpDesk | None = None,
    consent: bool = False,
    voice_file=None,
    submission_key: idempotency.Claim | None = None,
    to_locate: bool = False,
    email_for_phone: bool = False,
) -> Case:
    """Create a case in stage 1 and return it with its new number.

    With `submission_key` the key is stored in the same transaction (see cases.idempotency: call
    idempotency.submit_once(), which turns a repeated key into the case it already made).

    On behalf of a resident at a help desk (channel help_desk) the case keeps the desk (by default
    the volunteer's own) and the volunteer; the resident's consent is required, and the phone may be
    left out: the desk's phone is then the contact.

    `to_locate`: the request named no community we could find (cases.locating): the case is
    created 待定位, in the placeholder community (and category, when none was given) for intake.

    `email_for_phone`: an e-mail address may stand for the phone (an Open311 client such as
    FixMyStreet, whose users often give no phone); one of the two is still required.
    """
    errors: dict[str, list[str]] = {}
    if to_locate:
        community = community or locating.placeholder_community()
        category = category or locating.placeholder_category()
    if channel == Channel.HELP_DESK:
        desk = _collect(errors, "desk", _on_behalf_desk, desk, _user(by))
        if consent is not True:
            errors["consent"] = [_("请确认居民本人同意由志愿者代为提交诉求。")]
    elif desk is not None:
        errors["desk"] = [_("只有代办岗代为提交的诉求才能选择代办岗。")]
    if category is None or not (category.is_active or to_locate):
        errors["category"] = [_("请选择诉求类型。")]
    if community is None or not (community.is_active or to_locate):
        errors["community"] = [_("请选择所在社区。")]
    address = _collect(errors, "address", clean_text, address, label=_("详细地址"), max_length=MAX_ADDRESS)
    # A voice note (语音留言) may stand for the description: for those who cannot type.
    description = _collect(
        errors,
        "description",
        clean_text,
        description,
        label=_("诉求描述"),
        max_length=MAX_DESCRIPTION,
        required=not voice_file,
    )
    voice_note = _collect(errors, "voice", voice.process_voice, voice_file) if voice_file else None
    name = _collect(errors, "name", clean_name, name, label=_("姓名"), max_length=MAX_NAME)
    if desk is not None and not (phone or "").strip():
        phone = ""  # no phone of their own: the desk's phone is the contact
    elif email_for_phone and not (phone or "").strip() and (email or "").strip():
        phone = ""  # the e-mail address is the contact (checked below)
    else:
        phone = _collect(errors, "phone", normalize_phone, phone)
    email = _collect(errors, "email", _clean_email, email)
    position = _collect(errors, "lat", _clean_position, lat, long)
    if age_band not in AgeBand.values:
        errors["age_band"] = [_("年龄段选项无效。")]
    if channel not in Channel.values:
        errors["channel"] = [_("渠道无效。")]
    processed = _collect(errors, "photos", photos.process_photos, photo_files, field_label=_("现场照片"))
    if errors:
        raise ValidationError(errors)
    lat, long = position
    if voice_note is not None and not description:
        with stored_language():
            description = _("(语音留言,请收听录音)")

    by = _user(by)
    # A resident texting the sub-district's number submits for themselves, as online.
    as_public = channel in (Channel.ONLINE, Channel.SMS)
    if not as_public and not workflow.may(by, Action.SUBMIT, as_public=False):
        raise NotAllowed(_("您没有权限代为提交诉求。"))
    if channel in (Channel.PHONE, Channel.WALK_IN) and not roles.has_role(by, roles.INTAKE):
        raise NotAllowed(_("电话和来访登记由街道受理员办理;志愿者请通过代办岗代为提交。"))
    now = timezone.now()
    # Everything but the number is made before the write transaction, which holds SQLite's one
    # write lock, so that it stays as short as it can be: the case, and its deadline (which reads
    # the work calendar).
    case = Case(
        channel=channel,
        category=category,
        community=community,
        address=address,
        description=description,
        name=name,
        phone=phone,
        email=email or "",
        age_band=age_band,
        submitted_by=None if as_public else by,
        desk=desk,
        lat=lat,
        long=long,
        to_locate=to_locate,
        submitted_at=now,
        updated_at=now,
    )
    case.due_at = deadlines.stage_due_at(case, State.SUBMITTED, now)
    if as_public:
        note, actor_name = "", ""
    else:
        note = _on_behalf_note(channel, by, desk)
        actor_name = roles.display_name(by)
    stored: list[str] = []
    try:
        with transaction.atomic():
            case.number = numbering.next_number(now)
            workflow.create(case, by=by, actor_name=actor_name, public_note=note, as_public=as_public, at=now)
            if submission_key is not None:
                # Raises IntegrityError when a request with the same key committed first.
                idempotency.record(submission_key, case, now=now)
            stored = attach_photos(case, Attachment.Kind.PHOTO, processed, now=now)
            if voice_note is not None:
                stored += voice.attach_voice(case, voice_note, now=now)
    except Exception:
        photos.delete_stored(stored)
        raise
    return case


def _on_behalf_desk(desk: HelpDesk | None, by: User | None) -> HelpDesk | None:
    """The desk a case is submitted at: the given one if `by` works there, else `by`'s only desk."""
    if by is None:
        return desk  # the permission check refuses the public later
    if desk is None:
        desks = list(by.help_desks.filter(is_active=True)[:2])
        if len(desks) == 1:
            return desks[0]
        if not desks:
            raise ValidationError(_("您还没有加入任何代办岗,请联系街道管理员。"))
        raise ValidationError(_("请选择代办岗。"))
    if not desk.is_active:
        raise ValidationError(_("该代办岗已停用。"))
    if not roles.has_role(by, roles.INTAKE) and not desk.volunteers.filter(pk=by.pk).exists():
        raise ValidationError(_("您不是“%(desk)s”的志愿者,不能以该代办岗的名义提交。") % {"desk": desk.name})
    return desk


def _on_behalf_note(channel: str, by: User | None, desk: HelpDesk | None) -> str:
    """The public timeline note of a case someone registered for the resident."""
    name = roles.display_name(by)
    with stored_language():
        if channel == Channel.HELP_DESK and desk is not None:
            return _("由%(community)s代办岗志愿者%(name)s代为提交") % {
                "community": desk.community.name,
                "name": name,
            }
        if channel == Channel.PHONE:
            return _("居民来电,由工作人员%(name)s代为登记") % {"name": name}
        if channel == Channel.WALK_IN:
            return _("居民来访,由工作人员%(name)s代为登记") % {"name": name}
        return _("由工作人员%(name)s代为登记(%(channel)s)") % {
            "name": name,
            "channel": Channel(channel).label,
        }


def accept(case: Case, *, by: Actor) -> CaseEvent:
    return workflow.transition(case, Action.ACCEPT, by=by)


def _reason(reason: str) -> str:
    try:
        return clean_text(reason, label=_("原因"), max_length=MAX_REASON)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc


def reject(case: Case, *, by: Actor, reason: str) -> CaseEvent:
    workflow.check_move(case, Action.REJECT, by=by)
    reason = _reason(reason)
    return workflow.transition(case, Action.REJECT, by=by, public_note=reason)


def dispatch(case: Case, *, by: Actor, department: Department | None, co_departments=()) -> CaseEvent:
    """派单 to a lead department (主办), optionally with co-handling departments (协办,
    cases.cohandling); a community work station's case goes to the grid worker of its building."""
    from . import cohandling, grid

    workflow.check_move(case, Action.DISPATCH, by=by)
    errors: dict[str, list[str]] = {}
    if department is None or not department.is_active:
        errors["department"] = [_("请选择责任部门。")]
    elif case.to_locate:
        errors["department"] = [_("此诉求尚未确定所在社区,请先确定社区再派单。")]
    else:
        _collect(errors, "department", grid.check_handling_unit, case, department)
    co = _collect(errors, "co_departments", cohandling.clean_co_departments, case, department, co_departments)
    if errors or department is None:
        raise ValidationError(errors)
    now = timezone.now()
    with stored_language():
        note = cohandling.co_note(co or [])
    return workflow.transition(
        case,
        Action.DISPATCH,
        by=by,
        at=now,
        public_note=note,
        department=department,
        grid_worker=grid.worker_for(case, department),
        record=lambda event: cohandling.add(case, co or [], now=now),
    )


def locate(
    case: Case, *, by: Actor, community: Community | None, category: Category | None = None
) -> CaseEvent:
    """确定社区: intake sets the community (and, for an unsorted case, the category) of a case 待定位."""
    workflow.check_move(case, Action.LOCATE, by=by)
    errors = {}
    category = category or case.category
    if not category.is_active:
        errors["category"] = [_("请选择诉求类型。")]
    if community is None or not community.is_active:
        errors["community"] = [_("请选择所在社区。")]
    if errors or community is None:
        raise ValidationError(errors)
    with stored_language():
        note = _("所在社区:%(community)s;诉求类型:%(category)s") % {
            "community": community.name,
            "category": category.name,
        }
    return workflow.transition(
        case,
        Action.LOCATE,
        by=by,
        is_public=False,
        private_note=note,
        community=community,
        category=category,
        to_locate=False,
    )


def return_case(case: Case, *, by: Actor, reason: str) -> CaseEvent:
    """退单: the department sends the case back to intake."""
    workflow.check_move(case, Action.RETURN, by=by)
    reason = _reason(reason)
    # The department's appointment goes with it: the next department sets its own; so do its
    # co-handling departments and grid worker (the next dispatch names them again).
    from . import cohandling

    return workflow.transition(
        case,
        Action.RETURN,
        by=by,
        public_note=reason,
        department=None,
        appointment_at=None,
        grid_worker=None,
        record=lambda event: cohandling.clear(case),
    )


def _appointment(value: datetime | None, *, required: bool) -> datetime | None:
    if value is None:
        if required:
            raise ValidationError({"appointment_at": [_("请填写预约时间。")]})
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    now = timezone.now()
    if value < now - timedelta(minutes=5):
        raise ValidationError({"appointment_at": [_("预约时间不能早于现在。")]})
    if value > now + timedelta(days=MAX_APPOINTMENT_DAYS):
        raise ValidationError(
            {"appointment_at": [_("预约时间不能晚于 %(days)d 天后。") % {"days": MAX_APPOINTMENT_DAYS}]}
        )
    return value


def start(case: Case, *, by: Actor, appointment_at: datetime | None = None) -> CaseEvent:
    workflow.check_move(case, Action.START, by=by)
    appointment_at = _appointment(appointment_at, required=False)
    changes: dict[str, Any] = {"appointment_at": appointment_at} if appointment_at else {}
    with stored_language():
        note = _("预约上门时间:%(at)s") % {"at": _local(appointment_at)} if appointment_at else ""
    return workflow.transition(case, Action.START, by=by, public_note=note, **changes)


def set_appointment(case: Case, *, by: Actor, appointment_at: datetime | None) -> CaseEvent:
    workflow.check_move(case, Action.APPOINT, by=by)
    appointment_at = _appointment(appointment_at, required=True)
    if appointment_at is None:  # required: _appointment() raised already
        raise ValidationError({"appointment_at": [_("请填写预约时间。")]})
    with stored_language():
        note = _("预约上门时间:%(at)s") % {"at": _local(appointment_at)}
    return workflow.transition(
        case,
        Action.APPOINT,
        by=by,
        public_note=note,
        appointment_at=appointment_at,
    )


def complete(case: Case, *, by: Actor, explanation: str, before=(), after=()) -> CaseEvent:
    """File the resolution report and complete the case; refused without explanation and photos,
    and while a co-handling department (协办) has neither reported nor been waived."""
    from . import cohandling

    workflow.check_move(case, Action.COMPLETE, by=by)
    cohandling.check_all_reported(case)
    errors: dict[str, list[str]] = {}
    explanation = _collect(
        errors, "explanation", clean_text, explanation, label=_("办理说明"), max_length=MAX_DESCRIPTION
    )
    before = [f for f in before if f]
    after = [f for f in after if f]
    if not before:
        errors["before"] = [_("请上传至少一张办理前的照片。")]
    if not after:
        errors["after"] = [_("请上传至少一张办理后的照片。")]
    before_ok = (
        _collect(errors, "before", photos.process_photos, before, field_label=_("办理前照片"))
        if before
        else []
    )
    after_ok = (
        _collect(errors, "after", photos.process_photos, after, field_label=_("办理后照片")) if after else []
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    stored: list[str] = []
    try:
        with _unchanged_on_failure(case), transaction.atomic():

            def record(event):
                resolution = Resolution.objects.create(
                    case=case, event=event, explanation=explanation, created_at=now
                )
                stored.extend(
                    attach_photos(case, Attachment.Kind.BEFORE, before_ok, resolution=resolution, now=now)
                )
                stored.extend(
                    attach_photos(case, Attachment.Kind.AFTER, after_ok, resolution=resolution, now=now)
                )

            event = workflow.transition(
                case, Action.COMPLETE, by=by, public_note=explanation, at=now, record=record
            )
    except Exception:
        photos.delete_stored(stored)
        raise
    return event


def check_phone_digits(
    case: Case, phone_last4: str, *, client: str | None = None, phones: list[str] | None = None
) -> list[str]:
    """Prove a resident owns the case by the phone's last four digits, a few tries an hour.

    Every well-formed try is counted before it is compared (one atomic upsert, security.counters
    .hit_lock), per case and per client address (`client`: security.client.rate_key of the address),
    so simultaneous guesses cannot slip past the count. Reaching a limit locks for a full hour from
    then, and is written to the security log as an alert.

    `phones`: every phone that may prove it (the case's reporters, cases.merging.reporter_phones);
    the case's own by default. Returns the phones that end in the digits."""
    digits = (phone_last4 or "").strip()
    if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
        raise ValidationError({"phone_last4": [_("请填写提交时所留电话号码的后四位数字。")]})
    period = settings.MINSHENG_RATING_LOCK_SECONDS
    limits = [("case", str(case.pk), settings.MINSHENG_RATING_MAX_TRIES)]
    if client:
        limits.append(("address", client, settings.MINSHENG_RATING_MAX_TRIES_PER_ADDRESS))
    counted = [
        (kind, who, limit, *counters.hit_lock(f"rating:{kind}:{who}", limit, period))
        for kind, who, limit in limits
    ]
    matching = [p for p in (phones or [case.phone]) if p and p[-4:] == digits]
    wrong = not matching
    for kind, who, limit, count, left in counted:
        if count > limit or (count == limit and wrong):
            # The try that reaches the limit, and the first one refused: the alert operators read.
            if count in (limit, limit + 1):
                security_log.alert(
                    "rating-phone-digits",
                    target=case.number,
                    limit=kind,
                    key=who,
                    tries=count,
                    locked_for=left,
                )
    for _kind, _who, limit, count, _left in counted:
        if count > limit:
            raise TooManyAttempts(_("手机号后四位输错次数过多,请一小时后再试,或联系社区代办岗。"))
    if wrong:
        raise ValidationError({"phone_last4": [_("电话号码后四位不正确。")]})
    return matching


def rate(
    case: Case,
    *,
    score: str,
    comment: str = "",
    phone_last4: str | None = None,
    by: Actor = None,
    via: str = Rating.Via.ONLINE,
    verified: bool = False,
    client: str | None = None,
    phone: str | None = None,
) -> Rating | ReporterRating:
    """Record a reporter's rating of the latest completion; 不满意 reopens the case (重办).

    `verified`: the caller already proved the case is the resident's (a signed-in resident whose
    phone matches, or `phone`: the number an SMS reply came from), so the phone digits are not
    asked for. `client`: the rate-limit key of the client's address (security.client.rate_key),
    which the digits' tries are also counted against.

    Every reporter of the problem may rate (cases.merging): the case's own, its co-reporters, and
    those of the cases merged into it (a merged case's rating goes to its parent). The first rating
    of a completion is the Rating that makes the move; each other reporter may still rate that
    completion once within the rating window, kept as a ReporterRating that counts in satisfaction
    and moves nothing."""
    from . import merging

    case = merging.parent_of(case)
    action = Action.REOPEN if score == Score.DISSATISFIED else Action.RATE
    by = _user(by)
    as_public = by is None
    resolution = case.resolutions.order_by("-created_at", "-id").first()
    moved = resolution is not None and Rating.objects.filter(resolution=resolution).exists()
    further = as_public and workflow.is_closed(case) and moved
    if workflow.is_closed(case) and Rating.objects.filter(case=case).exists() and not further:
        raise InvalidMove(_("本次办理结果已经评价过了。"))
    if not further:
        workflow.check_move(case, action, by=by, as_public=as_public)
    if score not in Score.values:
        raise ValidationError({"score": [_("请选择满意、基本满意或不满意。")]})
    try:
        comment = clean_text(comment, label=_("评价意见"), max_length=MAX_COMMENT, required=False)
    except ValidationError as exc:
        raise ValidationError({"comment": exc.messages}) from exc
    phones = merging.reporter_phones(case)
    if as_public and not verified:
        raters = check_phone_digits(case, phone_last4 or "", client=client, phones=phones)
    elif as_public and phone:
        raters = [phone] if phone in phones else []
    else:
        raters = [case.phone]
    if resolution is None:
        raise InvalidMove(_("此诉求还没有办理结果,暂不能评价。"))
    if further:
        return _rate_further(case, resolution, raters, score=score, comment=comment)
    rater = raters[0] if raters else case.phone
    with stored_language():
        label = str(Score(score).label)
        if action == Action.REOPEN:
            note = _("居民评价:%(score)s,重新办理") % {"score": label}
        else:
            note = _("居民评价:%(score)s") % {"score": label}
        if via == Rating.Via.FOLLOW_UP:
            note += _("(电话回访)")
        resident = _("居民")
    now = timezone.now()
    try:
        with _unchanged_on_failure(case), transaction.atomic():
            ratings: list[Rating] = []
            workflow.transition(
                case,
                action,
                by=by,
                as_public=as_public,
                actor_name=resident if as_public else "",
                public_note=note,
                private_note=comment,
                at=now,
                record=lambda event: ratings.append(
                    Rating.objects.create(
                        case=case,
                        resolution=resolution,
                        score=score,
                        comment=comment,
                        via=via,
                        phone="" if rater == case.phone else rater,
                        recorded_by=by,
                        at=now,
                    )
                ),
            )
            return ratings[0]
    except IntegrityError as exc:
        raise InvalidMove(_("本次办理结果已经评价过了。")) from exc


def _rate_further(
    case: Case, resolution: Resolution, raters: list[str], *, score: str, comment: str
) -> ReporterRating:
    """Another reporter rates a completion the first rating already closed (see rate())."""
    first = Rating.objects.filter(resolution=resolution).first()
    rated = {(first.phone or case.phone) if first else case.phone}
    rated.update(ReporterRating.objects.filter(resolution=resolution).values_list("phone", flat=True))
    left = [p for p in raters if p not in rated]
    if not left:
        raise InvalidMove(_("本次办理结果已经评价过了。"))
    now = timezone.now()
    if resolution.created_at < now - timedelta(days=settings.MINSHENG_RATING_WINDOW_DAYS):
        raise InvalidMove(_("已超过评价期限,不能再评价。"))
    with stored_language():
        note = _("又有1位居民评价:%(score)s") % {"score": str(Score(score).label)}
        resident = _("居民")
    rows: list[ReporterRating] = []
    try:
        with _unchanged_on_failure(case), transaction.atomic():
            workflow.transition(
                case,
                Action.CO_RATE,
                by=None,
                as_public=True,
                actor_name=resident,
                public_note=note,
                private_note=comment,
                is_public=False,
                at=now,
                record=lambda event: rows.append(
                    ReporterRating.objects.create(
                        case=case, resolution=resolution, phone=left[0], score=score, comment=comment, at=now
                    )
                ),
            )
    except IntegrityError as exc:
        raise InvalidMove(_("本次办理结果已经评价过了。")) from exc
    return rows[0]


def close_unrated(*, now: datetime | None = None) -> int:
    """Close completed cases whose rating window has passed; return how many were closed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MINSHENG_RATING_WINDOW_DAYS)
    closed = 0
    with stored_language():
        system, closed_note = _("系统"), _("超时未评价,自动办结")
    due = Case.objects.filter(state=State.COMPLETED, resolutions__created_at__lt=cutoff).distinct()
    for case in due.iterator():
        latest = case.resolutions.order_by("-created_at").first()
        if latest is None or latest.created_at >= cutoff:
            continue
        try:
            workflow.transition(
                case, Action.AUTO_CLOSE, by=None, actor_name=system, public_note=closed_note, at=now
            )
            closed += 1
        except (InvalidMove, Conflict):
            continue
    return closed
