"""qitong holidays load FILE --year 2027 [--notice 国办发明电〔2026〕…]: the State Council's
annual holiday notice as CSV (see qitong.directory.holidays); qitong holidays status: which
years are covered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qitong.core import clock
from qitong.core.checks import calendar_warning
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import LOCAL_TZ, load_calendar
from qitong.directory.holidays import holidays_load


class Command(BaseCommand):
    help = "载入国务院年度节假日安排（CSV），或查看各年份节假日数据是否齐全"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        load = sub.add_parser("load", help="载入一年的节假日安排")
        load.add_argument("file", help="CSV 文件（UTF-8）：日期,安排,说明")
        load.add_argument("--year", type=int, required=True, help="年份，如 2027")
        load.add_argument("--notice", default="", help="通知文号或标题")
        sub.add_parser("status", help="今年与明年的节假日数据是否齐全")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "status":
            today = clock.now().astimezone(LOCAL_TZ).date()
            calendar = load_calendar()
            for year in (today.year, today.year + 1):
                source = (
                    "已载入国务院通知"
                    if year in calendar.loaded_years
                    else ("chinese-calendar 数据" if calendar.covered_by_package(year) else "缺失")
                )
                self.stdout.write(f"{year} 年：{source}")
            if missing := calendar.uncovered(today):
                self.stderr.write(calendar_warning(missing))
            return
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror}") from None
        try:
            loaded = holidays_load(
                year=options["year"], text=text, notice=options["notice"], actor=None
            )
        except ValidationFailed as exc:
            raise CommandError("；".join(exc.fields.values()) or exc.message) from None
        self.stdout.write(loaded.summary())
