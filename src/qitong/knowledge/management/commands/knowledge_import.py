"""`qitong knowledge_import FILE.xlsx --user USERNAME`: import knowledge-base articles from
Excel as that user (the same service as any other way in: the user's role and unit decide
what the file may create, edit and publish). Exit status 1 when refused; nothing written."""

from __future__ import annotations

from qitong.accounts.models import User
from qitong.directory.excel.command import ExcelImportCommand
from qitong.directory.excel.workbook import ImportResult
from qitong.knowledge.excel import import_articles


class Command(ExcelImportCommand):
    help = "从 Excel（.xlsx）导入知识：按编号新增或更新，可选「发布」列；有任何错误则全部不导入"
    file_help = "Excel 文件路径（可先在知识库导出一份作为模板）"

    def importer(self, data: bytes, user: User) -> ImportResult:
        return import_articles(data, user=user)
