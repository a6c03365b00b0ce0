from datetime import timedelta

from django.utils import timezone

from cases.models import Category
from triage import selectors, services
from triage.models import Suggestion
from triage.suggest import suggest_categories


def test_a_suggestion_is_stored_without_the_residents_words(open_case, users):
    found = suggest_categories("楼道灯坏了好几天")
    case = open_case("楼道灯坏了好几天")
    row = services.record_suggestion(
        suggestions=found, case=case, chosen=case.category, by=users["volunteer"]
    )
    row.refresh_from_db()
    assert row.suggested[0] == {"code": "infrastructure", "score": found[0].score}
    assert "楼道灯" not in str(row.suggested)
    assert row.chosen == case.category and row.chosen_by == users["volunteer"]
    assert row.preselected == (found[0].score >= 0.6)


def test_the_choice_can_be_recorded_later_with_the_case(open_case, users):
    row = services.record_suggestion(suggestions=suggest_categories("电梯坏了"))
    assert row.chosen is None and row.case is None
    case = open_case("电梯坏了", category="property")
    services.record_choice(row, category=case.category, by=users["intake"], case=case)
    row.refresh_from_db()
    assert (row.case, row.chosen, row.chosen_by) == (case, case.category, users["intake"])


def test_accuracy_counts_top1_and_top3_agreement_with_the_final_choice(lexicon):
    now = timezone.now()
    cat = {c.code: c for c in Category.objects.all()}
    # Right first; right second; not among the three; nothing suggested; no choice yet (left out).
    services.record_suggestion(suggestions=suggest_categories("停水了"), chosen=cat["utilities"], at=now)
    two = suggest_categories("楼下烧烤摊半夜吵 垃圾乱丢")
    services.record_suggestion(suggestions=two, chosen=two[1].category, at=now)
    services.record_suggestion(suggestions=suggest_categories("停水了"), chosen=cat["other"], at=now)
    services.record_suggestion(suggestions=[], chosen=cat["other"], at=now)
    services.record_suggestion(suggestions=suggest_categories("停水了"), at=now)
    # Outside the period.
    services.record_suggestion(
        suggestions=suggest_categories("停水了"), chosen=cat["utilities"], at=now - timedelta(days=10)
    )
    result = selectors.accuracy(now - timedelta(days=1), now + timedelta(seconds=1))
    assert (result.total, result.top1, result.top3) == (4, 1, 2)
    assert result.top1_rate == 0.25 and result.top3_rate == 0.5
    assert Suggestion.objects.count() == 6


def test_accuracy_of_an_empty_period_has_no_rates(db):
    now = timezone.now()
    result = selectors.accuracy(now, now)
    assert result.total == 0 and result.top1_rate is None and result.top3_rate is None
