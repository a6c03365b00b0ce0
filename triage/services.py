"""Writes: storing each suggestion beside the category finally chosen."""

from datetime import datetime

from django.utils import timezone

from cases.models import Case, Category

from .models import Suggestion
from .suggest import CONFIDENT, CategorySuggestion


def record_suggestion(
    *,
    suggestions: list[CategorySuggestion],
    case: Case | None = None,
    chosen: Category | None = None,
    by=None,
    at: datetime | None = None,
) -> Suggestion:
    """Store what was suggested (codes and scores, best first) and, when known, what was chosen.

    The submission service calls it with the case it created and the category the form sent; a
    screen that suggests before the case exists calls it without a case and links it later with
    record_choice(). An empty list is stored too: "nothing suggested" counts against accuracy.
    """
    at = at or timezone.now()
    by = by if by is not None and by.is_authenticated else None
    return Suggestion.objects.create(
        case=case,
        made_at=at,
        suggested=[{"code": s.category.code, "score": s.score} for s in suggestions],
        preselected=bool(suggestions) and suggestions[0].score >= CONFIDENT,
        model_id=suggestions[0].model_id if suggestions else None,
        chosen=chosen,
        chosen_by=by if chosen is not None else None,
        chosen_at=at if chosen is not None else None,
    )


def record_choice(
    suggestion: Suggestion,
    *,
    category: Category,
    by=None,
    case: Case | None = None,
    at: datetime | None = None,
) -> Suggestion:
    """Set the category finally chosen (the resident's, or intake's correction at acceptance) and
    the case, when it exists now."""
    suggestion.chosen = category
    suggestion.chosen_by = by if by is not None and by.is_authenticated else None
    suggestion.chosen_at = at or timezone.now()
    fields = ["chosen", "chosen_by", "chosen_at"]
    if case is not None:
        suggestion.case = case
        fields.append("case")
    suggestion.save(update_fields=fields)
    return suggestion
