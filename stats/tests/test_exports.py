"""CSV and XLSX exports of the case list behind a number."""

import io

import time_machine
from openpyxl import load_workbook

from tests.support.data import submit

from .conftest import local

PERIOD = "from=2026-05-01&to=2026-05-31"


def make_cases():
    with time_machine.travel(local(2026, 5, 10, 10, 0), tick=True):
        submit(description='=HYPERLINK("http://evil.example","点我")', phone="13900001111")
        submit(description="楼道灯不亮。", address="-3栋", phone="13900002222")


def test_csv_has_the_cases_without_personal_data_by_default(supervisor_client, users):
    make_cases()
    response = supervisor_client.get(f"/supervisor/cases.csv?{PERIOD}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("诉求编号,提交时间,诉求类型")
    assert len(lines) == 3
    assert "13900001111" not in text and "姓名" not in text and "-3栋" not in text
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_personal_data_only_when_asked_and_neutralised(supervisor_client, users):
    make_cases()
    response = supervisor_client.get(f"/supervisor/cases.csv?{PERIOD}&personal=1")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "13900001111" in text and "'-3栋" in text


def test_xlsx_holds_the_same_rows_with_formulas_neutralised(supervisor_client, users):
    make_cases()
    response = supervisor_client.get(f"/supervisor/cases.xlsx?{PERIOD}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "诉求编号" and len(rows) == 3
    descriptions = {row[9] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","点我")' in descriptions
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert not any("13900001111" in str(v) for row in rows for v in row)


def test_the_export_follows_the_list_filters(supervisor_client, users):
    make_cases()
    response = supervisor_client.get(f"/supervisor/cases.csv?{PERIOD}&metric=accepted")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1  # the header only: none was accepted


def test_people_who_may_not_see_the_list_cannot_export_it(client, users):
    make_cases()
    for name in ("volunteer", "handler"):
        client.force_login(users[name])
        response = client.get(f"/supervisor/cases.xlsx?{PERIOD}&personal=1")
        assert response.status_code == 403
        assert b"13900001111" not in response.content


def test_a_bad_filter_exports_nothing(supervisor_client, users):
    response = supervisor_client.get("/supervisor/cases.csv?metric=everything")
    assert response.status_code == 400
    assert "没有这项统计" in response.content.decode()
