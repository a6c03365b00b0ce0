"""并单 and co-reporters (issue 21): one problem, several residents.

- A **co-reporter** (共同反映人) is a resident who said "this is the same problem, follow it" instead
  of opening a new case (`follow`): a CoReporter row and a CO_REPORT event. They get the case's SMS
  (notify.outbox asks `sms_recipients`) and may rate it (services.rate asks `reporter_phones`).
- **并单** (`merge`): intake handles a case as part of another, its parent. The child goes to the
  state `merged` (not open: the parent carries the work and the time limit), remembers the stage it
  had, and follows the parent from then on: its reporter keeps their own number, whose progress page
  shows the parent's progress; they get the parent's messages and may rate it.
- **拆分** (`unmerge`): a wrong merge is undone with a reason; the child gets its stage back.

Only one level: a parent is never itself merged, and a case others were merged into cannot be
merged elsewhere (merge them into the other case one by one, or split them first); so there are no
chains and no cycles. Knows nothing of HTTP.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import roles, workflow
from .errors import Conflict, InvalidMove
from .models import Case, CaseEvent, Channel, CoReporter
from .roles import Actor
from .services import _user, stored_language
from .validation import MAX_NAME, MAX_REASON, clean_text, mask_phone, normalize_phone
from .workflow import Action

# How often follow() re-reads a case that changed under it (a staff move at the same moment).
FOLLOW_TRIES = 3


def parent_of(case: Case) -> Case:
    """The case that carries the work: the parent of a merged case, else the case itself."""
    if workflow.is_merged(case) and case.merged_into_id is not None:
        return Case.objects.select_related("category", "community", "department").get(pk=case.merged_into_id)
    return case


def merged_children(case: Case) -> list[Case]:
    """The cases merged into `case`, oldest first."""
    return list(case.merged_cases.filter(state=workflow.S.MERGED).order_by("submitted_at", "id"))


@dataclass(frozen=True)
class Recipient:
    phone: str
    # The case number the message should name to this reporter: their own (a merged child's
    # reporter keeps their number) or the one they followed.
    number: str
    case: Case


def recipients(case: Case) -> list[Recipient]:
    """Everyone but the case's own reporter who hears about `case`: its co-reporters, and the
    reporters (and co-reporters) of the cases merged into it; those who opted out are left out."""
    found: list[Recipient] = []
    for co in case.co_reporters.filter(sms_opt_out=False):
        found.append(Recipient(co.phone, case.number, case))
    for child in merged_children(case):
        if not child.sms_opt_out:
            found.append(Recipient(child.phone, child.number, child))
        for co in child.co_reporters.filter(sms_opt_out=False):
            found.append(Recipient(co.phone, child.number, child))
    return found


def reporter_phones(case: Case) -> list[str]:
    """Every phone that reported the problem `case` carries: its own reporter's first, then its
    co-reporters', then those of the cases merged into it (and their co-reporters). Who may rate."""
    phones = [case.phone]
    phones += list(case.co_reporters.values_list("phone", flat=True))
    for child in merged_children(case):
        phones.append(child.phone)
        phones += list(child.co_reporters.values_list("phone", flat=True))
    unique: list[str] = []
    for phone in phones:
        if phone and phone not in unique:
            unique.append(phone)
    return unique


def reporter_count(case: Case) -> int:
    """How many residents reported the problem `case` carries (itself included)."""
    return max(1, len(reporter_phones(case)))


# ---------------------------------------------------------------------------------------------
# 关注: a resident follows a case as a co-reporter.


def _follow_note() -> str:
    with stored_language():
        return _("又有1位居民反映了同一问题")


