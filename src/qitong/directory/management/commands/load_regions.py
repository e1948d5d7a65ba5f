"""`qitong load_regions [FILE]`: load administrative regions from a region file (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qitong.core.errors import ValidationFailed
from qitong.directory.regions import DEFAULT_REGION_FILE, load_regions


class Command(BaseCommand):
    help = "导入行政区划（GB/T 2260）。FILE 可为文件路径或内置名称，如 150000；默认内蒙古自治区。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            default=DEFAULT_REGION_FILE,
            help="区划文件路径，或内置名称（如 150000、regions_150000）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_regions(options["file"])
        except ValidationFailed as exc:
            details = "".join(f"\n  {k}：{v}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message}{details}") from exc
        self.stdout.write(
            f"{result.source}：共 {result.total} 个区划，新增 {result.created}，"
            f"更新 {result.updated}，未变 {result.unchanged}"
        )
