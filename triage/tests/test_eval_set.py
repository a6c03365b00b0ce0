"""The hand-written evaluation set is large, varied and consistent enough to measure with."""

from collections import Counter

from operations.demo import CATEGORIES, COMMUNITIES
from triage import evaluation

CODES = {code for code, *_ in CATEGORIES}
COMMUNITY_CODES = {code for code, _ in COMMUNITIES}


def test_at_least_300_descriptions_all_different_over_every_demo_category():
    items = evaluation.descriptions()
    assert len(items) >= 300
    texts = [i["text"] for i in items]
    assert len(set(texts)) == len(texts)
    assert len({i["id"] for i in items}) == len(items)
    assert set(Counter(i["category"] for i in items)) == CODES


def test_at_least_50_duplicate_pairs_and_50_near_misses_of_each_kind():
    pairs = evaluation.pairs()
    by_id = {p["id"]: p for p in pairs}
    assert len(by_id) == len(pairs)
    assert sum(p["duplicate"] for p in pairs) >= 50
    assert sum(not p["duplicate"] for p in pairs) >= 50
    kinds = Counter(p["kind"] for p in pairs)
    assert {"voice", "address", "wording", "other_problem", "other_building", "other_community"} <= set(kinds)
    for pair in pairs:
        existing = pair["existing"]
        if "ref" in existing:
            existing = by_id[existing["ref"]]["existing"]
        assert existing["category"] in CODES
        assert {existing["community"], pair["new"]["community"]} <= COMMUNITY_CODES
        if pair["kind"] == "other_community":
            assert existing["community"] != pair["new"]["community"]
        elif pair["duplicate"] or pair["kind"] == "other_building":
            assert existing["community"] == pair["new"]["community"]
    new_texts = [p["new"]["text"] for p in pairs]
    assert len(set(new_texts)) == len(new_texts)


def test_the_split_is_deterministic_and_holds_out_about_a_third():
    train, held = evaluation.split(evaluation.descriptions())
    assert 0.25 < len(held) / (len(train) + len(held)) < 0.42
    assert [i["id"] for i in held] == [i["id"] for i in evaluation.split(evaluation.descriptions())[1]]
