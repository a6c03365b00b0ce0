"""Writes of the knowledge base: keeping entries, and answering a question from one, to a case
(the ANSWER move) or at the desk without a case."""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import roles, security_log, workflow
from cases.errors import Conflict, NotAllowed
from cases.helpdesk import desks_of
from cases.models import Case, CaseEvent, Category, RequestType
from cases.roles import Actor
from cases.validation import clean_text, normalize_phone
from cases.workflow import Action
from notify import outbox
from notify.models import Channel

from . import selectors
from .models import MAX_ALIASES, MAX_ANSWER, MAX_QUESTION, MAX_SOURCE, Answer, Entry

# An SMS answer is cut here (about five concatenated messages); the rest is on the printed page.
MAX_ANSWER_IN_SMS = 300


def _field(errors: dict, name: str, value: str, *, label: str, max_length: int, required: bool = True) -> str:
    try:
        return clean_text(value, label=label, max_length=max_length, required=required)
    except ValidationError as exc:
        errors[name] = exc.messages
        return ""


def save_entry(
    *,
    by: Actor,
    entry: Entry | None = None,
    question: str,
    answer: str,
    aliases: str = "",
    source: str,
    review_by: date | None,
    category: Category | None = None,
    keeper=None,
    status: str = Entry.Status.DRAFT,
    seen_updated_at: datetime | None = None,
) -> Entry:
    """Create or change an entry; ValidationError (by field) changes nothing.

    `seen_updated_at` is the entry's `updated_at` as the editor's form showed it: if someone saved
    the entry since, Conflict is raised and nothing is overwritten.
    """
    if not selectors.may_edit(by):
        security_log.refused(
            by, "edit knowledge entry", f"entry {entry.pk if entry else 'new'}", "role may not edit"
        )
        raise NotAllowed(_("您没有权限编辑知识库。"))
    errors: dict[str, list[str]] = {}
    question = _field(errors, "question", question, label=_("问题"), max_length=MAX_QUESTION)
    answer = _field(errors, "answer", answer, label=_("答复"), max_length=MAX_ANSWER)
    aliases = _field(
        errors, "aliases", aliases, label=_("其他问法和关键词"), max_length=MAX_ALIASES, required=False
    )
    source = _field(errors, "source", source, label=_("依据或来源"), max_length=MAX_SOURCE)
    if review_by is None:
        errors["review_by"] = [_("请填写复核日期。")]
    if status not in Entry.Status.values:
        errors["status"] = [_("请选择草稿或已发布。")]
    if keeper is not None and not selectors.may_edit(keeper):
        errors["keeper"] = [_("维护人须是受理员或督办领导。")]
    same = Entry.objects.filter(question=question)
    if entry is not None:
        same = same.exclude(pk=entry.pk)
    if question and same.exists():
        errors["question"] = [_("已经有一条问题相同的条目,请直接修改那一条。")]
    if errors or review_by is None:
        raise ValidationError(errors)
    now = timezone.now()
    account = workflow.account(by)
    try:
        with transaction.atomic():
            if entry is None:
                entry = Entry(created_at=now, keeper=keeper or account)
            else:
                entry = Entry.objects.select_for_update().get(pk=entry.pk)
                if seen_updated_at is not None and entry.updated_at != seen_updated_at:
                    raise Conflict(_("此条目刚刚已被其他人修改,请重新打开后再编辑。"))
                entry.keeper = keeper or entry.keeper
            entry.question, entry.answer, entry.aliases, entry.source = question, answer, aliases, source
            entry.review_by = review_by
            entry.category = category
            entry.status = status
            entry.updated_at, entry.updated_by = now, account
            entry.save()
    except IntegrityError:
        # Saved a moment ago by a double click or a colleague: the unique question says so.
        raise ValidationError({"question": [_("已经有一条问题相同的条目,请直接修改那一条。")]}) from None
    return entry


