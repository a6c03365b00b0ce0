"""Reads: how often the suggestions were right."""

from dataclasses import dataclass
from datetime import datetime

from .models import Suggestion


@dataclass(frozen=True)
class Accuracy:
    """Of the suggestions made in a period with a category chosen: how many had it first (top-1)
    and among the three shown (top-3); and of those pre-selected, how many were kept."""

    total: int
    top1: int
    top3: int
    preselected: int
    preselected_kept: int

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def top1_rate(self) -> float | None:
        return self._rate(self.top1, self.total)

    @property
    def top3_rate(self) -> float | None:
        return self._rate(self.top3, self.total)

    @property
    def preselected_kept_rate(self) -> float | None:
        return self._rate(self.preselected_kept, self.preselected)


def accuracy(start: datetime, end: datetime) -> Accuracy:
    """Top-1 and top-3 agreement with the final choice, for suggestions made in [start, end).

    Suggestions without a chosen category yet are left out (nothing to compare with). The cost
    grows with the suggestions of the period: one indexed range read of two small columns.
    """
    rows = (
        Suggestion.objects.filter(made_at__gte=start, made_at__lt=end, chosen__isnull=False)
        .values_list("suggested", "chosen__code", "preselected")
        .iterator()
    )
    total = top1 = top3 = preselected = kept = 0
    for suggested, chosen, was_preselected in rows:
        codes = [item.get("code") for item in suggested or [] if isinstance(item, dict)]
        total += 1
        top1 += codes[:1] == [chosen]
        top3 += chosen in codes[:3]
        if was_preselected:
            preselected += 1
            kept += codes[:1] == [chosen]
    return Accuracy(total, top1, top3, preselected, kept)
