"""`qitong worker`: run background jobs until SIGTERM or Ctrl-C (docs/decisions/0007-jobs.md).

A stop signal lets the job in hand finish (jobs are short), then the worker exits; a job not
started yet goes back to the queue when its lease runs out. Start as many as you like.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qitong.jobs.worker import Worker


class Command(BaseCommand):
    help = "运行后台任务进程（短信等通知、定时巡查）；可同时运行多个，SIGTERM 或 Ctrl-C 停止"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=20, help="每次领取的任务数（默认 20）")
        parser.add_argument("--poll", type=float, default=0.5, help="空闲时的轮询间隔（秒）")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = Worker(batch=options["batch"], poll=options["poll"])

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        worker.run_forever()
