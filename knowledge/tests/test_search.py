"""Searching the base in Chinese: a resident's words find the official wording."""

import pytest

from knowledge import selectors
from knowledge.models import Entry, Synonym


def _top(query, user=None):
    found = selectors.find(user, query)
    return found[0].question if found else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("老人补贴", "高龄津贴怎么申请?"),
        ("我妈八十多了有没有老年补贴", "高龄津贴怎么申请?"),
        ("高零津贴", "高龄津贴怎么申请?"),  # a homophone typed by a speech recogniser
        ("开个住址证明", "居住证明去哪里开?"),
        ("吃低保要什么材料", "低保怎么申请?"),
        ("办残疾证", "残疾人证怎么办理?"),
        ("交医保", "城乡居民医保怎么缴费?"),
        ("狗证", "养狗要登记吗?犬只怎么办证?"),
        ("廉租房", "公租房怎么申请?"),
        ("厨余垃圾", "垃圾怎么分类?"),
        ("楼上电钻吵得很", "装修噪音可以在什么时间施工?"),
    ],
)
def test_a_residents_way_of_asking_finds_the_official_entry_first(base, query, expected):
    assert _top(query) == expected


def test_the_synonym_list_is_data_a_new_group_bridges_new_words(base):
    assert _top("尊老红包") != "高龄津贴怎么申请?"
    Synonym.objects.create(words="高龄津贴、尊老红包")
    assert _top("尊老红包") == "高龄津贴怎么申请?"


def test_results_are_ranked_and_unrelated_words_find_nothing(base):
    found = selectors.find(None, "老人补贴怎么申请")
    scores = [e.score for e in found]
    assert scores == sorted(scores, reverse=True)
    assert selectors.find(None, "今天天气怎么样") == []


def test_the_public_never_finds_a_draft_but_intake_does(base, users):
    draft = base["draft"]
    assert draft not in selectors.find(None, draft.question)
    assert draft not in selectors.find(users["volunteer"], draft.question)
    assert draft in selectors.find(users["intake"], draft.question)
    assert selectors.entry_for(None, draft.pk) is None
    assert selectors.entry_for(users["supervisor"], draft.pk) == draft


def test_entries_past_their_review_date_can_be_filtered(base, users):
    overdue = selectors.find(users["intake"], overdue=True)
    assert overdue and all(e.needs_review() for e in overdue)
    assert Entry.objects.filter(question="垃圾怎么分类?").get() in overdue


def test_loading_the_demo_twice_keeps_one_row_each(base, users):
    from knowledge.demo import load_knowledge

    counts = (Entry.objects.count(), Synonym.objects.count())
    load_knowledge(users["intake"])
    assert (Entry.objects.count(), Synonym.objects.count()) == counts
