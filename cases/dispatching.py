"""Dispatch from the responsibility list (派单目录): which department the list names for a case, and
importing the list from a spreadsheet. Knows nothing of HTTP.

The entry that applies to a case is the most specific one in force on the day: an entry of the
case's category, for its community or for every community, whose keywords (if any) the description
mentions. A community entry beats a general one, an entry with a matching keyword beats one without
keywords, and of equals the one that took effect last wins.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import roles, workflow
from .models import Case, CaseEvent, Category, Community, Department, ResponsibilityItem
from .roles import Actor
from .services import stored_language
from .validation import MAX_REASON, clean_text
from .workflow import Action


def items_in_force(case: Case, on: date | None = None):
    """The list's entries that may apply to `case` on the day `on` (today by default)."""
    on = on or timezone.localdate()
    return (
        ResponsibilityItem.objects.filter(
            category_id=case.category_id, is_active=True, effective_from__lte=on, department__is_active=True
        )
        .filter(Q(community__isnull=True) | Q(community_id=case.community_id))
        .select_related("department", "community")
    )


def _matches(item: ResponsibilityItem, description: str) -> bool | None:
    """True: a keyword matches; None: the entry has no keywords; False: it has some, none matches."""
    words = item.keyword_list()
    if not words:
        return None
    return any(word in description for word in words)


def listed_items(case: Case, on: date | None = None) -> list[ResponsibilityItem]:
    """The entries that apply to `case`, the one to dispatch by first."""
    candidates = []
    for item in items_in_force(case, on):
        matched = _matches(item, case.description or "")
        if matched is False:
            continue
        candidates.append(item)
    candidates.sort(
        key=lambda item: (
            item.community_id is not None,
            bool(item.keyword_list()),
            item.effective_from,
            item.pk,
        ),
        reverse=True,
    )
    return candidates


def listed_item(case: Case, on: date | None = None) -> ResponsibilityItem | None:
    """The entry of the list that names the department for `case`, or None."""
    items = listed_items(case, on)
    return items[0] if items else None


# ---------------------------------------------------------------------------------------------
# 改派: intake hands a case a department has to another department.


def _reason(reason: str, label: str) -> str:
    try:
        return clean_text(reason, label=label, max_length=MAX_REASON)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc


def _other_department(case: Case, department: Department | None) -> Department:
    if department is None or not department.is_active:
        raise ValidationError({"department": [_("请选择责任部门。")]})
    if department.pk == case.department_id:
        raise ValidationError(
            {"department": [_("此诉求已经由%(name)s办理,请选择另一个部门。") % {"name": department.name}]}
        )
    return department


