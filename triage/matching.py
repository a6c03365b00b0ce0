"""并单: which open cases are likely the same problem as a new report.

A sub-district on a closed intranet has no map to measure distances on, so "the same problem" is
read from what every report has: its community, its detailed address (same building, same unit),
its description (character n-grams, and syllables so that a voice transcript's homophones count) and
the phone it came from, within a time window that depends on the category.

Cost: one query reads the candidates of ONE community, in the stages that can still take a
co-reporter, submitted within the window, newest first and at most MAX_CANDIDATES of them; only
those are compared, in Python. It needs an index on cases_case (community_id, state, submitted_at)
to stay cheap at a million cases (see bench/triage_bench.py and the README).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.models import UNCLOSED_STATES, Attachment, Case, Category, Community

from . import addresses, keywords, text

# A match at or above LIKELY is offered as "the same problem" (to a resident: 关注它 instead of a new
# case). Below it, down to POSSIBLE, intake may still see it beside the case; below POSSIBLE nothing is
# shown. Chosen on the training half of triage/eval/duplicates.jsonl (make eval-triage).
LIKELY = 0.5
POSSIBLE = 0.3

# How long a report stays "the same problem" as a new one, by the candidate's category: a broken
# light is reported for weeks, an outage (停水停电, urgent categories) is over in a day or two, and the
# next one is another outage.
WINDOW = timedelta(days=30)
URGENT_WINDOW = timedelta(days=3)
# The newest candidates compared at most: bounds the cost in a community with a backlog.
MAX_CANDIDATES = 2000

# Which stages can still take a co-reporter: every open one, and completed cases waiting for their
# rating (the rating window): a neighbour who reports the light again two days after the "fix" is
# reporting the same problem, and intake should see that beside the case, not open a second one.
# Closed and rejected cases are never matched.
STATES = UNCLOSED_STATES

# What services.submit_case writes as the description of a voice note alone (in the default
# language): not a description of anything, so never compared; the transcript is, when there is one.
VOICE_ONLY = "(语音留言,请收听录音)"

# How much each kind of evidence adds to a match's score (0–1). Chosen on the training part of
# triage/eval/duplicates.jsonl: the same building with another problem must stay below LIKELY, and
# so must the same problem in another building.
TEXT_WEIGHT = 0.55  # × the text similarity (characters or sound, address mentions left out)
TOPIC_WEIGHT = 0.3  # × the topic: lexicon words both name (电梯 and 店梯), or the same category by them
SAME_UNIT = 0.25
SAME_BUILDING = 0.2
SAME_PLACE = 0.15
OTHER_BUILDING = -0.4
SAME_PHONE = 0.2
SAME_CATEGORY = 0.05
OTHER_CATEGORY = -0.1
# Thresholds for saying why: "描述相似" when the characters are this alike, "读音相似" when only the
# sounds are (a voice transcript, a typo with the right sound).
SIMILAR_TEXT = 0.3
SOUND_MARGIN = 0.15


@dataclass(frozen=True)
class Match:
    case: Case
    score: float
    # Short translated phrases, strongest first: 同一社区, 同一楼栋单元, 描述相似, 读音相似, 同一电话 …
    reasons: list[str] = field(default_factory=list)

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY


@dataclass(frozen=True)
class Report:
    """What is known of a report to compare: the new one, or a case already open."""

    description: str  # without address mentions (the address counts on its own)
    address: addresses.Address
    phone: str
    category_id: int | None
    topic: tuple[keywords.Found, ...]  # the lexicon's words in it

    @classmethod
    def of(
        cls, *, description: str, address: str = "", phone: str = "", category_id=None, lexicon=None
    ) -> "Report":
        described = addresses.strip_mentions(_meaningful(description))
        topic = lexicon.find(described) if lexicon is not None else ()
        return cls(described, addresses.parse(address), _digits(phone), category_id, topic)


def _digits(phone: str | None) -> str:
    """The digits of a phone number, when it has enough of them to name a person (not a desk's
    short extension)."""
    digits = re.sub(r"\D", "", str(phone or ""))
    return digits[-11:] if len(digits) >= 7 else ""


def _meaningful(description: str | None) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ValueError("description must be a string")
    return description.replace(VOICE_ONLY, "").strip()


def window(category: Category | None) -> timedelta:
    return URGENT_WINDOW if category is not None and category.is_urgent else WINDOW


def _top_category(found: tuple[keywords.Found, ...]) -> int | None:
    weights: dict[int, float] = {}
    for f in found:
        weights[f.category_id] = weights.get(f.category_id, 0.0) + f.weight
    return max(weights, key=lambda k: (weights[k], -k)) if weights else None


def topic(a: tuple[keywords.Found, ...], b: tuple[keywords.Found, ...]) -> float:
    """How much two reports name the same thing (0–1): the weight of the lexicon words both
    contain (a strong word like 电梯 alone is enough), or half when their words point to the same
    category without a word in common."""
    shared = {f.word for f in a} & {f.word for f in b}
    weight = sum(max(f.weight for f in a + b if f.word == word) for word in shared)
    value = min(1.0, weight / 2)
    top = _top_category(a)
    if top is not None and top == _top_category(b):
        value = max(value, 0.5)
    return value


# Why a case matched, by key; translated only for the matches returned.
REASONS = {
    "community": gettext_lazy("同一社区"),
    "unit": gettext_lazy("同一楼栋单元"),
    "building": gettext_lazy("同一楼栋"),
    "place": gettext_lazy("同一地点"),
    "text": gettext_lazy("描述相似"),
    "sound": gettext_lazy("读音相似"),
    "phone": gettext_lazy("同一电话"),
}


def score(new: Report, old: Report) -> tuple[float, list[str]]:
    """How likely `old` is the same problem as `new` (0–1), and why (keys of REASONS); both are
    in the same community."""
    reasons = ["community"]
    similarity = text.similarity(new.description, old.description)
    value = TEXT_WEIGHT * similarity.best + TOPIC_WEIGHT * topic(new.topic, old.topic)
    if new.address.same_unit(old.address):
        value += SAME_UNIT
        reasons.append("unit")
    elif new.address.same_building(old.address):
        value += SAME_BUILDING
        reasons.append("building")
    elif new.address.same_place(old.address):
        value += SAME_PLACE
        reasons.append("place")
    elif new.address.other_building(old.address):
        value += OTHER_BUILDING
    if similarity.chars >= SIMILAR_TEXT:
        reasons.append("text")
    # The sounds agree clearly more than the characters: homophones (a transcript, a typo).
    if similarity.sounds >= SIMILAR_TEXT and similarity.sounds >= similarity.chars + SOUND_MARGIN:
        reasons.append("sound")
    if new.phone and new.phone == old.phone:
        value += SAME_PHONE
        reasons.append("phone")
    if new.category_id is not None and old.category_id is not None:
        value += SAME_CATEGORY if new.category_id == old.category_id else OTHER_CATEGORY
    return round(min(max(value, 0.0), 1.0), 3), reasons


def _community(community) -> Community | None:
    """A Community, or the active one with this code; None for anything else."""
    if community is None or isinstance(community, Community):
        return community
    if isinstance(community, str):
        return Community.objects.filter(code=community.strip(), is_active=True).first()
    raise ValueError("community must be a Community or its code")


@dataclass(frozen=True)
class Candidate:
    """An open case as the comparison reads it (plain values: no model instance per candidate)."""

    pk: int
    address: str
    description: str
    phone: str
    category_id: int
    submitted_at: datetime


def candidate_query(community: Community, *, now: datetime, exclude: Iterable[int] = ()):
    """The one query of a match: this community's cases in STATES within the longest window."""
    longest = max(WINDOW, URGENT_WINDOW)
    return (
        Case.objects.filter(community=community, state__in=STATES, submitted_at__gte=now - longest)
        .exclude(pk__in=list(exclude))
        .order_by()  # not Case.Meta's -submitted_at: see candidates()
        .values_list("pk", "address", "description", "phone", "category_id", "submitted_at")
    )


