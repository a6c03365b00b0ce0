"""Reads of the knowledge base: search for each audience, the staff list, the templates a form
offers, and the dashboard's counts."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cases import roles
from cases.models import Category

from . import search
from .models import Answer, Entry, ReplyTemplate


def may_edit(user) -> bool:
    """Intake officers and supervisors keep the knowledge base (and the admin's superusers)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser) or roles.has_role(user, roles.INTAKE, roles.SUPERVISOR)


def may_use(user) -> bool:
    """Staff who answer from the base or look things up in it: every staff role (grid workers
    too, asked in the street) and volunteers."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser) or roles.has_role(
        user, roles.INTAKE, roles.SUPERVISOR, roles.HANDLER, roles.GRID_WORKER, roles.VOLUNTEER
    )


def visible_entries(user) -> QuerySet[Entry]:
    """Published entries for everyone; drafts too for the people who keep the base."""
    qs = Entry.objects.select_related("category", "keeper")
    return qs if may_edit(user) else qs.filter(status=Entry.Status.PUBLISHED)


def published() -> QuerySet[Entry]:
    return Entry.objects.select_related("category").filter(status=Entry.Status.PUBLISHED)


def entry_for(user, pk) -> Entry | None:
    """The entry `user` may see with this id, else None (a draft does not exist for the public)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return visible_entries(user).filter(pk=pk).first()


def find(
    user,
    query: str = "",
    *,
    category: Category | None = None,
    overdue: bool = False,
    status: str = "",
    limit: int | None = None,
) -> list[Entry]:
    """Entries `user` may see, best match first for a query, else by question; each result has a
    `score` (None without a query)."""
    qs = visible_entries(user)
    if category is not None:
        qs = qs.filter(category=category)
    if overdue:
        qs = qs.filter(review_by__lt=timezone.localdate())
    if status:
        qs = qs.filter(status=status)
    entries = list(qs)
    if (query or "").strip():
        hits = search.rank(query, entries)
        results = []
        for hit in hits:
            hit.entry.score = hit.score  # type: ignore[attr-defined]
            results.append(hit.entry)
    else:
        results = entries
        for entry in results:
            entry.score = None  # type: ignore[attr-defined]
    return results[:limit] if limit else results


def templates_for(use: str, category: Category | int | None = None) -> list[ReplyTemplate]:
    """The active templates for a move: the category's own first, then those for every category."""
    category_id = category.pk if isinstance(category, Category) else category
    qs = ReplyTemplate.objects.filter(is_active=True, use=use).select_related("category")
    if category_id:
        qs = qs.filter(Q(category_id=category_id) | Q(category__isnull=True))
    else:
        qs = qs.filter(category__isnull=True)
    return sorted(qs, key=lambda t: (t.category_id is None, t.sort, t.pk))


@dataclass(frozen=True)
class Counts:
    answers: int  # answers given from the base in the period, to cases and at the desk
    answers_to_cases: int
    answers_at_desk: int
    entries_updated: int  # entries created or changed in the period
    entries_overdue: int  # published entries past their review date now


def period_counts(start: datetime, end: datetime) -> Counts:
    """The dashboard's knowledge-base figures for [start, end), in two queries."""
    answers = Answer.objects.filter(at__gte=start, at__lt=end).aggregate(
        total=Count("id"), to_cases=Count("id", filter=Q(via=Answer.Via.CASE))
    )
    entries = Entry.objects.aggregate(
        updated=Count("id", filter=Q(updated_at__gte=start, updated_at__lt=end)),
        overdue=Count("id", filter=Q(status=Entry.Status.PUBLISHED, review_by__lt=timezone.localdate())),
    )
    return Counts(
        answers=answers["total"],
        answers_to_cases=answers["to_cases"],
        answers_at_desk=answers["total"] - answers["to_cases"],
        entries_updated=entries["updated"],
        entries_overdue=entries["overdue"],
    )


def template_for(pk, *, use: str, category_id: int | None) -> ReplyTemplate | None:
    """An active template of this use that applies to the category (its own or every category's)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    template = ReplyTemplate.objects.filter(pk=pk, use=use, is_active=True).first()
    if template is None or (template.category_id is not None and template.category_id != category_id):
        return None
    return template
