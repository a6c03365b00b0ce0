from django.utils import timezone

from triage import evaluation


def test_the_duplicate_measure_counts_hits_misses_and_strays(lexicon):
    pairs = [p for p in evaluation.pairs() if p["id"] in {"dup-001", "near-045", "near-001"}]
    now = timezone.now()
    cases = evaluation.write_open_cases(pairs, now=now)
    result = evaluation.duplicate_score(pairs, cases, now=now)
    # dup-001 is found; near-045 (another community) and near-001 (another problem) are not.
    assert (result.true_positive, result.false_positive, result.false_negative) == (1, 0, 0)
    assert result.true_negative == 2
    assert result.precision == 1.0 and result.recall == 1.0


def test_the_category_measure(lexicon):
    items = [
        {"id": "a", "category": "utilities", "text": "停水了"},
        {"id": "b", "category": "other", "text": "停水了 没得水"},
    ]
    result = evaluation.category_score(items)
    assert (result.total, result.top1, result.top3) == (2, 1, 1)