def candidates(community: Community, *, now: datetime, exclude: Iterable[int] = ()) -> list[Candidate]:
    """The cases of `community` that a new report could repeat: in STATES, submitted within their
    category's window, newest first, at most MAX_CANDIDATES.

    The query has no ORDER BY (nor LIMIT) on purpose: with one, SQLite walks the submitted_at index
    through every community's cases of the window; without, it reads only this community's open
    ones from the (community_id, state, submitted_at) index. Their number is bounded by the window
    and the stages, and they are sorted here.
    """
    urgent = set(Category.objects.filter(is_urgent=True).values_list("pk", flat=True))
    rows = candidate_query(community, now=now, exclude=exclude)
    found = [
        Candidate(*row) for row in rows if row[5] >= now - (URGENT_WINDOW if row[4] in urgent else WINDOW)
    ]
    found.sort(key=lambda c: (c.submitted_at, c.pk), reverse=True)
    return found[:MAX_CANDIDATES]


def _transcripts(case_ids: list[int]) -> dict[int, str]:
    """Voice-note transcripts of these cases (one query, only when some are voice notes alone)."""
    if not case_ids:
        return {}
    found: dict[int, str] = {}
    rows = Attachment.objects.filter(
        case_id__in=case_ids, kind=Attachment.Kind.VOICE, transcript__gt=""
    ).values_list("case_id", "transcript")
    for case_id, transcript in rows:
        found[case_id] = (found.get(case_id, "") + " " + transcript).strip()
    return found


