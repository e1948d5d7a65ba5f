"""`qitong stats_rebuild`: recount the hotline rollup from the tickets (after a bulk load, or
to repair it); the dashboards read it (tickets.rollup)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from qitong.tickets.rollup import rollup_rebuild


class Command(BaseCommand):
    help = "按全部工单重新计算热线统计汇总表（按日、按月）。批量导入工单后或核对统计时使用。"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        main, categories = rollup_rebuild()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"已重算热线统计汇总：{main:,} 行指标、{categories:,} 行分类（{seconds:.1f} 秒）。"
        )