def reassign(case: Case, *, by: Actor, department: Department | None, reason: str) -> CaseEvent:
    """改派: the case goes to `department` (not the one that has it), which starts on it afresh.

    The new department's time limit is the category's full limit from dispatch to completion,
    counted from now (the time the case spent with the wrong department is not counted against the
    right one); its appointment goes, the new department sets its own. The public timeline says who
    has the case now and why.
    """
    workflow.check_move(case, Action.REASSIGN, by=by)
    errors: dict[str, list[str]] = {}
    try:
        department = _other_department(case, department)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        reason = _reason(reason, _("改派原因"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors or department is None:
        raise ValidationError(errors)
    previous = case.department
    with stored_language():
        note = _("由%(old)s改派给%(new)s(派单人:%(name)s),原因:%(reason)s") % {
            "old": previous.name if previous else "—",
            "new": department.name,
            "name": roles.display_name(by),
            "reason": reason,
        }
    return workflow.transition(
        case, Action.REASSIGN, by=by, public_note=note, department=department, appointment_at=None
    )


# ---------------------------------------------------------------------------------------------
# Import from a spreadsheet (manage.py import_responsibilities).

# The header names accepted for each column (the Chinese one is what the published list uses).
COLUMNS = {
    "category": ("诉求类型", "类型", "category"),
    "community": ("社区", "community"),
    "keywords": ("关键词", "keywords"),
    "department": ("责任部门", "部门", "department"),
    "text": ("事项内容", "事项", "item", "text"),
    "effective_from": ("生效日期", "effective_from", "effective date"),
}
REQUIRED = ("category", "department", "text", "effective_from")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def read_rows(name: str, content: bytes) -> list[dict[str, object]]:
    """The spreadsheet's rows as dicts keyed by our column names; CSV (UTF-8, with or without BOM,
    or GB18030 as Excel in China saves it) or XLSX by the file's extension."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
    elif name.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030")
        table = [list(row) for row in csv.reader(io.StringIO(text))]
    else:
        raise ValidationError(_("只能导入 .csv 或 .xlsx 文件。"))
    table = [row for row in table if any(cell not in (None, "") for cell in row)]
    if not table:
        raise ValidationError(_("文件是空的。"))
    header = [str(cell or "").strip().lower() for cell in table[0]]
    positions: dict[str, int] = {}
    for column, names in COLUMNS.items():
        for index, title in enumerate(header):
            if title in [n.lower() for n in names]:
                positions[column] = index
                break
    missing = [COLUMNS[c][0] for c in REQUIRED if c not in positions]
    if missing:
        raise ValidationError(_("表头缺少列:%(columns)s。") % {"columns": "、".join(missing)})
    rows = []
    for row in table[1:]:
        rows.append(
            {column: (row[index] if index < len(row) else None) for column, index in positions.items()}
        )
    return rows


def _by_code_or_name(model, value: object):
    value = str(value or "").strip()
    if not value:
        return None
    return model.objects.filter(Q(code=value) | Q(name=value)).first()


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def import_rows(rows: list[dict[str, object]]) -> ImportResult:
    """Create or update the list's entries; all or nothing.

    An entry is the same one when category, community, keywords and effective date are: its
    department and text are updated. Raises ValidationError naming every bad row (row 2 is the first
    below the header), and then imports none.
    """
    errors: list[str] = []
    parsed = []
    for number, row in enumerate(rows, start=2):
        problems = []
        category = _by_code_or_name(Category, row.get("category"))
        if category is None:
            problems.append(_("诉求类型“%(value)s”不存在") % {"value": row.get("category") or ""})
        community = None
        if str(row.get("community") or "").strip():
            community = _by_code_or_name(Community, row.get("community"))
            if community is None:
                problems.append(_("社区“%(value)s”不存在") % {"value": row.get("community")})
        department = _by_code_or_name(Department, row.get("department"))
        if department is None:
            problems.append(_("责任部门“%(value)s”不存在") % {"value": row.get("department") or ""})
        text = str(row.get("text") or "").strip()
        if not text:
            problems.append(_("事项内容不能为空"))
        elif len(text) > 1000:
            problems.append(_("事项内容不能超过1000字"))
        keywords = " ".join(str(row.get("keywords") or "").replace(",", " ").replace(",", " ").split())
        if len(keywords) > 200:
            problems.append(_("关键词不能超过200字"))
        effective = _date(row.get("effective_from"))
        if effective is None:
            problems.append(
                _("生效日期“%(value)s”不是日期(如 2024-05-01)") % {"value": row.get("effective_from") or ""}
            )
        if problems:
            errors.append(_("第%(row)d行:%(problems)s。") % {"row": number, "problems": ";".join(problems)})
            continue
        parsed.append((category, community, keywords, department, text, effective))
    # (Every row in `parsed` has all of its parts: a row with a problem was left out above.)
    if errors:
        raise ValidationError(errors)
    result = ImportResult()
    with transaction.atomic():
        for category, community, keywords, department, text, effective in parsed:
            assert effective is not None
            _item, created = ResponsibilityItem.objects.update_or_create(
                category=category,
                community=community,
                keywords=keywords,
                effective_from=effective,
                defaults={"department": department, "text": text, "is_active": True},
            )
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result
