"""`qitong pairings_import FILE.xlsx --user USERNAME`: one-to-one pairings of enterprises
with specialists from Excel as that user (a desk pairs enterprises of its jurisdiction).
Exit status 1 when refused; nothing written."""

from __future__ import annotations

from qitong.accounts.models import User
from qitong.directory.excel.command import ExcelImportCommand
from qitong.directory.excel.workbook import ImportResult
from qitong.routing.excel import import_pairings


class Command(ExcelImportCommand):
    help = "从 Excel（.xlsx）批量设置企业的一对一专员：统一社会信用代码 + 专员编号（留空则解除）；有任何错误则全部不导入"
    file_help = "Excel 文件路径：列「统一社会信用代码」「专员编号」"

    def importer(self, data: bytes, user: User) -> ImportResult:
        return import_pairings(data, user=user)
