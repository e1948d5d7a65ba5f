"""`qitong knowledge_import FILE.xlsx --user USERNAME`: import knowledge-base articles from
Excel as that user (the same service as any other way in: the user's role and unit decide
what the file may create, edit and publish).

Exit status 0 when the file was imported; 1 when it was refused (every problem is printed to
stderr, "第 N 行 列名：问题") — nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qitong.accounts.models import User
from qitong.core.errors import DomainError
from qitong.directory.excel.workbook import ExcelImportFailed, check_upload
from qitong.knowledge.excel import import_articles


class Command(BaseCommand):
    help = "从 Excel（.xlsx）导入知识：按编号新增或更新，可选「发布」列；有任何错误则全部不导入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Excel 文件路径（可先在知识库导出一份作为模板）")
        parser.add_argument("--user", required=True, help="以该用户的身份导入（用户名）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"用户 {options['user']} 不存在或已停用")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            check_upload(path.name, path.stat().st_size)
            result = import_articles(path.read_bytes(), user=user)
        except ExcelImportFailed as exc:
            self.stderr.write(f"{exc.message}：")
            for line in exc.problems:
                self.stderr.write(f"  {line}")
            # Exit status 1 (not CommandError's message-only path) so scripts and cron see it.
            raise SystemExit(1) from exc
        except DomainError as exc:
            self.stderr.write(exc.message)
            raise SystemExit(1) from exc
        self.stdout.write(self.style.SUCCESS(f"导入完成：{result.summary()}"))
