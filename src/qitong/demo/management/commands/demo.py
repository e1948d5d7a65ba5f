"""`qitong demo`: load the demo deployment (idempotent) and print the demo accounts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qitong.demo.appraisal import load_demo_appraisal
from qitong.demo.area import load_demo_area
from qitong.demo.arrears import load_demo_arrears
from qitong.demo.dispatch import load_demo_catalogue
from qitong.demo.history import DEFAULT_HISTORY, load_demo_history
from qitong.demo.loader import load_demo
from qitong.demo.reforms import load_demo_reforms
from qitong.demo.report import accounts_table
from qitong.demo.supervision import load_demo_supervision
from qitong.demo.tickets import load_demo_tickets


class Command(BaseCommand):
    help = "载入演示数据（内蒙古自治区：区划、部门、专席、话务员、政策专员、企业、演示账号）。可重复运行，已有数据不会改变。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--history",
            type=int,
            default=DEFAULT_HISTORY,
            help=f"另生成过去一年的历史工单数（默认 {DEFAULT_HISTORY}，0 为不生成），供统计看板使用",
        )

        parser.add_argument(
            "--no-reforms",
            action="store_true",
            help="不生成改革任务演示数据（3.0方案及其报告历史，约需半分钟）",
        )

        parser.add_argument(
            "--no-supervision",
            action="store_true",
            help="不生成督查问题演示数据（督查活动、约 120 个问题、问责公开名单，约需半分钟）",
        )
        parser.add_argument(
            "--no-arrears",
            action="store_true",
            help="不生成清欠演示数据（2022 年案例、约 400 笔欠款及清偿）",
        )
        parser.add_argument(
            "--no-appraisal",
            action="store_true",
            help="不生成考核评估演示数据（两套指标体系、五个季度的考核）",
        )
        parser.add_argument(
            "--no-area",
            action="store_true",
            help="不生成区域评估成果演示数据（62 个园区、615 项成果及其应用）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo()
        # The demo appeals queue their SMS as jobs: sent once `qitong serve` runs the worker.
        result.created["派单目录条目"] = load_demo_catalogue()
        result.created["演示工单"] = load_demo_tickets()
        result.created["历史工单"] = load_demo_history(options["history"], self.stdout.write)
        if not options["no_reforms"]:
            for label, n in load_demo_reforms(self.stdout.write).items():
                result.created[label] = n
        if not options["no_supervision"]:
            for label, n in load_demo_supervision(self.stdout.write).items():
                result.created[label] = n
        if not options["no_arrears"]:
            for label, n in load_demo_arrears(self.stdout.write).items():
                result.created[label] = n
        if not options["no_appraisal"]:
            for label, n in load_demo_appraisal(self.stdout.write).items():
                result.created[label] = n
        if not options["no_area"]:
            for label, n in load_demo_area(self.stdout.write).items():
                result.created[label] = n
        if result.anything_created:
            created = "，".join(f"{label} {n}" for label, n in result.created.items() if n)
            self.stdout.write(f"演示数据已载入（{result.seconds:.1f} 秒）：新增 {created}。")
        else:
            self.stdout.write("演示数据已存在，未作任何修改。")
        self.stdout.write(
            "\n演示账号（企业用户以统一社会信用代码 + 手机号 + 短信验证码登录，开发环境验证码打印在服务日志中）：\n"
        )
        self.stdout.write(accounts_table())
