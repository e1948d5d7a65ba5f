"""Reform plans at scale (issue 12): the statistics and the 挂图作战 grid of one plan, today and
as of past days, in-process through the services' own functions and through the API (the
Django test client: middleware, scope, serialisation), timed per call with p50/p95/max.

    python bench/reforms.py                                 # 181 tasks × 14 units × 24 months
    python bench/reforms.py --tasks 500 --units 300 --months 36 --page 50
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qitong_bench_reforms python bench/reforms.py

Seeds its own synthetic plan (rows written in bulk, as a plan with that history would hold
them: unit tasks, one accepted report per unit task and month until done, the progress
rollup), once per shape; later runs reuse it. Targets: p95 ≤ 150 ms at 181 × 14 × 24 months
and ≤ 500 ms at 500 × 300 × 36 months, on both databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, describe, ok, setup_django, timed

DEFAULT_SQLITE = REPO / "var" / "bench_reforms.sqlite3"


def _url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DEFAULT_SQLITE}"
        os.environ["DATABASE_URL"] = url
    return url


def _month_add(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, 1)


def seed(tasks: int, units: int, months: int, today: dt.date, filer: int) -> Any:
    """The synthetic plan of this shape (made once)."""
    from django.db import connection, transaction

    from qitong.directory.models import Region
    from qitong.reforms import periods
    from qitong.reforms.models import (
        ActionPlan,
        ProgressDelta,
        ReformTask,
        ReportingUnit,
        TaskArea,
        UnitTask,
    )
    from qitong.reforms.states import PlanState, TaskState, UnitKind

    short = f"B{tasks}x{units}x{months}"
    found = ActionPlan.objects.filter(short_name=short).first()
    if found is not None:
        return found
    started = time.perf_counter()
    start = _month_add(today.replace(day=1), -months)
    regions = list(Region.objects.order_by("code"))
    with transaction.atomic():
        plan = ActionPlan.objects.create(
            name=f"压测方案 {short}",
            short_name=short,
            issuer="压测",
            issued_on=start,
            starts_on=start,
            deadline=_month_add(start, months + 12) - dt.timedelta(days=1),
            state=PlanState.IN_FORCE,
        )
        areas = TaskArea.objects.bulk_create(
            TaskArea(plan=plan, code=f"{a:02d}", name=f"领域{a}", sort_order=a) for a in range(15)
        )
        made_tasks = ReformTask.objects.bulk_create(
            ReformTask(
                plan=plan,
                area=areas[t % 15],
                number=f"{short}-{t + 1:04d}",
                title=f"压测任务 {t + 1}",
                deadline=plan.deadline,
                sort_order=t,
            )
            for t in range(tasks)
        )
        made_units = ReportingUnit.objects.bulk_create(
            ReportingUnit(
                code=f"{short}-{u:03d}",
                name=f"单位{u + 1}",
                kind=UnitKind.CITY,
                region=regions[u % len(regions)],
                sort_order=u,
            )
            for u in range(units)
        )
        now = dt.datetime.now(dt.UTC)
        items = []
        for task in made_tasks:
            for unit in made_units:
                items.append(
                    UnitTask(
                        task=task,
                        unit=unit,
                        plan=plan,
                        planned_start=start,
                        deadline=plan.deadline,
                        original_deadline=plan.deadline,
                        updated_at=now,
                    )
                )
        UnitTask.objects.bulk_create(items, batch_size=5000)
        items = list(UnitTask.objects.filter(plan=plan).order_by("task_id", "unit_id"))
        table = connection.ops.quote_name("reforms_report")
        columns = (
            "unit_task_id, unit_id, period, period_end, progress, done, work_done, problems,"
            " next_steps, regress_reason, state, submitted_at, on_time, decided_at, comment,"
            " returned_count, revision, updated_at, idempotency_key, idempotency_digest,"
            " submitted_by_id, decided_by_id"
        )
        insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 22)})"  # nosec B608 # constant names
        deltas: dict[tuple[str, int, dt.date], int] = defaultdict(int)
        batch: list[tuple[Any, ...]] = []
        updates = []
        for n, item in enumerate(items):
            rate = 2 + (n * 7919) % 9  # percent a month: 2–10
            progress = 0
            for m in range(months):
                first = _month_add(start, m)
                end = _month_add(start, m + 1) - dt.timedelta(days=1)
                new = min(100, progress + rate + (m + n) % 3)
                decided = dt.datetime.combine(end + dt.timedelta(days=6), dt.time(2), dt.UTC)
                batch.append(
                    (item.pk, item.unit_id, periods.period_of(first, "month"), end, new,
                     new == 100, "本期工作", "", "", "", "accepted",
                     decided - dt.timedelta(days=3), True, decided, "", 0, 1, decided, "", "",
                     filer, filer)
                )  # fmt: skip
                day = decided.date()
                deltas[("t", item.task_id, day)] += new - progress
                deltas[("u", item.unit_id, day)] += new - progress
                progress = new
                if new == 100:
                    item.state, item.done_on, item.late_days = TaskState.DONE, day, 0
                    break
            else:
                item.state = TaskState.IN_PROGRESS
            item.progress = progress
            updates.append(item)
            if len(batch) >= 20_000:
                with connection.cursor() as cursor:
                    cursor.executemany(insert, batch)
                batch.clear()
        if batch:
            with connection.cursor() as cursor:
                cursor.executemany(insert, batch)
        UnitTask.objects.bulk_update(
            updates, ["state", "progress", "done_on", "late_days"], batch_size=5000
        )
        ProgressDelta.objects.bulk_create(
            (
                ProgressDelta(plan=plan, kind=k, key=key, day=day, delta=delta)
                for (k, key, day), delta in deltas.items()
            ),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a database that grew to this would have
    print(
        f"已生成压测方案 {short}：{len(items):,} 项单位任务（{time.perf_counter() - started:.0f} 秒）"
    )
    return plan


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="改革任务：统计与挂图作战的耗时")
    parser.add_argument("--tasks", type=int, default=181)
    parser.add_argument("--units", type=int, default=14)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--page", type=int, default=200, help="挂图作战每页任务数（默认 200）")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    url = _url()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from qitong.accounts.models import User
    from qitong.accounts.roles import Role
    from qitong.directory.models import Region
    from qitong.reforms.models import Report, UnitTask
    from qitong.reforms.services import today
    from qitong.reforms.stats import plan_grid, plan_stats

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.exists():
        from qitong.directory.regions import DEFAULT_REGION_FILE, load_regions

        load_regions(DEFAULT_REGION_FILE)
    day = today()
    office, _ = User.objects.get_or_create(
        username="bench_office", defaults={"role": Role.SUPERVISOR, "display_name": "压测"}
    )
    plan = seed(args.tasks, args.units, args.months, day, office.pk)
    client = Client()
    client.force_login(office)
    scoped = UnitTask.objects.all()
    reports = Report.objects.filter(unit_task__plan=plan).count()
    print(
        f"改革任务基准：{describe(url)}；方案 {plan.short_name}：{args.tasks} 项任务 × "
        f"{args.units} 个单位，{reports:,} 份报告；每页 {args.page} 项任务；每项 {args.repeat} 次"
    )
    past = day - dt.timedelta(days=30 * args.months // 2)
    cases = {
        "统计（今天）": lambda: plan_stats(plan, day),
        "统计（一年前）": lambda: plan_stats(plan, past),
        "挂图作战（今天）": lambda: plan_grid(plan, scoped, as_of=day, today=day, limit=args.page),
        "挂图作战（过去某日）": lambda: plan_grid(
            plan, scoped, as_of=past, today=day, limit=args.page
        ),
        "接口 stats": lambda: ok(client.get(f"/api/v1/reforms/plans/{plan.pk}/stats")),
        "接口 stats?as_of": lambda: ok(
            client.get(f"/api/v1/reforms/plans/{plan.pk}/stats?as_of={past}")
        ),
        "接口 grid": lambda: ok(
            client.get(f"/api/v1/reforms/plans/{plan.pk}/grid?limit={args.page}")
        ),
        "接口 grid?as_of": lambda: ok(
            client.get(f"/api/v1/reforms/plans/{plan.pk}/grid?as_of={past}&limit={args.page}")
        ),
        "页面 挂图作战": lambda: ok(client.get(f"/reforms/plans/{plan.pk}/grid/")),
        "页面 统计": lambda: ok(client.get(f"/reforms/plans/{plan.pk}/stats/")),
    }
    width = max(len(name) for name in cases) + 2
    print(f"{'':{width}}   p50 ms   p95 ms   max ms")
    for name, fn in cases.items():
        r = timed(fn, args.repeat)
        print(f"{name:{width}} {r['p50']:8} {r['p95']:8} {r['max']:8}")


if __name__ == "__main__":
    main()
