"""`qitong ledger verify|checkpoint|export|show`: check the hash chains and the signed
checkpoints, write a checkpoint now, export them for write-once storage, or print one chain.

`verify` is what an auditor (or a nightly cron job) runs: exit status 0 means every chain
recomputes and the ledger still holds everything the checkpoints anchored; 1 means something
was printed — the first broken link (where, which chain, why) and every checkpoint finding
(a missing tail, a missing chain, deleted events, an altered checkpoint).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qitong.ledger.checkpoints import (
    checkpoint_create,
    checkpoints_compare,
    checkpoints_export,
)
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
        verify.add_argument(
            "--against",
            type=Path,
            default=None,
            help="同时与此前导出的检查点文件（JSON Lines）比对",
        )
        sub.add_parser("checkpoint", help="立即写一个签名检查点（锚定各链的链头）")
        export = sub.add_parser(
            "export", help="把检查点追加导出为 JSON Lines（存入只写一次的介质）"
        )
        export.add_argument("path", type=Path, help="导出文件路径（追加写入）")
        export.add_argument(
            "--after", type=int, default=0, help="只导出序号大于此数的检查点（增量导出）"
        )
        show = sub.add_parser("show", help="按序显示某一对象的全部台账事件")
        show.add_argument("subject_type", help="对象类型，如 directory.department")
        show.add_argument("subject_id", help="对象标识（主键）")

    def handle(self, *args: Any, **options: Any) -> None:
        command = options["subcommand"]
        if command == "verify":
            self._verify(options["subject_type"], options["against"])
        elif command == "checkpoint":
            cp = checkpoint_create()
            if cp is None:
                self.stdout.write("没有新的台账事件需要锚定（最近几分钟的事件留给下一个检查点）。")
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"已写入检查点 #{cp.number}：覆盖到事件 ID {cp.last_event_id}，"
                        f"共 {cp.events} 条事件、{cp.chains} 条链，密钥 {cp.key_id}。"
                    )
                )
        elif command == "export":
            count = checkpoints_export(options["path"], after=options["after"])
            self.stdout.write(f"已导出 {count} 个检查点到 {options['path']}。")
        else:
            self._show(options["subject_type"], options["subject_id"])

    def _verify(self, subject_type: str | None, against: Path | None) -> None:
        result = ledger_verify(subject_type=subject_type)
        findings = list(result.findings)
        if against is not None:
            if not against.exists():
                raise CommandError(f"找不到导出文件 {against}")
            findings += checkpoints_compare(against)
        scope = f"（对象类型 {subject_type}）" if subject_type else ""
        if result.broken is None and not findings:
            self.stdout.write(
                self.style.SUCCESS(
                    f"台账校验通过{scope}：已校验 {result.verified} 条事件，哈希链完整"
                    + ("，与检查点一致。" if subject_type is None else "。")
                )
            )
            return
        if result.broken is not None:
            broken = result.broken
            self.stderr.write(
                f"台账校验失败{scope}：发现断裂\n"
                f"  事件 ID：{broken.event_id}\n"
                f"  对象：{broken.subject_type}:{broken.subject_id}\n"
                f"  序号：{broken.seq}\n"
                f"  原因：{broken.reason}\n"
                f"在此之前已校验通过 {result.verified} 条事件。"
            )
        if findings:
            self.stderr.write(f"台账与检查点不一致（{len(findings)} 处）：")
            for finding in findings:
                self.stderr.write(f"  {finding.describe()}")
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
