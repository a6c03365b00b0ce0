"""The case list behind a number as CSV or XLSX.

Personal data (name, phone, address) only when asked for and only for roles that may see every
case's personal data; cells that a spreadsheet would run as a formula are neutralised.
"""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import roles

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_LIMIT = 200_000
LOG_CHUNK = 2000


def may_export_personal_data(user) -> bool:
    """Intake officers and supervisors may open every case with its personal data
    (docs/architecture.md, "Who sees what")."""
    return user.is_authenticated and (
        user.is_superuser or roles.has_role(user, roles.INTAKE, roles.SUPERVISOR)
    )


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def _local(dt) -> str:
    if dt is None:
        return ""
    return timezone.localtime(dt, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")


def _header(personal: bool) -> list[str]:
    header = [
        _("诉求编号"),
        _("提交时间"),
        _("诉求类型"),
        _("社区"),
        _("渠道"),
        _("年龄段"),
        _("状态"),
        _("责任部门"),
        _("办理时限"),
        _("诉求描述"),
    ]
    if personal:
        header += [_("姓名"), _("联系电话"), _("详细地址")]
    # Issue 24, last so that the earlier columns keep their places.
    return [*header, _("诉求性质"), _("紧急程度"), _("不计入考核")]


def _rows(cases, personal: bool, log=None):
    """The export's rows; with personal data, `log(case_ids)` is called for every chunk written
    (so a download cut short logs only what left the server)."""
    fields = [
        "number",
        "submitted_at",
        "category__name",
        "community__name",
        "channel",
        "age_band",
        "state",
        "department__name",
        "due_at",
        "description",
    ]
    if personal:
        fields += ["name", "phone", "address"]
    kinds = len(fields)  # where request_type, priority and excluded_from_rates are
    fields += ["request_type", "priority", "excluded_from_rates"]
    if personal:
        fields.append("pk")
    from cases.models import AgeBand, Channel, Priority, RequestType, State

    shown: list[int] = []
    for row in cases.values_list(*fields)[:EXPORT_LIMIT].iterator(chunk_size=LOG_CHUNK):
        row = list(row)
        if personal:
            shown.append(row.pop())
            if len(shown) >= LOG_CHUNK and log is not None:
                log(shown)
                shown = []
        row[1] = _local(row[1])
        row[4] = str(Channel(row[4]).label)
        row[5] = str(AgeBand(row[5]).label)
        row[6] = str(State(row[6]).label)
        row[8] = _local(row[8])
        row[kinds] = str(RequestType(row[kinds]).label)
        row[kinds + 1] = str(Priority(row[kinds + 1]).label)
        # 不合理诉求 signed off (cases.fairness): out of the departments' rates.
        row[kinds + 2] = _("是") if row[kinds + 2] else _("否")
        yield [neutralise(v) for v in row]
    if shown and log is not None:
        log(shown)


def personal_data_log(user, via: str):
    """A `log` for _rows: one PersonalDataAccess row per exported case (who, when, which, what for)."""
    from cases.access import record_views
    from cases.models import Case

    def log(case_ids: list[int]) -> None:
        record_views(user, [Case(pk=pk) for pk in case_ids], via)

    return log


def _filename(ext: str) -> str:
    stamp = timezone.localtime(timezone.now(), timezone.get_default_timezone()).strftime("%Y%m%d-%H%M")
    return f"minsheng-cases-{stamp}.{ext}"


class _Echo:
    def write(self, value):
        return value


def csv_response(cases, *, personal: bool, log=None) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # so that Excel opens UTF-8 Chinese text correctly
        yield writer.writerow(_header(personal))
        for row in _rows(cases, personal, log):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(cases, *, personal: bool, log=None) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("诉求列表"))
    sheet.append(_header(personal))
    for row in _rows(cases, personal, log):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    response["Cache-Control"] = "private, no-store"
    return response
