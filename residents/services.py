"""Resident sign-in with a one-time SMS code, and what a signed-in resident may change.

A code is 6 digits from `secrets`, valid RESIDENT_CODE_MINUTES, used once, refused after
RESIDENT_CODE_MAX_TRIES wrong tries; a number gets at most RESIDENT_CODES_PER_PHONE_PER_HOUR codes
an hour and an address RESIDENT_CODES_PER_IP_PER_HOUR. Codes go out through the notify outbox.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.errors import TooManyAttempts
from cases.models import Case
from cases.validation import normalize_phone
from notify import outbox

from .models import PhoneLock, SignInCode


def clean_mobile(raw: str) -> str:
    """An 11-digit mobile number (+86 and spaces allowed), or ValidationError: codes go by SMS."""
    try:
        phone = normalize_phone(raw)
    except ValidationError as exc:
        if exc.code == "required":
            raise ValidationError({"phone": [_("请填写手机号。")]}) from None
        raise ValidationError({"phone": [_("请填写11位手机号码(以1开头),验证码会以短信发送。")]}) from None
    if len(phone) != 11 or not phone.startswith("1"):
        raise ValidationError({"phone": [_("请填写11位手机号码(以1开头),验证码会以短信发送。")]})
    return phone


def _hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"sign-in:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _seconds_until_a_slot(codes: QuerySet[SignInCode], now) -> int:
    """When the oldest code of the last hour leaves the window, so that another may be asked for."""
    oldest = codes.order_by("created_at").values_list("created_at", flat=True).first()
    return max(1, int((oldest + timedelta(hours=1) - now).total_seconds()) + 1) if oldest else 3600


def request_code(*, phone: str, ip: str | None) -> SignInCode:
    """Issue a code for `phone` and queue its SMS; TooManyAttempts past the hourly limits."""
    phone = clean_mobile(phone)
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    with transaction.atomic():
        PhoneLock.objects.get_or_create(phone=phone)
        PhoneLock.objects.select_for_update().get(phone=phone)
        by_ip = SignInCode.objects.filter(ip=ip, created_at__gt=hour_ago)
        if ip and by_ip.count() >= settings.RESIDENT_CODES_PER_IP_PER_HOUR:
            raise TooManyAttempts(
                _("这台设备获取验证码的次数过多,请一小时后再试。"),
                limit="otp_request_address",
                retry_after=_seconds_until_a_slot(by_ip, now),
            )
        by_phone = SignInCode.objects.filter(phone=phone, created_at__gt=hour_ago)
        if by_phone.count() >= settings.RESIDENT_CODES_PER_PHONE_PER_HOUR:
            raise TooManyAttempts(
                _("这个手机号一小时内最多获取 %(n)d 次验证码,请稍后再试。")
                % {"n": settings.RESIDENT_CODES_PER_PHONE_PER_HOUR},
                limit="otp_request_phone",
                retry_after=_seconds_until_a_slot(by_phone, now),
            )
        code = f"{secrets.randbelow(10**6):06d}"
        minutes = settings.RESIDENT_CODE_MINUTES
        row = SignInCode.objects.create(
            phone=phone,
            code_hash=_hash(phone, code),
            ip=ip or None,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        outbox.queue_sign_in_code(phone=phone, code=code, key=f"otp:{row.pk}", minutes=minutes)
    return row


def verify_code(*, phone: str, code: str) -> str:
    """Check the latest code for `phone` and use it up; return the phone. ValidationError when wrong."""
    phone = clean_mobile(phone)
    code = (code or "").strip()
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ValidationError({"code": [_("请填写短信中的6位数字验证码。")]})
    now = timezone.now()
    latest = SignInCode.objects.filter(phone=phone).order_by("-created_at", "-id").first()
    if latest is None:
        raise ValidationError({"code": [_("请先获取验证码。")]})
    if latest.used_at is not None:
        raise ValidationError({"code": [_("这个验证码已经用过了,请重新获取。")]})
    if latest.expires_at <= now:
        raise ValidationError(
            {
                "code": [
                    _("验证码已过期(有效期 %(n)d 分钟),请重新获取。") % {"n": settings.RESIDENT_CODE_MINUTES}
                ]
            }
        )
    if latest.wrong_tries >= settings.RESIDENT_CODE_MAX_TRIES:
        raise TooManyAttempts(_("验证码输错次数过多,这个验证码已失效,请重新获取。"), limit="otp_code_tries")
    if not hmac.compare_digest(latest.code_hash, _hash(phone, code)):
        # Counted in the database with a conditional update, so parallel guesses cannot overrun it.
        SignInCode.objects.filter(pk=latest.pk, wrong_tries__lt=settings.RESIDENT_CODE_MAX_TRIES).update(
            wrong_tries=F("wrong_tries") + 1
        )
        left = settings.RESIDENT_CODE_MAX_TRIES - latest.wrong_tries - 1
        if left <= 0:
            raise TooManyAttempts(
                _("验证码输错次数过多,这个验证码已失效,请重新获取。"), limit="otp_code_tries"
            )
        raise ValidationError({"code": [_("验证码不正确,还可以再试 %(n)d 次。") % {"n": left}]})
    # Single use: of two sign-ins with one code, only one update finds it unused.
    used = SignInCode.objects.filter(
        pk=latest.pk, used_at__isnull=True, wrong_tries__lt=settings.RESIDENT_CODE_MAX_TRIES
    ).update(used_at=now)
    if used != 1:
        raise ValidationError({"code": [_("这个验证码已经用过了,请重新获取。")]})
    return phone


def cases_of(phone: str) -> QuerySet[Case]:
    """Every case with this phone number, those a volunteer submitted for the resident included."""
    return (
        Case.objects.filter(phone=phone)
        .select_related("category", "community", "department")
        .order_by("-submitted_at", "-id")
    )


def set_sms_opt_out(case: Case, *, phone: str, opt_out: bool) -> None:
    """退订 / 恢复短信 for one of the resident's own cases."""
    if case.phone != phone:
        raise ValidationError(_("只能修改您本人诉求的通知设置。"))
    Case.objects.filter(pk=case.pk, phone=phone).update(sms_opt_out=opt_out)
    case.sms_opt_out = opt_out
