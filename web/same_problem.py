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
from triage import addresses, matching

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


@dataclass(frozen=True)
class Matched:
    case: Case
    # In the building the resident named (matching's 同一楼栋 / 同一楼栋单元): the offer may say
    # "竹枝社区3栋", from the resident's own address, never from the other case's.
    building: str


def matches(
    *, description: str, community, address: str = "", phone: str = "", category=None
) -> list[Matched]:
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
    same_place = {str(matching.REASONS["unit"]), str(matching.REASONS["building"])}
    own = addresses.parse(address or "").building
    return [
        Matched(m.case, own.upper() if own and same_place.intersection(m.reasons) else "")
        for m in found
        if workflow.can_take_reporters(m.case)
    ]


def offers_for(found: list[Matched]) -> list[Offer]:
    offers = []
    for match in found:
        place = match.case.community.name
        if match.building:
            place += _("%(n)s栋") % {"n": match.building}
        offers.append(
            Offer(
                number=match.case.number,
                category=match.case.category.name,
                community=place,
                stage=_stage(match.case),
                submitted_at=match.case.submitted_at,
            )
        )
    return offers


def chosen(found: list[Matched], number: str) -> Case | None:
    """The offered case the resident chose, or None when `number` was not offered."""
    return next((m.case for m in found if m.case.number == (number or "").strip()), None)
