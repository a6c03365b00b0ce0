"""诉求性质 and 紧急程度 (issue 24): what a request is and how urgent, suggested from its category and
words, set by intake. Knows nothing of HTTP.

The suggestion is only shown to intake, never applied by itself: a resident's words are a hint, the
officer decides. Setting them is the workflow's CLASSIFY move (staff-only); the deadline of the stage
the case is in follows the new priority, counted from when that stage began.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from . import deadlines, workflow
from .models import PRIORITY_ORDER, Case, CaseEvent, Category, Priority, RequestType
from .roles import Actor
from .services import stored_language
from .validation import MAX_REASON, clean_text
from .workflow import Action

# Words that make a case 应急: danger to people or property now.
URGENT_WORDS = (
    "漏水",
    "爆管",
    "水管爆",
    "燃气",
    "煤气",
    "天然气",
    "停电",
    "断电",
    "停水",
    "困在电梯",
    "被困",
    "困人",
    "着火",
    "火灾",
    "冒烟",
    "触电",
    "漏电",
    "坍塌",
    "塌了",
    "掉下来",
)
# Words that make a case 重点: an elderly or vulnerable resident, or many households.
HIGH_WORDS = ("独居", "老人", "残疾", "孕妇", "整栋", "整个小区", "多户", "反复")
SUGGESTION_WORDS = ("建议", "希望", "能不能", "能否", "可不可以", "最好")
ENQUIRY_WORDS = ("怎么", "如何", "哪里", "在哪", "什么时候", "多少钱", "是否可以", "请问", "咨询")
COMPLAINT_WORDS = ("投诉", "举报", "态度", "扰民", "噪音", "乱收费", "不作为")
_QUESTION = re.compile(r"(吗|呢)?[??]\s*$|吗\s*$")


@dataclass(frozen=True)
class Suggestion:
    request_type: str
    priority: str
    # The words (or the category) the suggestion rests on, shown to intake beside it.
    because: tuple[str, ...]

    @property
    def request_type_label(self) -> str:
        return str(RequestType(self.request_type).label)

    @property
    def priority_label(self) -> str:
        return str(Priority(self.priority).label)


def _found(words: tuple[str, ...], text: str) -> list[str]:
    return [word for word in words if word in text]


def suggest(category: Category | None, description: str) -> Suggestion:
    """The type and priority the category and the resident's words suggest."""
    text = description or ""
    because: list[str] = []
    urgent = _found(URGENT_WORDS, text)
    if urgent:
        priority = Priority.URGENT
        because += urgent
    elif category is not None and category.is_urgent:
        priority = Priority.URGENT
        because.append(category.name)
    else:
        high = _found(HIGH_WORDS, text)
        priority = Priority.HIGH if high else Priority.NORMAL
        because += high
    complaint, suggestion, enquiry = (
        _found(COMPLAINT_WORDS, text),
        _found(SUGGESTION_WORDS, text),
        _found(ENQUIRY_WORDS, text),
    )
    if complaint:
        request_type = RequestType.COMPLAINT
        because += complaint
    elif suggestion:
        request_type = RequestType.SUGGESTION
        because += suggestion
    elif enquiry or _QUESTION.search(text):
        request_type = RequestType.ENQUIRY
        because += enquiry or ["?"]
    else:
        request_type = RequestType.HELP
    return Suggestion(str(request_type), str(priority), tuple(dict.fromkeys(because)))


def suggestion_for(case: Case) -> Suggestion:
    return suggest(case.category, case.description)


def check_may_classify(case: Case, *, by: Actor) -> None:
    """Raise unless `by` may set the case's type and priority now (who may see the suggestion)."""
    workflow.check_move(case, Action.CLASSIFY, by=by)


def _stage_started_at(case: Case) -> datetime | None:
    """When the case's running time limit began: the latest move into its stage. On-site handling
    runs under the dispatch's limit, so for it the latest dispatch, 改派, ruling or 重办."""
    field = deadlines.STAGE_LIMITS.get(case.state)
    sharing = [state for state, limit in deadlines.STAGE_LIMITS.items() if limit == field]
    event = (
        CaseEvent.objects.filter(case_id=case.pk, to_state__in=sharing)
        .filter(~Q(from_state__in=sharing) | Q(action=Action.REASSIGN))
        .order_by("-at", "-id")
        .first()
    )
    return event.at if event is not None else None


def _due_at(case: Case, priority: str) -> datetime | None:
    """The running stage's deadline at `priority`, from when the stage began; the ruling on a
    dispute keeps its own."""
    field = deadlines.STAGE_LIMITS.get(case.state)
    if deadlines.running_due_at(case) is None or field == deadlines.RULING_LIMIT:
        return case.due_at
    started = _stage_started_at(case)
    if started is None:
        return case.due_at
    hours = deadlines.limit_hours(case.category, case.state, priority)
    if hours is None:
        return case.due_at
    return deadlines.add_limit(case.category, started, hours, priority=priority)


def _choice(value: str, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [message]})
    return value


def classify(case: Case, *, by: Actor, request_type: str, priority: str, note: str = "") -> CaseEvent:
    """Set the case's 诉求性质 and 紧急程度 (intake). The running stage's deadline follows the new
    priority, counted from when the stage began (an 应急 case is due sooner; in clock hours).
    Refuses an unknown type or priority, and a change that changes nothing."""
    workflow.check_move(case, Action.CLASSIFY, by=by)
    errors: dict[str, list[str]] = {}
    for field, value, choices, message in (
        ("request_type", request_type, RequestType, _("请选择诉求性质:投诉、求助、咨询或建议。")),
        ("priority", priority, Priority, _("请选择紧急程度:应急、重点或常规。")),
    ):
        try:
            _choice(value, choices, field, message)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        note = clean_text(note, label=_("说明"), max_length=MAX_REASON, required=False)
    except ValidationError as exc:
        errors["note"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if request_type == case.request_type and priority == case.priority:
        raise ValidationError({"priority": [_("诉求性质和紧急程度都没有变化。")]})
    due_at = _due_at(case, priority)
    with stored_language():
        private = _("诉求性质:%(old_type)s → %(type)s;紧急程度:%(old_priority)s → %(priority)s") % {
            "old_type": RequestType(case.request_type).label,
            "type": RequestType(request_type).label,
            "old_priority": Priority(case.priority).label,
            "priority": Priority(priority).label,
        }
        if note:
            private += _("。说明:%(note)s") % {"note": note}
    return workflow.transition(
        case,
        Action.CLASSIFY,
        by=by,
        is_public=False,
        private_note=private,
        request_type=request_type,
        priority=priority,
        priority_rank=PRIORITY_ORDER.index(Priority(priority)),
        due_at=due_at,
    )