def _answer_entry(entry: Entry | int | None) -> Entry:
    """A published entry to answer from; a draft or a missing id is refused by field."""
    pk = entry.pk if isinstance(entry, Entry) else entry
    found = Entry.objects.filter(pk=pk, status=Entry.Status.PUBLISHED).first() if pk else None
    if found is None:
        raise ValidationError({"entry": [_("请选择一条已发布的知识库条目。")]})
    return found


def _answer_text(text: str | None, entry: Entry) -> str:
    if text is None:
        text = entry.answer
    try:
        return clean_text(text, label=_("答复内容"), max_length=MAX_ANSWER)
    except ValidationError as exc:
        raise ValidationError({"text": exc.messages}) from exc


def answer_case(case: Case, *, by: Actor, entry: Entry | int | None, text: str | None = None) -> CaseEvent:
    """答复: a question (咨询) answered from an entry and closed at once, no dispatch.

    The answer's text (the entry's, or as edited) is the event's public note: the progress page
    says 已答复 with it, and the resident gets it by SMS (notify.outbox, in the same transaction).
    Of two answers at once exactly one wins (the workflow's compare-and-swap); the other changes nothing.
    """
    workflow.check_move(case, Action.ANSWER, by=by)
    errors: dict[str, list[str]] = {}
    found = None
    try:
        found = _answer_entry(entry)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if found is not None or text is not None:
        try:
            text = _answer_text(text, found or Entry())
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors or found is None or text is None:
        raise ValidationError(errors)
    account = workflow.account(by)
    now = timezone.now()
    desk = case.desk if case.desk_id and roles.has_role(account, roles.VOLUNTEER) else None
    return workflow.transition(
        case,
        Action.ANSWER,
        by=by,
        public_note=text,
        private_note=_("知识库条目:%(question)s") % {"question": found.question},
        at=now,
        request_type=RequestType.ENQUIRY,
        record=lambda event: Answer.objects.create(
            entry=found, case=case, event=event, text=text, via=Answer.Via.CASE, desk=desk, by=account, at=now
        ),
    )


def _sms_number(phone: str) -> str:
    try:
        number = normalize_phone(phone or "")
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    if not outbox.mobile(number):
        raise ValidationError({"phone": [_("请填写居民的11位手机号码,短信只能发到手机。")]})
    return number


def sms_text(entry: Entry, text: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        body = text if len(text) <= MAX_ANSWER_IN_SMS else text[: MAX_ANSWER_IN_SMS - 1] + "…"
        return _("%(prefix)s您咨询的“%(question)s”:%(answer)s(依据:%(source)s)") % {
            "prefix": outbox._prefix(),
            "question": entry.question,
            "answer": body,
            "source": entry.source,
        }


def answer_at_desk(
    *, by: Actor, entry: Entry | int | None, text: str | None = None, phone: str = "", sms: bool
) -> Answer:
    """A question answered at the desk (or by intake on the phone) without opening a case: sent by
    SMS to the number given, or printed. Counted as an answer from the base; the phone is not kept
    here (the outbox row has it until it is sent)."""
    if not roles.has_role(by, roles.VOLUNTEER, roles.INTAKE):
        security_log.refused(by, "answer at the desk", "knowledge", "role may not answer residents")
        raise NotAllowed(_("只有代办岗志愿者和受理员可以答复居民的咨询。"))
    errors: dict[str, list[str]] = {}
    found = None
    try:
        found = _answer_entry(entry)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    number = ""
    if sms:
        try:
            number = _sms_number(phone)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if found is not None:
        try:
            text = _answer_text(text, found)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors or found is None or text is None:
        raise ValidationError(errors)
    account = workflow.account(by)
    desks = list(desks_of(account))
    with transaction.atomic():
        answer = Answer.objects.create(
            entry=found,
            text=text,
            via=Answer.Via.DESK_SMS if sms else Answer.Via.DESK_PRINT,
            desk=desks[0] if desks else None,
            sms=sms,
            by=account,
            at=timezone.now(),
        )
        if sms:
            outbox.queue(
                key=f"knowledge-answer:{answer.pk}",
                channel=Channel.SMS,
                recipient=number,
                text=sms_text(found, text),
            )
    return answer
