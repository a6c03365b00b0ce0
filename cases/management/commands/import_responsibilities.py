"""Import the responsibility list (派单目录) from a CSV or XLSX spreadsheet: all rows or none."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases import dispatching


class Command(BaseCommand):
    help = (
        "Import the responsibility list (派单目录) from a .csv or .xlsx file with the columns "
        "诉求类型, 社区 (optional), 关键词 (optional), 责任部门, 事项内容, 生效日期. "
        "Categories, communities and departments are given by code or name."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .csv or .xlsx file")

    def handle(self, *args, path: str, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            rows = dispatching.read_rows(file.name, file.read_bytes())
            result = dispatching.import_rows(rows)
        except ValidationError as exc:
            raise CommandError("Nothing imported.\n" + "\n".join(exc.messages)) from exc
        self.stdout.write(f"Imported {result.created} new and {result.updated} updated items.")