def likely_duplicates(
    *,
    description: str,
    community,
    address: str = "",
    phone: str = "",
    category: Category | None = None,
    now: datetime | None = None,
    limit: int = 5,
    min_score: float = LIKELY,
    exclude: Iterable[int] = (),
) -> list[Match]:
    """The open cases of `community` most likely the same problem as this report, best first.

    `description` may be a voice note's transcript. `community` is a Community or its code; with
    none, or an unknown one, there is nothing to compare and the answer is empty, as it is for a
    description with nothing to compare (empty, only emoji). `exclude`: case ids left out (the case
    itself, when intake looks for its duplicates). Only matches scoring at least `min_score` are
    returned: LIKELY for offering "the same problem", POSSIBLE for intake's side-by-side view.
    """
    if limit < 1:
        return []
    if not text.has_meaning(_meaningful(description)):
        return []
    community = _community(community)
    if community is None:
        return []
    lexicon = keywords.current()
    new = Report.of(
        description=description,
        address=address,
        phone=phone,
        category_id=getattr(category, "pk", None),
        lexicon=lexicon,
    )
    now = now or timezone.now()
    found = candidates(community, now=now, exclude=exclude)
    transcripts = _transcripts([c.pk for c in found if not _meaningful(c.description)])
    scored = []
    for candidate in found:
        old = _report(
            transcripts.get(candidate.pk) or candidate.description,
            candidate.address,
            candidate.phone,
            candidate.category_id,
            lexicon,
        )
        value, reasons = score(new, old)
        if value >= min_score:
            scored.append((value, candidate, reasons))
    # Best first; of two as good, the newer (the one a neighbour most likely means).
    scored.sort(key=lambda m: (-m[0], -m[1].submitted_at.timestamp(), -m[1].pk))
    scored = scored[:limit]
    cases = Case.objects.select_related("category", "community").in_bulk([c.pk for _, c, _ in scored])
    return [
        Match(cases[c.pk], value, [str(REASONS[r]) for r in reasons])
        for value, c, reasons in scored
        if c.pk in cases  # (deleted in between: gone)
    ]


@lru_cache(maxsize=16384)
def _report(description: str, address: str, phone: str, category_id: int, lexicon) -> Report:
    """An open case's Report, kept: the same cases are compared with every new report."""
    return Report.of(
        description=description, address=address, phone=phone, category_id=category_id, lexicon=lexicon
    )


def duplicates_of(case: Case, *, limit: int = 5, min_score: float = POSSIBLE) -> list[Match]:
    """The other open cases that may be the same problem as `case`, for intake's case page."""
    description = case.description
    if not _meaningful(description):
        description = _transcripts([case.pk]).get(case.pk, "")
    return likely_duplicates(
        description=description,
        community=case.community,
        address=case.address,
        phone=case.phone,
        category=case.category,
        now=max(case.submitted_at, timezone.now()),
        limit=limit,
        min_score=min_score,
        exclude=[case.pk],
    )
