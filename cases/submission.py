"""Submitting a case: the one way in for every channel.

The resident's form, elder mode, the help desk's form, the REST API and Open311 all call `submit()`.
It owns what a submission must satisfy, whoever makes it:

- reference rows by code or as rows: an unknown or inactive category, community or help desk is a
  field error like any other, reported together with the rest;
- who registers it through which channel: nobody signed in is the resident's own submission
  (`online`); a volunteer registers at a help desk (`help_desk`, the default for them: consent
  required, the phone optional, the desk's community by default); an intake officer registers a
  phone call or a visit (`phone`, `walk_in`);
- idempotency: with a key (cases.idempotency.Claim) a retry or a double tap answers with the case
  the first request made, and the same key with another body is refused (KeyReused).

Every field's content is checked by services.submit_case, which creates the case in one
transaction; nothing is written when anything is wrong.
"""

from typing import NamedTuple

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from . import helpdesk, idempotency, roles, services
from .models import Case, Category, Channel, Community, HelpDesk
from .roles import Actor

# The reference rows a submission names, by field.
_REFERENCES = {
    "category": Category,
    "community": Community,
    "desk": HelpDesk,
}


class Submitted(NamedTuple):
    case: Case
    # The key had already made this case: nothing new was created.
    replayed: bool = False


def _unknown(field: str, code: str) -> str:
    code = code[:32]
    if field == "category":
        return _("没有代码为“%(code)s”的诉求类型。") % {"code": code}
    if field == "community":
        return _("没有代码为“%(code)s”的社区。") % {"code": code}
    return _("没有代码为“%(code)s”的代办岗。") % {"code": code}


def _row(field: str, value, errors: dict):
    """A reference row given as a row, a code or nothing; an unknown code is an error in `errors`."""
    if value is None or isinstance(value, models.Model):
        return value
    code = str(value).strip()
    if not code:
        return None
    row = _REFERENCES[field]._default_manager.filter(code=code, is_active=True).first()
    if row is None:
        errors[field] = [_unknown(field, code)]
    return row


def _channel(by: User | None, channel: str | None, errors: dict) -> str:
    """The channel of a submission by `by` (None: the resident's own)."""
    if by is None:
        return Channel.ONLINE if channel in (None, Channel.ONLINE) else channel
    if channel is None:
        if roles.has_role(by, roles.VOLUNTEER):
            return Channel.HELP_DESK
        errors["channel"] = [_("请填写渠道:phone(来电)或 walk_in(来访)。")]
        return Channel.HELP_DESK
    if channel == Channel.ONLINE:
        errors["channel"] = [_("代为提交的诉求请选择代办岗、电话或来访渠道。")]
    return channel


def submit(
    *,
    category=None,
    community=None,
    desk=None,
    channel: str | None = None,
    by: Actor = None,
    key: idempotency.Claim | None = None,
    **fields,
) -> Submitted:
    """Create a case from any channel (see the module); `fields` are those of services.submit_case
    (address, description, name, phone, age_band, email, photo_files, voice_file, lat, long,
    consent). Raises ValidationError with every field's message, NotAllowed for a role that may not
    register for someone else, KeyReused for a key used for another submission."""
    by = by if by is not None and by.is_authenticated else None
    errors: dict[str, list[str]] = {}
    category = _row("category", category, errors)
    community = _row("community", community, errors)
    desk = _row("desk", desk, errors)
    channel = _channel(by, channel, errors)
    if community is None and "community" not in errors and channel == Channel.HELP_DESK:
        # A help desk registers for its own community unless told otherwise, as its form does.
        own = desk or helpdesk.desks_of(by).first()
        community = own.community if own is not None else None
    try:
        case, replayed = idempotency.submit_once(
            key,
            services.submit_case,
            # With a code already wrong, the service still checks every other field and writes nothing.
            category=None if errors else category,
            community=community,
            desk=desk,
            channel=channel,
            by=by,
            **fields,
        )
    except ValidationError as exc:
        found = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        if category is not None:
            found.pop("category", None)  # only missing because we held it back
        found.update(errors)
        raise ValidationError(found) from exc
    if errors:  # not reached: the service refuses a case without a category
        raise ValidationError(errors)
    return Submitted(case, replayed)
