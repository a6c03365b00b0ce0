"""Validation shared by the web forms, the API and the services, so every entry point says the same."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DESCRIPTION = 4000  # Open311 GeoReport v2's limit for a request's description
MAX_ADDRESS = 200
MAX_NAME = 50
MAX_REASON = 500
MAX_COMMENT = 1000

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")
_PHONE_NOISE = re.compile(r"[\s\-()()]")
# A tag opening: "<" followed by a letter, "/", "!" or "?". A lone "<" (温度<0) is fine.
_TAG = re.compile(r"<\s*[A-Za-z/!?]")


def normalize_phone(raw: str) -> str:
    """Digits only, without a +86/0086 country prefix; raise ValidationError if not a phone number."""
    value = _PHONE_NOISE.sub("", (raw or "").strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not value:
        raise ValidationError(_("请填写联系电话。"), code="required")
    if not (value.isascii() and (_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value))):
        raise ValidationError(
            _("电话号码格式不正确:请填写11位手机号,或带区号的固定电话(如 023-12345678)。"),
            code="invalid_phone",
        )
    return value


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise one's own number, not enough to call it."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """张** — the first character only, and always two stars, so the mask does not tell how long the
    name is (欧阳娜娜 and 欧文 both read 欧**)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "**"


# Unicode's control characters (category Cc: U+0000–U+001F, U+007F–U+009F) but tab, LF and CR, and
# the surrogates (category Cs): one pattern instead of a category lookup per character, since every
# text field of every request is checked (a test compares it with unicodedata over all code points).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_control_characters(value: str) -> bool:
    """Whether text holds a control character other than tab and newline (CR LF from a textarea), or
    half of a UTF-16 surrogate pair: NUL cannot be stored by PostgreSQL, a lone surrogate cannot be
    encoded at all, and the others are invisible and break XML (Open311) and terminals."""
    return _CONTROL.search(value) is not None


# Characters that change how text is shown without being seen: the bidirectional embeddings,
# overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make "王小" read as "小王" in a
# staff list, refused in every text field; and in names, every other invisible format character too
# (zero-width space and joiners, the marks U+200E/U+200F/U+061C, word joiner, BOM), which would let
# two different names look the same.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def has_invisible_characters(value: str) -> bool:
    """Whether a name holds a character of Unicode's category Cf (format): invisible when shown."""
    return any(unicodedata.category(ch) == "Cf" for ch in value)


def has_unstorable_characters(value: str) -> bool:
    """NUL or a lone surrogate: what no database column can hold (checked before any query)."""
    return "\x00" in value or _SURROGATE.search(value) is not None


def clean_text(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    """Strip, normalise and check a free-text field; raise ValidationError with a plain message."""
    value = unicodedata.normalize("NFC", (value or "")).strip()
    if not value:
        if required:
            raise ValidationError(_("请填写%(label)s。") % {"label": label}, code="required")
        return ""
    if has_control_characters(value) or _BIDI.search(value):
        raise ValidationError(
            _("%(label)s包含无法识别的控制字符,请删除后重试。") % {"label": label}, code="control"
        )
    if len(value) > max_length:
        raise ValidationError(
            _("%(label)s不能超过 %(max)d 个字(现在 %(n)d 个)。")
            % {"label": label, "max": max_length, "n": len(value)},
            code="max_length",
        )
    if _TAG.search(value):
        raise ValidationError(
            _("%(label)s中不能包含网页代码(如 <b>、<script>),请只写文字。") % {"label": label},
            code="markup",
        )
    return value


def clean_name(value: str, *, label: str, max_length: int = MAX_NAME, required: bool = True) -> str:
    """A person's name: clean_text, and no invisible characters at all (see _BIDI)."""
    value = clean_text(value, label=label, max_length=max_length, required=required)
    if has_invisible_characters(value):
        raise ValidationError(
            _("%(label)s包含看不见的特殊字符,请删除后重新输入。") % {"label": label}, code="invisible"
        )
    return value
