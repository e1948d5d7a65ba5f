"""`qitong ledger verify|show`: check the hash chains, or print one subject's chain.

`verify` is what an auditor (or a nightly cron job) runs: exit status 0 means every chain
recomputes; 1 means the first broken link was printed — where, in which chain, and why.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qitong.ledger.models import Event
from qitong.ledger.services import events_for, ledger_verify


class Command(BaseCommand):
    help = "电子台账：verify 校验全部哈希链；show 显示某一对象的台账"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, title="子命令")
        verify = sub.add_parser("verify", help="重新计算每条哈希链，报告第一处断裂")
        verify.add_argument(
            "--subject-type",
            dest="subject_type",
            default=None,
            help="只校验这一类对象（如 tickets.ticket、directory.department）",
        )
        show = sub.add_parser("show", help="按序显示某一对象的全部台账事件")
        show.add_argument("subject_type", help="对象类型，如 directory.department")
        show.add_argument("subject_id", help="对象标识（主键）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify(options["subject_type"])
        else:
            self._show(options["subject_type"], options["subject_id"])

    def _verify(self, subject_type: str | None) -> None:
        result = ledger_verify(subject_type=subject_type)
        scope = f"（对象类型 {subject_type}）" if subject_type else ""
        if result.broken is None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"台账校验通过{scope}：已校验 {result.verified} 条事件，哈希链完整。"
                )
            )
            return
        broken = result.broken
        self.stderr.write(
            f"台账校验失败{scope}：发现断裂\n"
            f"  事件 ID：{broken.event_id}\n"
            f"  对象：{broken.subject_type}:{broken.subject_id}\n"
            f"  序号：{broken.seq}\n"
            f"  原因：{broken.reason}\n"
            f"在此之前已校验通过 {result.verified} 条事件。"
        )
        # Exit status 1 (not CommandError's message-only path) so scripts and cron see it.
        raise SystemExit(1)

    def _show(self, subject_type: str, subject_id: str) -> None:
        events = list(events_for(subject_type, subject_id))
        if not events:
            raise CommandError(f"没有对象 {subject_type}:{subject_id} 的台账事件")
        self.stdout.write(f"{subject_type}:{subject_id} 的台账，共 {len(events)} 条事件：")
        for event in events:
            self.stdout.write(self._format(event))

    @staticmethod
    def _format(event: Event) -> str:
        when = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S")
        role = f"（{event.actor_role}）" if event.actor_role else ""
        states = (
            f"  {event.from_state or '—'} → {event.to_state or '—'}"
            if event.from_state or event.to_state
            else ""
        )
        payload = json.dumps(event.payload, ensure_ascii=False, sort_keys=True)
        return (
            f"#{event.seq}  {when}  {event.actor_display}{role}  {event.action}{states}\n"
            f"    事件 ID {event.pk}  哈希 {event.hash[:16]}…  前一哈希 {event.prev_hash[:16]}…\n"
            f"    内容 {payload}"
        )
