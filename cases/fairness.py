"""不合理诉求 and fair figures (issue 24): intake marks a case unreasonable (a reason from the list kept
as data) or a duplicate of another case; a supervisor other than the one who marked it signs the mark
off or declines it. A signed-off case leaves the departments' on-time, resolution and satisfaction
rates (Case.excluded_from_rates, read by stats.facts) and is counted on its own line.

Every mark and decision is a staff-only event of the workflow (MARK_UNREASONABLE, SIGN_OFF,
DECLINE_SIGN_OFF); the stage never changes. Knows nothing of HTTP.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import security_log, workflow
from .errors import Conflict, InvalidMove, NotAllowed
from .models import Case, CaseEvent, UnreasonableMark, UnreasonableReason
from .roles import Actor
from .services import stored_language
from .validation import MAX_REASON, clean_text
from .workflow import Action

Kind = UnreasonableMark.Kind
Status = UnreasonableMark.Status


def pending_mark(case: Case) -> UnreasonableMark | None:
    return (
        case.unreasonable_marks.filter(status=Status.PENDING)
        .select_related("reason", "duplicate_of", "marked_by")
        .first()
    )


def latest_mark(case: Case) -> UnreasonableMark | None:
    return (
        case.unreasonable_marks.select_related("reason", "duplicate_of", "marked_by", "decided_by")
        .order_by("-marked_at", "-id")
        .first()
    )


def pending_marks() -> QuerySet[UnreasonableMark]:
    """Marks waiting for a supervisor's sign-off, oldest first (the supervision page)."""
    return UnreasonableMark.objects.filter(status=Status.PENDING).select_related(
        "case", "case__category", "case__department", "reason", "duplicate_of", "marked_by"
    )


def _note(note: str, *, required: bool, label: str) -> str:
    try:
        return clean_text(note, label=label, max_length=MAX_REASON, required=required)
    except ValidationError as exc:
        raise ValidationError({"note": exc.messages}) from exc


def mark(
    case: Case,
    *,
    by: Actor,
    kind: str,
    reason: UnreasonableReason | None = None,
    duplicate_of: str = "",
    note: str = "",
) -> UnreasonableMark:
    """Mark `case` unreasonable (with a reason from the list) or a duplicate (of the case numbered
    `duplicate_of`). Refused while a mark waits for sign-off or after one was signed off."""
    workflow.check_move(case, Action.MARK_UNREASONABLE, by=by)
    errors: dict[str, list[str]] = {}
    original: Case | None = None
    if kind not in Kind.values:
        errors["kind"] = [_("请选择标记类型:不合理诉求或重复诉求。")]
    elif kind == Kind.UNREASONABLE:
        if reason is None or not reason.is_active:
            errors["reason"] = [_("请从列表中选择不合理诉求的原因。")]
    else:
        number = (duplicate_of or "").strip()
        if not number:
            errors["duplicate_of"] = [_("请填写与之重复的诉求编号。")]
        elif number == case.number:
            errors["duplicate_of"] = [_("诉求不能与自己重复,请填写另一件诉求的编号。")]
        else:
            original = Case.objects.filter(number=number).first()
            if original is None:
                errors["duplicate_of"] = [_("没有编号为“%(number)s”的诉求。") % {"number": number[:20]}]
        reason = None
    try:
        note = _note(note, required=False, label=_("说明"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if case.excluded_from_rates:
        raise InvalidMove(_("此诉求已确认为不合理诉求,不能再次标记。"))
    if pending_mark(case) is not None:
        raise InvalidMove(_("此诉求已有待确认的不合理诉求标记。"))
    now = timezone.now()
    with stored_language():
        if kind == Kind.UNREASONABLE:
            assert reason is not None
            private = _("标记为不合理诉求:%(reason)s") % {"reason": reason.name}
        else:
            assert original is not None
            private = _("标记为重复诉求,与诉求%(number)s重复") % {"number": original.number}
        if note:
            private += _("。说明:%(note)s") % {"note": note}
    made: list[UnreasonableMark] = []
    try:
        workflow.transition(
            case,
            Action.MARK_UNREASONABLE,
            by=by,
            is_public=False,
            private_note=private,
            at=now,
            record=lambda event: made.append(
                UnreasonableMark.objects.create(
                    case=case,
                    kind=kind,
                    reason=reason,
                    duplicate_of=original,
                    note=note,
                    marked_by=workflow.account(by),
                    marked_at=now,
                )
            ),
        )
    except IntegrityError:
        # Two marks at once: the database keeps one pending mark per case.
        raise Conflict(_("此诉求刚刚已被其他人标记,请刷新页面查看。")) from None
    return made[0]


def _decide(
    case: Case, *, by: Actor, action: str, status: str, note: str, note_required: bool
) -> UnreasonableMark:
    workflow.check_move(case, action, by=by)
    pending = pending_mark(case)
    if pending is None:
        raise InvalidMove(_("此诉求没有待确认的不合理诉求标记(可能刚刚已被确认或不确认)。"))
    account = workflow.account(by)
    if pending.marked_by_id == account.pk:
        security_log.refused(by, str(action), f"case {case.number}", "own unreasonable mark")
        raise NotAllowed(_("不能确认自己作出的不合理诉求标记,请由另一位督办领导确认。"))
    note = _note(note, required=note_required, label=_("确认意见") if note_required else _("意见"))
    now = timezone.now()
    with stored_language():
        what = (
            pending.reason.name
            if pending.reason
            else _("与诉求%(number)s重复")
            % {"number": pending.duplicate_of.number if pending.duplicate_of else "—"}
        )
        if status == Status.SIGNED_OFF:
            private = _("确认不合理诉求(%(what)s),不计入部门考核") % {"what": what}
        else:
            private = _("不确认不合理诉求(%(what)s),照常计入部门考核") % {"what": what}
        if note:
            private += _("。意见:%(note)s") % {"note": note}
    changes: dict[str, Any] = {"excluded_from_rates": True} if status == Status.SIGNED_OFF else {}
    with transaction.atomic():
        decided = UnreasonableMark.objects.filter(pk=pending.pk, status=Status.PENDING).update(
            status=status, decided_by=account, decided_at=now, decision_note=note
        )
        if decided != 1:
            raise Conflict(_("这个不合理诉求标记刚刚已被其他人处理,请刷新页面查看。"))
        workflow.transition(case, action, by=by, is_public=False, private_note=private, at=now, **changes)
    pending.refresh_from_db()
    return pending


def sign_off(case: Case, *, by: Actor, note: str = "") -> UnreasonableMark:
    """A supervisor (not the one who marked it) confirms the pending mark: the case leaves the
    departments' on-time, resolution and satisfaction rates."""
    return _decide(
        case, by=by, action=Action.SIGN_OFF, status=Status.SIGNED_OFF, note=note, note_required=False
    )


def decline(case: Case, *, by: Actor, note: str) -> UnreasonableMark:
    """A supervisor declines the pending mark (with a reason): the case counts as any other."""
    return _decide(
        case, by=by, action=Action.DECLINE_SIGN_OFF, status=Status.DECLINED, note=note, note_required=True
    )


def events_of(case: Case) -> QuerySet[CaseEvent]:
    return case.events.filter(
        action__in=[Action.MARK_UNREASONABLE, Action.SIGN_OFF, Action.DECLINE_SIGN_OFF]
    ).order_by("at", "id")