def follow(
    case: Case, *, phone: str, name: str = "", by: Actor = None, channel: str | None = None
) -> CoReporter:
    """Make the resident with `phone` a co-reporter of `case` (of its parent, if it was merged).

    Following twice is one co-reporter (a double tap, a second visit): the first row is returned.
    The case's own reporter is told they reported it already. The public timeline says only that
    one more resident reported the same problem; the phone (masked) and channel are staff-only.
    """
    by = _user(by)
    errors: dict[str, list[str]] = {}
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    try:
        name = clean_text(name, label=_("姓名"), max_length=MAX_NAME, required=False)
    except ValidationError as exc:
        errors["name"] = exc.messages
    if channel is None:
        staff = by is not None and roles.has_role(by, roles.VOLUNTEER, roles.INTAKE)
        channel = Channel.HELP_DESK if staff else Channel.ONLINE
    if channel not in Channel.values:
        errors["channel"] = [_("渠道无效。")]
    if errors:
        raise ValidationError(errors)
    # The resident's own word, registered by a volunteer or intake for them or not (Action.CO_REPORT).
    registrar = by if by is not None and roles.has_role(by, roles.VOLUNTEER, roles.INTAKE) else None
    with stored_language():
        actor_name = roles.display_name(registrar) if registrar is not None else _("居民")
    for attempt in range(FOLLOW_TRIES):
        target = parent_of(case)
        existing = CoReporter.objects.filter(case=target, phone=phone).first()
        if existing is not None:
            return existing
        if phone == target.phone:
            raise ValidationError({"phone": [_("您就是此诉求的反映人,无需重复关注。")]})
        workflow.check_move(target, Action.CO_REPORT, by=None, as_public=True)
        try:
            return _add(
                target, phone=phone, name=name, channel=channel, registrar=registrar, actor=actor_name
            )
        except IntegrityError:
            # Someone with the same phone followed at the same moment: theirs is the row.
            existing = CoReporter.objects.filter(case=target, phone=phone).first()
            if existing is not None:
                return existing
            raise
        except Conflict:
            if attempt == FOLLOW_TRIES - 1:
                raise
            case = Case.objects.get(pk=case.pk)
    raise Conflict(_("此诉求刚刚已被其他人更新,请刷新页面查看最新进度后再操作。"))


def _add(target: Case, *, phone: str, name: str, channel: str, registrar, actor: str) -> CoReporter:
    """The CO_REPORT move and its CoReporter row, in one transaction."""
    now = timezone.now()
    rows: list[CoReporter] = []
    with stored_language():
        private = _("共同反映人 %(phone)s(%(channel)s)") % {
            "phone": mask_phone(phone),
            "channel": Channel(channel).label,
        }
    with transaction.atomic():
        workflow.transition(
            target,
            Action.CO_REPORT,
            by=None,
            as_public=True,
            actor_name=actor,
            public_note=_follow_note(),
            private_note=private,
            at=now,
            record=lambda event: rows.append(
                CoReporter.objects.create(
                    case=target, phone=phone, name=name, channel=channel, at=now, registered_by=registrar
                )
            ),
        )
    return rows[0]


# ---------------------------------------------------------------------------------------------
# 并单 and 拆分.


def _note(value: str, label: str, *, required: bool) -> str:
    return clean_text(value, label=label, max_length=MAX_REASON, required=required)


