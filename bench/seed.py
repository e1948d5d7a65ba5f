"""Seed a bench database: migrate, load the demo deployment, add enterprises and N tickets with
their whole ledgered history.

    python bench/seed.py --tickets 20000                      # SQLite var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qitong_bench \\
        python bench/seed.py --recreate --tickets 1000000 --enterprises 20000

See bench/README.md for what is generated and the figures measured.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, describe, is_postgres, pg_database, setup_django, sqlite_path

if TYPE_CHECKING:
    from qitong.seeding.run import SeedReport


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="为压测准备数据：迁移、演示数据、企业与 N 张工单（含台账）"
    )
    parser.add_argument("--tickets", type=int, default=20000, help="工单数（默认 20000）")
    parser.add_argument(
        "--enterprises",
        type=int,
        default=None,
        help="压测企业数（默认 工单数/50，至少 1000，最多 20000）",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=365,
        help="工单创建时间分布在过去多少天（默认 365；bench/appraisal.py 用本季度已过的天数）",
    )
    parser.add_argument("--seed", type=int, default=12345, help="随机种子（相同种子得到相同数据）")
    parser.add_argument("--chunk", type=int, default=5000, help="每批写入的工单数（默认 5000）")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="生成进程数（默认：PostgreSQL 为 CPU 数，SQLite 为 0 即本进程）",
    )
    parser.add_argument("--recreate", action="store_true", help="先删除并重建压测数据库")
    parser.add_argument(
        "--verify", action="store_true", help="结束后校验全部台账哈希链（qitong ledger verify）"
    )
    return parser.parse_args(argv)


def recreate(url: str) -> None:
    """Drop and create the bench database (PostgreSQL) or delete its file (SQLite)."""
    if is_postgres(url):
        import psycopg

        name, maintenance = pg_database(url)
        if name in ("", "postgres", "template0", "template1"):
            raise SystemExit(f"拒绝重建数据库 {name!r}：请使用专用的压测数据库")
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return
    path = sqlite_path(url)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def ensure_database(url: str) -> None:
    if not is_postgres(url):
        return
    import psycopg

    name, maintenance = pg_database(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = database_url()
    print(f"数据库：{describe(url)}", flush=True)
    if args.recreate:
        recreate(url)
    ensure_database(url)
    setup_django()
    from django.core.management import call_command

    from qitong.demo.loader import load_demo
    from qitong.ledger.services import ledger_verify
    from qitong.seeding.run import seed_tickets

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    demo = load_demo()
    print(
        f"演示数据：{'新载入' if demo.anything_created else '已存在'}（{demo.seconds:.1f} 秒）",
        flush=True,
    )
    enterprises = args.enterprises or max(1000, min(20000, args.tickets // 50))
    workers = args.workers
    if workers is None:
        workers = (os.cpu_count() or 1) if is_postgres(url) else 0

    def out(line: str) -> None:
        print(line, flush=True)

    report = seed_tickets(
        tickets=args.tickets,
        enterprises=enterprises,
        seed=args.seed,
        chunk=args.chunk,
        workers=workers,
        days=args.days,
        out=out,
    )
    total = time.perf_counter() - started
    print_report(report, total)
    if args.verify:
        began = time.perf_counter()
        result = ledger_verify()
        took = time.perf_counter() - began
        if result.broken:
            raise SystemExit(f"台账校验失败（{took:.0f} 秒）：{result.broken.describe()}")
        print(f"台账校验通过：{result.verified:,} 条事件（{took:.0f} 秒）")


def print_report(report: SeedReport, total: float) -> None:
    from qitong.directory.models import Department
    from qitong.tickets.states import TicketState, TicketType

    n = max(1, report.tickets)
    print(
        f"\n完成：{report.tickets:,} 张工单、{report.events:,} 条台账事件，"
        f"工单生成写入 {report.seconds:,.0f} 秒（{report.tickets / max(report.seconds, 0.001):,.0f} 张/秒），"
        f"总计 {total:,.0f} 秒"
    )
    print(
        "状态分布："
        + "，".join(f"{TicketState(s).label} {c / n:.1%}" for s, c in report.states.most_common())
    )
    print(
        "类型分布："
        + "，".join(f"{TicketType(t).label} {c / n:.1%}" for t, c in report.types.most_common())
    )
    per = sorted(report.events_per_ticket.items())
    print("每张工单的台账事件数：" + "，".join(f"{k} 条 {v / n:.1%}" for k, v in per))
    names = dict(
        Department.objects.filter(
            pk__in=[d for d, _ in report.departments.most_common(5)]
        ).values_list("pk", "name")
    )
    print(
        "主办最多的单位："
        + "，".join(f"{names[d]} {c:,}" for d, c in report.departments.most_common(5))
    )
    print(f"演示企业账号 enterprise 的工单：{report.demo_enterprise:,} 张")


if __name__ == "__main__":
    main()
