"""The shape every `qitong …_import FILE.xlsx --user USERNAME` command shares: import as that
user through the same service as the pages, print the summary, or every problem
("第 N 行 列名：问题") on stderr with exit status 1 — nothing written then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qitong.accounts.models import User
from qitong.core.errors import DomainError
from qitong.directory.excel.workbook import ExcelImportFailed, ImportResult, check_upload


class ExcelImportCommand(BaseCommand):
    file_help = "Excel 文件路径"

    def importer(self, data: bytes, user: User) -> ImportResult:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=self.file_help)
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
            result = self.importer(path.read_bytes(), user)
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
