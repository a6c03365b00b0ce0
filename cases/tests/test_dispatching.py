"""The responsibility list (派单目录): which entry names the department, and importing the list."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from cases import dispatching
from cases.models import Category, Community, Department, ResponsibilityItem
from operations.demo import load_responsibilities
from tests.support.data import submit


def dept(code):
    return Department.objects.get(code=code)


@pytest.fixture
def listed(users):
    load_responsibilities()


def test_the_general_entry_names_the_department(listed):
    case = submit(description="卫生间冷水龙头损坏,漏水严重。")
    item = dispatching.listed_item(case)
    assert item is not None and item.department == dept("property")
    assert "物业科" in item.text


def test_a_matching_keyword_beats_the_general_entry(listed):
    case = submit(description="小区门口的路灯不亮了")
    assert dispatching.listed_item(case).department == dept("municipal")


def test_a_community_entry_beats_a_general_one(listed):
    case = submit(community=Community.objects.get(code="baidi"))
    assert dispatching.listed_item(case).department == dept("municipal")


def test_an_entry_not_yet_in_force_is_not_used(users):
    category = Category.objects.get(code="infrastructure")
    ResponsibilityItem.objects.create(
        category=category,
        department=dept("urban"),
        text="明年起由城管科办理",
        effective_from=timezone.localdate() + timedelta(days=30),
    )
    assert dispatching.listed_item(submit()) is None


def test_the_later_entry_replaces_the_earlier(users):
    category = Category.objects.get(code="infrastructure")
    for code, start in (("property", date(2023, 1, 1)), ("urban", date(2024, 6, 1))):
        ResponsibilityItem.objects.create(
            category=category, department=dept(code), text=code, effective_from=start
        )
    assert dispatching.listed_item(submit()).department == dept("urban")


CSV = (
    "诉求类型,社区,关键词,责任部门,事项内容,生效日期\n"
    "infrastructure,,,property,楼道设施维修,2024-01-01\n"
    "基础设施维修,明良社区,路灯,市政科,明良社区路灯,2024/03/01\n"
)


def test_import_a_csv_file(users, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(CSV.encode("utf-8-sig"))
    out = io.StringIO()
    call_command("import_responsibilities", str(path), stdout=out)
    assert "2 new" in out.getvalue()
    item = ResponsibilityItem.objects.get(community__code="mingliang")
    assert (item.department.code, item.keywords, item.effective_from) == (
        "municipal",
        "路灯",
        date(2024, 3, 1),
    )
    # Imported again with a changed text: the same entries are updated, none added.
    path.write_bytes(CSV.replace("楼道设施维修", "楼道设施维修(修订)").encode("gb18030"))
    call_command("import_responsibilities", str(path), stdout=io.StringIO())
    assert ResponsibilityItem.objects.count() == 2
    assert ResponsibilityItem.objects.filter(text="楼道设施维修(修订)").exists()


def test_import_an_xlsx_file(users, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["诉求类型", "责任部门", "事项内容", "生效日期", "关键词"])
    sheet.append(["noise", "urban", "施工噪音", date(2024, 1, 1), "施工,夜间"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    call_command("import_responsibilities", str(path), stdout=io.StringIO())
    item = ResponsibilityItem.objects.get()
    assert item.keyword_list() == ["施工", "夜间"]
    assert item.community is None


def test_a_bad_row_imports_nothing_and_names_every_problem(users, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        CSV + "nosuch,,,property,x,2024-01-01\ninfrastructure,,,property,,someday\n", encoding="utf-8"
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_responsibilities", str(path), stdout=io.StringIO())
    message = str(exc.value)
    assert "第4行" in message and "nosuch" in message
    assert "第5行" in message and "事项内容不能为空" in message and "someday" in message
    assert ResponsibilityItem.objects.count() == 0


def test_a_file_without_the_needed_columns_is_refused(users, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("诉求类型,事项内容\ninfrastructure,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="责任部门"):
        call_command("import_responsibilities", str(path), stdout=io.StringIO())
    other = tmp_path / "list.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="xlsx"):
        call_command("import_responsibilities", str(other), stdout=io.StringIO())