def merge(case: Case, *, into: Case | None, by: Actor, note: str = "") -> CaseEvent:
    """并单: handle `case` as part of `into` (the parent) from now on.

    Refused (ValidationError on `into`, nothing changed): no parent, the case itself, a parent that
    is itself merged (merge into its parent instead), a parent no longer open (completed, closed,
    rejected), a case others were merged into (merge those first: no chains, no cycles). Of two
    merges at once exactly one wins (the compare-and-swap on the case's version, and both rows read
    again under a lock inside the transaction).
    """
    workflow.check_move(case, Action.MERGE, by=by)
    errors: dict[str, list[str]] = {}
    try:
        note = _note(note, _("并单说明"), required=False)
    except ValidationError as exc:
        errors["note"] = exc.messages
    if into is None:
        errors["into"] = [_("请填写要合并到的诉求编号。")]
    if errors or into is None:
        raise ValidationError(errors)
    with transaction.atomic():
        # Read both again under a lock (PostgreSQL; SQLite serialises writers anyway), in id order.
        locked = {
            c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[case.pk, into.pk]).order_by("pk")
        }
        fresh_parent = locked.get(into.pk)
        fresh_child = locked.get(case.pk)
        if fresh_child is None or fresh_child.version != case.version:
            raise Conflict(_("此诉求刚刚已被其他人更新,请刷新页面查看最新进度后再操作。"))
        _check_parent(case, fresh_parent or into)
        if Case.objects.filter(merged_into=case, state=workflow.S.MERGED).exists():
            raise ValidationError(
                {
                    "into": [
                        _("已有其他诉求合并到此诉求,不能再把它合并到别的诉求;请改为把其他诉求合并到此诉求。")
                    ]
                }
            )
        parent = fresh_parent or into
        with stored_language():
            public = _("已与诉求%(number)s合并办理") % {"number": parent.number}
            if note:
                public += _(",说明:%(note)s") % {"note": note}
        event = workflow.transition(
            case,
            Action.MERGE,
            by=by,
            public_note=public,
            merged_into=parent,
            merged_from_state=case.state,
        )
        with stored_language():
            parent_note = _("诉求%(number)s已并入此诉求") % {"number": case.number}
        # The parent's staff timeline says it too (its stage stays; one more reporter follows it).
        CaseEvent.objects.create(
            case=parent,
            action=Action.MERGE,
            from_state=parent.state,
            to_state=parent.state,
            at=event.at,
            actor=event.actor,
            actor_name=event.actor_name,
            private_note=parent_note + (f"({note})" if note else ""),
            is_public=False,
        )
    return event


def _check_parent(case: Case, parent: Case) -> None:
    if parent.pk == case.pk:
        raise ValidationError({"into": [_("不能把诉求合并到它自己。")]})
    if workflow.is_merged(parent):
        grand = Case.objects.filter(merged_cases=parent).values_list("number", flat=True).first()
        raise ValidationError(
            {
                "into": [
                    _("诉求%(number)s已合并到诉求%(parent)s,请直接合并到%(parent)s。")
                    % {"number": parent.number, "parent": grand or "—"}
                ]
            }
        )
    if not workflow.is_open(parent):
        raise ValidationError(
            {
                "into": [
                    _("诉求%(number)s当前处于“%(state)s”,只能合并到仍在办理中的诉求。")
                    % {"number": parent.number, "state": workflow.State(parent.state).label}
                ]
            }
        )


def unmerge(case: Case, *, by: Actor, reason: str) -> CaseEvent:
    """拆分: undo a wrong merge, with a reason; the case gets back the stage it had (with that
    stage's full time limit from now) and is handled on its own again."""
    workflow.check_move(case, Action.UNMERGE, by=by)
    try:
        reason = _note(reason, _("拆分原因"), required=True)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc
    parent = Case.objects.filter(merged_cases=case).first()
    with stored_language():
        public = _("已取消与诉求%(number)s的合并,单独办理,原因:%(reason)s") % {
            "number": parent.number if parent else "—",
            "reason": reason,
        }
    with transaction.atomic():
        event = workflow.transition(
            case, Action.UNMERGE, by=by, public_note=public, merged_into=None, merged_from_state=""
        )
        if parent is not None:
            with stored_language():
                parent_note = _("诉求%(number)s已拆分出去,原因:%(reason)s") % {
                    "number": case.number,
                    "reason": reason,
                }
            CaseEvent.objects.create(
                case=parent,
                action=Action.UNMERGE,
                from_state=parent.state,
                to_state=parent.state,
                at=event.at,
                actor=event.actor,
                actor_name=event.actor_name,
                private_note=parent_note,
                is_public=False,
            )
    return event


def merge_refusal(exc: InvalidMove | ValidationError) -> str:
    """One line for a page or an API answer."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)
