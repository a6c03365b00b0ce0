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
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from . import cohandling, deadlines, grid, roles, workflow
from .errors import Conflict, InvalidMove
from .models import Case, CaseEvent, Category, Community, Department, Dispute, ResponsibilityItem
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
    try:
        grid.check_handling_unit(case, department)
    except ValidationError as exc:
        raise ValidationError({"department": exc.messages}) from exc
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
    # The co-handlers stay (the new lead's own row goes: it leads now); a station's case goes to
    # the grid worker of its building.
    return workflow.transition(
        case,
        Action.REASSIGN,
        by=by,
        public_note=note,
        department=department,
        appointment_at=None,
        grid_worker=grid.worker_for(case, department),
        record=lambda event: cohandling.now_leads(case, department),
    )


# ---------------------------------------------------------------------------------------------
# 派单异议: the department disputes the dispatch; a supervisor rules.


def dispute(case: Case, *, by: Actor, reason: str, item: ResponsibilityItem | None = None) -> Dispute:
    """A handler of the department that has the case says it is not theirs, citing the list entry
    that names another department (or, marked as such, a reason alone). The case waits for a ruling,
    which is due within the ruling's time limit; the resident sees 正在确认责任部门."""
    workflow.check_move(case, Action.DISPUTE, by=by)
    errors: dict[str, list[str]] = {}
    try:
        reason = _reason(reason, _("异议理由"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if item is not None:
        if not item.is_active or item.category_id != case.category_id:
            errors["item"] = [_("所引用的派单目录事项不适用于此诉求的类型。")]
        elif item.department_id == case.department_id:
            errors["item"] = [_("所引用的事项规定由本部门办理,不能作为异议依据。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    department = case.department
    if department is None:  # a dispatched case always has one
        raise InvalidMove(_("此诉求还没有派给任何部门。"))
    due_before = case.due_at
    with stored_language():
        public = _("%(department)s对派单提出异议,正在确认责任部门") % {"department": department.name}
        if item is not None:
            private = _("异议理由:%(reason)s(依据派单目录:%(item)s)") % {"reason": reason, "item": item.text}
        else:
            private = _("异议理由:%(reason)s(未引用派单目录)") % {"reason": reason}
    disputes: list[Dispute] = []
    workflow.transition(
        case,
        Action.DISPUTE,
        by=by,
        public_note=public,
        private_note=private,
        at=now,
        record=lambda event: disputes.append(
            Dispute.objects.create(
                case=case,
                department=department,
                raised_by=workflow.account(by),
                raised_at=now,
                reason=reason,
                item=item,
                due_before=due_before,
            )
        ),
    )
    return disputes[0]


def pending_dispute(case: Case) -> Dispute | None:
    return case.disputes.filter(status=Dispute.Status.PENDING).select_related("item", "department").first()


def pending_disputes() -> QuerySet[Dispute]:
    """Disputes waiting for a ruling, the ones due first first (the supervision page)."""
    return (
        Dispute.objects.filter(
            status=Dispute.Status.PENDING, case__state__in=workflow.TRANSITIONS[Action.RULE].sources
        )
        .select_related("case", "case__category", "case__community", "department", "item", "raised_by")
        .order_by("case__due_at", "raised_at")
    )


def _remaining_deadline(case: Case, disputed: Dispute, now: datetime) -> datetime | None:
    """Upheld: the department gets back the time it had left when it disputed (the wait for the
    ruling is not counted against it), at least one working hour."""
    if disputed.due_before is None:
        return deadlines.stage_due_at(case, "dispatched", now)
    if deadlines.counts_clock_hours(case.category, case.priority):
        left = (disputed.due_before - disputed.raised_at).total_seconds() / 3600
    else:
        left = deadlines.WorkCalendar().working_hours_between(disputed.raised_at, disputed.due_before)
    return deadlines.add_limit(case.category, now, max(left, 1.0), priority=case.priority)


def rule(
    disputed: Dispute,
    *,
    by: Actor,
    upheld: bool,
    note: str,
    department: Department | None = None,
    amend_list: bool = False,
) -> CaseEvent:
    """裁定 a pending dispute. Upheld: the case goes back to the department that disputed it, with
    the ruling's note and the time it had left. Accepted: it goes to `department` (by default the
    one the cited entry names) with a full time limit, and with `amend_list` the list gains an entry
    for the case's category and community naming that department, in force from today.

    Of two rulings at once exactly one is made: the dispute's status is compare-and-swapped in the
    same transaction as the move, and the move itself is a compare-and-swap on the case.
    """
    case = disputed.case
    workflow.check_move(case, Action.RULE, by=by)
    if disputed.status != Dispute.Status.PENDING:
        raise InvalidMove(_("这份派单异议已经裁定过了。"))
    errors: dict[str, list[str]] = {}
    try:
        note = clean_text(note, label=_("裁定意见"), max_length=MAX_REASON)
    except ValidationError as exc:
        errors["note"] = exc.messages
    if not upheld:
        if department is None and disputed.item is not None:
            department = disputed.item.department
        if department is None or not department.is_active:
            errors["department"] = [_("异议成立时,请选择改派的责任部门。")]
        elif department.pk == disputed.department_id:
            errors["department"] = [_("异议成立时,请选择提出异议的部门以外的部门。")]
    elif department is not None and department.pk != disputed.department_id:
        errors["department"] = [_("维持原派单时不能另选部门;要改派请选择“异议成立”。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    target = disputed.department if upheld else department
    assert target is not None
    status = Dispute.Status.UPHELD if upheld else Dispute.Status.ACCEPTED
    with stored_language():
        if upheld:
            public = _("维持原派单,仍由%(department)s办理:%(note)s") % {
                "department": target.name,
                "note": note,
            }
        else:
            public = _("异议成立,改派给%(department)s:%(note)s") % {"department": target.name, "note": note}
    changes: dict = {"department": target, "appointment_at": None}
    if upheld:
        changes["due_at"] = _remaining_deadline(case, disputed, now)
    else:
        try:
            grid.check_handling_unit(case, target)
        except ValidationError as exc:
            raise ValidationError({"department": exc.messages}) from exc
        changes["grid_worker"] = grid.worker_for(case, target)
    with transaction.atomic():
        amended = None
        if not upheld and amend_list:
            amended = ResponsibilityItem.objects.create(
                category=case.category,
                community=case.community,
                department=target,
                text=note,
                effective_from=timezone.localdate(),
            )
        decided = Dispute.objects.filter(pk=disputed.pk, status=Dispute.Status.PENDING).update(
            status=status,
            ruled_by=workflow.account(by),
            ruled_at=now,
            ruling_note=note,
            ruling_department=target,
            amended_item=amended,
        )
        if decided != 1:
            raise Conflict(_("这份派单异议已经裁定过了。"))
        event = workflow.transition(
            case,
            Action.RULE,
            by=by,
            public_note=public,
            at=now,
            record=lambda event: cohandling.now_leads(case, target),
            **changes,
        )
    disputed.refresh_from_db()
    return event


def rule_case(case: Case, **kwargs) -> CaseEvent:
    """rule() on the case's pending dispute (the staff case page's form)."""
    workflow.check_move(case, Action.RULE, by=kwargs.get("by"))
    disputed = pending_dispute(case)
    if disputed is None:
        raise InvalidMove(_("这份派单异议已经裁定过了。"))
    disputed.case = case
    return rule(disputed, **kwargs)


# ---------------------------------------------------------------------------------------------
# Dashboard: dispute and reassignment rates per department.


def department_rates(start: datetime, end: datetime) -> list[dict]:
    """Per department, for the cases submitted in [start, end): how many times it was handed a case
    (dispatch, 改派 to it, an accepted dispute's ruling naming it), how many of those it disputed,
    and how many were moved away from it (改派 away, or its dispute accepted); with both rates."""
    events = CaseEvent.objects.filter(case__submitted_at__gte=start, case__submitted_at__lt=end)
    disputes = Dispute.objects.filter(case__submitted_at__gte=start, case__submitted_at__lt=end)
    received: dict[int, int] = {}
    disputed: dict[int, int] = {}
    moved: dict[int, int] = {}

    def add(target: dict[int, int], rows, key: str) -> None:
        for row in rows:
            if row[key] is not None:
                target[row[key]] = target.get(row[key], 0) + row["n"]

    handed = events.filter(action__in=[Action.DISPATCH, Action.REASSIGN], department__isnull=False)
    add(received, handed.values("department").annotate(n=Count("id")), "department")
    accepted = disputes.filter(status=Dispute.Status.ACCEPTED)
    add(received, accepted.values("ruling_department").annotate(n=Count("id")), "ruling_department")
    add(disputed, disputes.values("department").annotate(n=Count("id")), "department")
    add(moved, accepted.values("department").annotate(n=Count("id")), "department")
    # 改派 away: the department the case had before, i.e. of the latest earlier handing-over event.
    previous = (
        CaseEvent.objects.filter(case=OuterRef("case"), department__isnull=False)
        .filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), id__lt=OuterRef("id")))
        .order_by("-at", "-id")
        .values("department")[:1]
    )
    away = events.filter(action=Action.REASSIGN).annotate(previous=Subquery(previous))
    add(moved, away.values("previous").annotate(n=Count("id")), "previous")
    departments = {
        d.pk: d for d in Department.objects.filter(pk__in=set(received) | set(disputed) | set(moved))
    }
    rows = []
    for pk, department in sorted(departments.items(), key=lambda kv: kv[1].code):
        total = received.get(pk, 0)
        rows.append(
            {
                "department": department,
                "received": total,
                "disputes": disputed.get(pk, 0),
                "moved_away": moved.get(pk, 0),
                "dispute_rate": disputed.get(pk, 0) / total if total else None,
                "reassign_rate": moved.get(pk, 0) / total if total else None,
            }
        )
    return rows


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
