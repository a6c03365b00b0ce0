import pytest

from cases.models import Category
from triage import suggest
from triage.models import CategoryKeyword
from triage.suggest import CONFIDENT, preselect, suggest_categories


def codes(found):
    return [s.category.code for s in found]


def test_the_lexicon_suggests_and_names_the_words_it_matched(lexicon):
    found = suggest_categories("3栋2单元楼道灯坏了好几天 晚上黑黢黢的")
    assert codes(found)[0] == "infrastructure"
    assert "楼道灯" in found[0].reasons


def test_a_homophone_in_a_transcript_finds_the_keyword_by_sound(lexicon):
    found = suggest_categories("漏到里头黑起的 灯坏了一个星期")
    assert codes(found)[0] == "infrastructure"
    assert "楼道灯" not in found[0].reasons  # 漏到 alone is not 楼道灯
    found = suggest_categories("店梯又坏了 困到人了")
    assert codes(found)[0] == "property"
    assert "电梯" in found[0].reasons


def test_dialect_words_of_the_lexicon(lexicon):
    assert codes(suggest_categories("屋头莫得水了 做饭都没法"))[0] == "utilities"


def test_a_word_inside_a_longer_one_is_not_counted_again(lexicon):
    found = suggest_categories("路灯不亮")
    assert codes(found)[0] == "municipal"
    assert "infrastructure" not in codes(found)


def test_scores_are_probabilities_best_first(lexicon):
    found = suggest_categories("楼下烧烤摊半夜吵得睡不着 垃圾也乱丢")
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert sum(scores) <= 1.0 + 1e-6
    assert len(found) <= 3


def test_nothing_is_preselected_below_the_threshold(lexicon):
    weak = suggest_categories("坏了")  # one weak word: a hint, not an answer
    assert weak and weak[0].score < CONFIDENT
    assert preselect(weak) is None
    strong = suggest_categories("停水了 停了一整天 没水用")
    assert strong[0].score >= CONFIDENT
    assert preselect(strong) == Category.objects.get(code="utilities")
    assert preselect([]) is None


def test_an_admin_edit_of_the_lexicon_changes_the_next_suggestion(lexicon):
    assert (
        suggest_categories("电瓶车飞线充电") == []
        or codes(suggest_categories("电瓶车飞线充电"))[0] != "other"
    )
    CategoryKeyword.objects.create(category=Category.objects.get(code="other"), word="飞线", weight=3)
    assert codes(suggest_categories("电瓶车飞线充电"))[0] == "other"
    CategoryKeyword.objects.filter(word="飞线").update(is_active=False, weight=3)
    CategoryKeyword.objects.get(word="飞线").save()  # bumps updated_at, as the admin's save does
    assert "other" not in codes(suggest_categories("电瓶车飞线充电"))


def test_an_inactive_category_is_never_suggested(lexicon):
    Category.objects.filter(code="utilities").update(is_active=False)
    assert "utilities" not in codes(suggest_categories("停水了 没得水"))


@pytest.mark.parametrize("description", ["", "   ", None, "😀" * 4000, "。。。!!!", "zzzz qqqq"])
def test_nothing_to_go_on_gives_an_empty_answer(lexicon, description):
    assert suggest_categories(description) == []


def test_a_long_description_is_answered(lexicon):
    assert codes(suggest_categories("楼道灯坏了" + "😀" * 4000))[0] == "infrastructure"


@pytest.mark.parametrize("community", [None, "zhuzhi", "no-such-community"])
def test_the_community_does_not_make_it_fail(lexicon, community):
    assert codes(suggest_categories("楼道灯坏了", community=community))[0] == "infrastructure"


def test_wrong_types_are_a_clear_error(lexicon):
    with pytest.raises(ValueError):
        suggest_categories(123)
    with pytest.raises(ValueError):
        suggest_categories("楼道灯坏了", community=4.5)


def test_limit(lexicon):
    assert len(suggest_categories("楼道灯坏了 垃圾没人收 半夜还吵 停水", limit=2)) == 2
    assert suggest_categories("楼道灯坏了", limit=0) == []


def test_describe_reads_as_one_line(lexicon):
    line = suggest.describe(suggest_categories("楼道灯坏了")[0])
    assert line.startswith("基础设施维修(") and "楼道灯" in line
