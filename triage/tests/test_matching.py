from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Attachment, Category, State
from triage import matching
from triage.matching import likely_duplicates


def test_a_voice_transcripts_homophones_match_the_case_they_repeat(open_case):
    case = open_case("楼道灯不亮", address="3栋2单元")
    found = likely_duplicates(description="漏到灯不亮", community="zhuzhi", address="3栋2单元")
    assert [m.case for m in found] == [case]
    assert found[0].likely
    assert "读音相似" in found[0].reasons
    assert "同一楼栋单元" in found[0].reasons


def test_addresses_written_differently_are_the_same_unit(open_case):
    case = open_case("5栋1单元的楼道灯坏了", address="5栋1单元")
    found = likely_duplicates(
        description="五栋一单元楼道里的灯坏了 黑起的", community="zhuzhi", address="五栋一单元"
    )
    assert [m.case for m in found] == [case]
    assert "同一楼栋单元" in found[0].reasons


def test_the_same_building_ranks_above_the_same_problem_elsewhere_in_the_community(open_case):
    elsewhere = open_case("电梯坏了停在一楼不动", address="12栋")
    same_building = open_case("电梯坏了停在一楼不动", address="8栋", days_ago=3)
    found = likely_duplicates(
        description="电梯坏了 停在一楼不动", community="zhuzhi", address="8号楼", min_score=0
    )
    assert [m.case for m in found[:2]] == [same_building, elsewhere]
    assert found[0].likely and not found[1].likely


def test_the_same_building_with_another_problem_is_not_likely(open_case):
    open_case("23栋1单元楼道灯不亮", address="23栋1单元")
    assert (
        likely_duplicates(
            description="23栋1单元电梯又坏了 停在五楼不动", community="zhuzhi", address="23栋1单元"
        )
        == []
    )


def test_a_case_of_another_community_never_matches(open_case):
    open_case("3栋2单元楼道灯不亮好几天了", address="3栋2单元", community="mingliang")
    found = likely_duplicates(
        description="3栋2单元楼道灯不亮好几天了", community="zhuzhi", address="3栋2单元", min_score=0
    )
    assert found == []


@pytest.mark.parametrize("state", [State.CLOSED, State.REJECTED])
def test_closed_and_rejected_cases_are_not_matched(open_case, state):
    open_case("楼道灯不亮", address="3栋2单元", state=state)
    assert (
        likely_duplicates(description="楼道灯不亮", community="zhuzhi", address="3栋2单元", min_score=0) == []
    )


def test_a_completed_case_waiting_for_its_rating_is_matched(open_case):
    case = open_case("楼道灯不亮", address="3栋2单元", state=State.COMPLETED)
    assert [
        m.case
        for m in likely_duplicates(description="楼道灯又不亮了", community="zhuzhi", address="3栋2单元")
    ] == [case]


def test_an_old_case_is_out_of_its_categorys_window(open_case):
    open_case("楼道灯不亮", address="3栋2单元", days_ago=matching.WINDOW.days + 1)
    assert (
        likely_duplicates(description="楼道灯不亮", community="zhuzhi", address="3栋2单元", min_score=0) == []
    )


def test_an_urgent_categorys_window_is_shorter(open_case):
    Category.objects.filter(code="utilities").update(is_urgent=True)
    open_case("停水了", category="utilities", address="6栋", days_ago=matching.URGENT_WINDOW.days + 1)
    recent = open_case("停水了 没得水用", category="utilities", address="6栋", days_ago=1)
    found = likely_duplicates(description="屋头停水了", community="zhuzhi", address="6栋", min_score=0)
    assert [m.case for m in found] == [recent]


def test_the_same_phone_is_a_reason(open_case):
    case = open_case("隔壁邻居的狗天天晚上叫", address="5栋1单元", phone="13500135005", category="noise")
    found = likely_duplicates(
        description="隔壁那条狗叫了一整夜 睡不成",
        community="zhuzhi",
        address="5栋1单元",
        phone="135-0013-5005",
    )
    assert [m.case for m in found] == [case]
    assert "同一电话" in found[0].reasons
    other_phone = likely_duplicates(
        description="隔壁那条狗叫了一整夜 睡不成", community="zhuzhi", address="5栋1单元", phone="13900000000"
    )
    assert other_phone == [] or "同一电话" not in other_phone[0].reasons


def test_a_voice_only_case_is_compared_by_its_transcript(open_case):
    case = open_case(matching.VOICE_ONLY, address="9栋1单元")
    Attachment.objects.create(
        case=case,
        kind=Attachment.Kind.VOICE,
        file="voice/x.webm",
        content_type="audio/webm",
        size=1,
        transcript="九栋一单元电梯困人了",
        created_at=timezone.now(),
    )
    open_case(matching.VOICE_ONLY, address="9栋1单元")  # no transcript: nothing to compare
    found = likely_duplicates(description="店梯困到人了 快来", community="zhuzhi", address="9栋1单元")
    assert [m.case for m in found] == [case]


def test_duplicates_of_a_case_leave_the_case_itself_out(open_case):
    first = open_case("楼道灯不亮", address="3栋2单元", days_ago=2)
    second = open_case("漏到灯不亮", address="3栋2单元")
    assert [m.case for m in matching.duplicates_of(second)] == [first]


@pytest.mark.parametrize("description", ["", "   ", "😀" * 4000, "!!!。。。", None, matching.VOICE_ONLY])
def test_nothing_to_compare_gives_an_empty_answer(open_case, description):
    open_case("楼道灯不亮")
    assert likely_duplicates(description=description, community="zhuzhi", min_score=0) == []


@pytest.mark.parametrize("community", [None, "", "no-such-community"])
def test_no_community_or_an_unknown_one_gives_an_empty_answer(open_case, community):
    open_case("楼道灯不亮")
    assert likely_duplicates(description="楼道灯不亮", community=community, min_score=0) == []


def test_a_description_or_community_of_the_wrong_type_is_a_clear_error(lexicon):
    with pytest.raises(ValueError):
        likely_duplicates(description=42, community="zhuzhi")
    with pytest.raises(ValueError):
        likely_duplicates(description="楼道灯不亮", community=3.5)


def test_the_query_reads_one_communitys_open_recent_cases(open_case):
    open_case("楼道灯不亮")
    with CaptureQueriesContext(connection) as queries:
        likely_duplicates(description="楼道灯不亮", community="zhuzhi")
    # One read of the candidates, filtered by community, stage and time; one of the matches found.
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert len(reads) == 2
    candidates, matches = reads
    assert '"cases_case"."community_id" =' in candidates
    assert '"cases_case"."state" IN' in candidates and '"cases_case"."submitted_at" >=' in candidates
    assert '"cases_case"."id" IN' in matches


def test_limit_bounds_the_answer(open_case):
    for building in range(1, 8):
        open_case("电梯坏了", address=f"{building}栋", category="property")
    assert len(likely_duplicates(description="电梯坏了", community="zhuzhi", limit=3, min_score=0)) == 3
    assert likely_duplicates(description="电梯坏了", community="zhuzhi", limit=0) == []


def test_now_sets_the_window(open_case):
    case = open_case("楼道灯不亮", address="3栋2单元", days_ago=1)
    later = timezone.now() + matching.WINDOW
    assert (
        likely_duplicates(description="楼道灯不亮", community="zhuzhi", address="3栋2单元", now=later) == []
    )
    earlier = timezone.now() - timedelta(hours=1)
    assert [m.case for m in likely_duplicates(description="楼道灯不亮", community="zhuzhi", now=earlier)] == [
        case
    ]
