"""Template helpers for elder mode and voice: spoken case numbers, progress in plain words, voice notes."""

from django import template

from cases import selectors
from cases.models import Attachment

from ..elder import spoken_digits as _spoken_digits

register = template.Library()


@register.filter
def spoken_digits(number) -> str:
    """20261127-0012 → "2 0 2 6 1 1 2 7,0 0 1 2", for speech synthesis digit by digit."""
    return _spoken_digits(number)


@register.filter
def plain_progress(progress) -> str:
    """The progress as one sentence, e.g. 您的诉求已经派给物业科,维修人员明天上午9点上门。"""
    return selectors.plain_progress(progress)


@register.simple_tag
def voice_notes(case):
    """A case's voice notes (staff pages only: they are personal data)."""
    return list(case.attachments.filter(kind=Attachment.Kind.VOICE).order_by("id"))


@register.filter
def minutes_seconds(seconds) -> str:
    """75.2 → "1:15"."""
    try:
        total = round(float(seconds))
    except (TypeError, ValueError):
        return ""
    return f"{total // 60}:{total % 60:02d}"
