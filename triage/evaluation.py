"""Measuring triage on the hand-written set in triage/eval (see its README): category accuracy on
the held-out third, and duplicate precision and recall at matching.LIKELY. `make eval-triage` runs
it on a fresh database; every row it writes is rolled back by the command."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from cases.models import Case, Category, Community, State

from . import matching, suggest

EVAL_DIR = Path(__file__).resolve().parent / "eval"


def held_out(item_id: str) -> bool:
    """A third of the items, by a hash of the id: the same split on every machine and every run."""
    return int(hashlib.sha256(item_id.encode()).hexdigest()[:8], 16) % 3 == 0


def _read(name: str) -> list[dict]:
    lines = (EVAL_DIR / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def descriptions() -> list[dict]:
    return _read("descriptions.jsonl")


def pairs() -> list[dict]:
    return _read("duplicates.jsonl")


def split(items: list[dict]) -> tuple[list[dict], list[dict]]:
    """(training part, held-out part)."""
    return [i for i in items if not held_out(i["id"])], [i for i in items if held_out(i["id"])]


@dataclass(frozen=True)
class CategoryScore:
    total: int
    top1: int
    top3: int
    confident: int  # suggestions whose first score reached suggest.CONFIDENT (would be pre-selected)
    confident_right: int
    empty: int  # nothing suggested at all

    def line(self) -> str:
        def rate(a, b):
            return f"{a / b:.3f}" if b else "-"

        return (
            f"top-1 {rate(self.top1, self.total)} ({self.top1}/{self.total}), "
            f"top-3 {rate(self.top3, self.total)} ({self.top3}/{self.total}); "
            f"pre-selected {self.confident} of which right {rate(self.confident_right, self.confident)}; "
            f"nothing suggested {self.empty}"
        )


def category_score(items: list[dict], *, misses: list | None = None) -> CategoryScore:
    top1 = top3 = confident = confident_right = empty = 0
    for item in items:
        found = suggest.suggest_categories(item["text"])
        codes = [s.category.code for s in found]
        top1 += codes[:1] == [item["category"]]
        top3 += item["category"] in codes[:3]
        empty += not found
        if suggest.preselect(found) is not None:
            confident += 1
            confident_right += codes[0] == item["category"]
        if misses is not None and codes[:1] != [item["category"]]:
            misses.append((item, found))
    return CategoryScore(len(items), top1, top3, confident, confident_right, empty)


_counter = 0


def _case(*, community: str, address: str, text: str, category: str, phone: str, state: str, at: datetime):
    """A case row for the evaluation (rolled back afterwards), in `state` as if it got there."""
    global _counter
    _counter += 1
    return Case.objects.create(
        number=f"EVAL-{_counter:07d}",
        state=state,
        category=Category.objects.get(code=category),
        community=Community.objects.get(code=community),
        address=address,
        description=text,
        name="评测",
        phone=phone or f"1990000{_counter:04d}",
        submitted_at=at,
        updated_at=at,
    )


def write_closed_cases(items: list[dict], *, now: datetime | None = None) -> int:
    """The labelled descriptions as closed cases, for training on them."""
    now = now or timezone.now()
    for n, item in enumerate(items):
        _case(
            community="zhuzhi",
            address="",
            text=item["text"],
            category=item["category"],
            phone="",
            state=State.CLOSED,
            at=now - timedelta(days=40, minutes=n),
        )
    return len(items)


def write_open_cases(all_pairs: list[dict], *, now: datetime) -> dict[str, Case]:
    """Every pair's existing case, open (accepted) two days ago: all of them at once, so each new
    report is compared with the whole community's open cases, not only its own pair's."""
    made = {}
    for n, pair in enumerate(all_pairs):
        existing = pair["existing"]
        if "ref" in existing:
            continue
        made[pair["id"]] = _case(
            community=existing["community"],
            address=existing["address"],
            text=existing["text"],
            category=existing["category"],
            phone=existing.get("phone", ""),
            state=State.ACCEPTED,
            at=now - timedelta(days=2, minutes=n),
        )
    return made


@dataclass(frozen=True)
class DuplicateScore:
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int
    strays: int  # other cases (not the pair's) offered as likely for a pair's new report

    @property
    def precision(self) -> float | None:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else None

    @property
    def recall(self) -> float | None:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else None

    def line(self) -> str:
        def show(v):
            return "-" if v is None else f"{v:.3f}"

        return (
            f"precision {show(self.precision)}, recall {show(self.recall)} "
            f"(TP {self.true_positive}, FP {self.false_positive}, FN {self.false_negative}, "
            f"TN {self.true_negative}); other cases offered as likely: {self.strays}"
        )


def duplicate_score(
    items: list[dict],
    cases: dict[str, Case],
    *,
    now: datetime,
    threshold: float = matching.LIKELY,
    errors=None,
) -> DuplicateScore:
    """Pair by pair: is the pair's existing case offered as likely (score ≥ threshold) for its new
    report? For a duplicate that is a true positive, for a near-miss a false positive. Any other
    case offered is counted as a stray (the set has no labels for those pairs)."""
    tp = fp = fn = tn = strays = 0
    for pair in items:
        existing = pair["existing"]
        target = cases[existing.get("ref", pair["id"])]
        new = pair["new"]
        found = matching.likely_duplicates(
            description=new["text"],
            community=new["community"],
            address=new["address"],
            phone=new.get("phone", ""),
            now=now,
            limit=10,
            min_score=threshold,
        )
        hit = any(m.case.pk == target.pk for m in found)
        strays += sum(1 for m in found if m.case.pk != target.pk)
        if pair["duplicate"]:
            tp += hit
            fn += not hit
        else:
            fp += hit
            tn += not hit
        if errors is not None and hit != pair["duplicate"]:
            errors.append((pair, found))
    return DuplicateScore(tp, fp, fn, tn, strays)
