"""Reply templates' placeholders: which exist, refusing any other, and filling them from a case."""

import string

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case

PLACEHOLDERS = {
    "number": gettext_lazy("诉求编号"),
    "department": gettext_lazy("责任部门"),
    "appointment": gettext_lazy("预约时间"),
    "community": gettext_lazy("社区"),
}


def placeholders_in(text: str) -> list[str]:
    """The placeholder names `text` uses; ValidationError for a malformed or unknown one."""
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError:
        raise ValidationError(
            {
                "text": [
                    _("模板中的大括号不成对。占位符要写成 {number} 这样;要显示大括号本身,请写两个:{{ 或 }}。")
                ]
            }
        ) from None
    names = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            known = "、".join("{%s}" % name for name in PLACEHOLDERS)
            raise ValidationError(
                {
                    "text": [
                        _("不认识的占位符“{%(name)s}”。可用的占位符只有:%(known)s。")
                        % {
                            "name": field
                            + (("!" + conversion) if conversion else "")
                            + ((":" + spec) if spec else ""),
                            "known": known,
                        }
                    ]
                }
            )
        names.append(field)
    return names


def check(text: str) -> None:
    placeholders_in(text)


def values_for(case: Case | None) -> dict[str, str]:
    if case is None:
        return {name: "" for name in PLACEHOLDERS}
    appointment = ""
    if case.appointment_at:
        appointment = date_format(timezone.localtime(case.appointment_at), "Y-m-d H:i")
    return {
        "number": case.number,
        "department": case.department.name if case.department is not None else "",
        "appointment": appointment,
        "community": case.community.name if case.community is not None else "",
    }


def fill(text: str, case: Case | None) -> str:
    """The template's text with the case's values; an empty value leaves the words around it."""
    placeholders_in(text)
    return text.format_map(values_for(case))


# Which form field each kind of template fills: the staff action's slug and the field's name.
FORM_FIELDS = {
    "complete": ("complete", "explanation"),
    "reject": ("reject", "reason"),
    "return": ("return", "reason"),
    "dispute": ("dispute", "reason"),
    "sms": ("answer", "text"),
}
USE_OF_SLUG = {slug: use for use, (slug, _field) in FORM_FIELDS.items()}
