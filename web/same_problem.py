""" "This is the same problem, follow it" (这是同一件事,关注它): the offer a resident (standard form,
elder mode) or a volunteer (the desk) sees before a new case is made, when an open case is LIKELY
the same problem (triage.matching), and following it as a co-reporter (cases.merging).

What the offer shows of the other case is public: its number, category, community, stage and the
day it was submitted; never the other resident's words, address, name or phone. Following is only
possible for a case the same report was offered (the match is worked out again from what is
posted), so a number alone makes nobody a co-reporter of someone else's case.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from cases import workflow
from cases.models import Case
from triage import matching

# How many offers are shown at most: more would be a list to read, not a question.
MAX_OFFERS = 3
FOLLOW = "same_as"  # the button "这是同一件事,关注它" posts the case number under this name
NOT_SAME = "not_same"  # the button "不是,继续提交"


@dataclass(frozen=True)
class Offer:
    number: str
    category: str
    community: str
    stage: str
    submitted_at: datetime

    @property
    def sentence(self) -> str:
        return _("%(community)s已有人反映过“%(category)s”问题(案号 %(number)s,%(stage)s)") % {
            "community": self.community,
            "category": self.category,
            "number": self.number,
            "stage": self.stage,
        }


def _stage(case: Case) -> str:
    if workflow.is_open(case):
        return _("正在办理")
    return _("已办理完成,等待评价")


def matches(*, description: str, community, address: str = "", phone: str = "", category=None) -> list[Case]:
    """The open cases LIKELY the same problem that can still take a co-reporter, best first."""
    try:
        found = matching.likely_duplicates(
            description=description or "",
            community=community,
            address=address or "",
            phone=phone or "",
            category=category,
            limit=MAX_OFFERS,
        )
    except ValueError:
        return []
    return [m.case for m in found if workflow.can_take_reporters(m.case)]


def offers_for(cases: list[Case]) -> list[Offer]:
    return [
        Offer(
            number=case.number,
            category=case.category.name,
            community=case.community.name,
            stage=_stage(case),
            submitted_at=case.submitted_at,
        )
        for case in cases
    ]


def chosen(cases: list[Case], number: str) -> Case | None:
    """The offered case the resident chose, or None when `number` was not offered."""
    return next((case for case in cases if case.number == (number or "").strip()), None)
