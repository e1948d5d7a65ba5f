"""Hotline dashboards at scale: each dashboard page and the statistics API, as the readers who
open them (the region's supervisor, a department leader, a desk lead), for a month, a quarter
and a year, in-process through the Django test client (the real middleware, templates and
queries), timed per request with p50/p95/max; and the ticket list behind a figure.

    python bench/dashboards.py                  # var/bench.sqlite3, or DATABASE_URL
    python bench/dashboards.py --repeat 30 --json

Runs against the bench database seeded by bench/seed.py (its rollup rebuilt at the end of
seeding). Target (issue 11): p95 ≤ 500 ms at 1,000,000 tickets on both databases.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, describe, setup_django

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="热线统计看板：大数据量下各页面与接口的耗时")
    parser.add_argument("--repeat", type=int, default=20, help="每个请求的次数（默认 20）")
    parser.add_argument("--json", action="store_true", help="结果另存到 bench/results/")
    args = parser.parse_args(argv)
    url = database_url()
    setup_django()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from qitong.accounts.models import User
    from qitong.accounts.roles import Role
    from qitong.tickets.models import HotlineDay, Ticket

    settings.ALLOWED_HOSTS = ["*"]
    total = Ticket.objects.count()
    print(
        f"热线统计看板基准：{describe(url)}，共 {total:,} 张工单，汇总 {HotlineDay.objects.count():,} 行"
    )
    busiest = (
        Ticket.objects.exclude(lead_department=None)
        .values("lead_department")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    readers = {
        "supervisor": User.objects.filter(role=Role.SUPERVISOR).order_by("pk").first(),
        "dept_leader": User.objects.filter(
            role__in=[Role.DEPT_LEADER, Role.HANDLER],
            department_id=busiest["lead_department"] if busiest else 0,
        ).first(),
        "desk_lead": User.objects.filter(role=Role.DESK_LEAD, desk__isnull=False).first(),
    }
    pages = {
        "supervisor": ["/overview/?period={p}", "/api/v1/stats/hotline?unit_kind=region&{q}",
                       "/api/v1/stats/hotline?unit_kind=department&{q}",
                       "/tickets/?overdue=yes", "/tickets/?fact=satisfied&{q2}"],
        "dept_leader": ["/department/stats/?period={p}", "/api/v1/stats/hotline?unit_kind=department&{q}"],
        "desk_lead": ["/desk/stats/?period={p}"],
    }  # fmt: skip
    from qitong.core import clock
    from qitong.core.workdays import LOCAL_TZ

    today = clock.now().astimezone(LOCAL_TZ).date()
    periods = {
        "month": today.replace(day=1),
        "quarter": today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1),
        "year": today.replace(month=1, day=1),
    }
    results: list[dict[str, Any]] = []
    print(f"{'角色':<12}{'区间':<9}{'请求':<52}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for role, user in readers.items():
        if user is None:
            print(f"{role}: 没有这样的账号，跳过")
            continue
        client = Client()
        client.force_login(user)
        for period, first in periods.items():
            q = f"from={first:%Y-%m-%d}&to={today:%Y-%m-%d}"
            q2 = f"created_from={first:%Y-%m-%d}&created_to={today:%Y-%m-%d}"
            for template in pages[role]:
                path = template.format(p=period, q=q, q2=q2)
                client.get(path)  # warm the caches of this process
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                times.sort()
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                p50 = statistics.median(times)
                print(
                    f"{role:<12}{period:<9}{path[:50]:<52}{p50:>9.1f}{p95:>9.1f}{times[-1]:>9.1f}"
                )
                results.append({"role": role, "period": period, "path": path, "p50_ms": p50,
                                "p95_ms": p95, "max_ms": times[-1]})  # fmt: skip
    worst = max((r["p95_ms"] for r in results), default=0)
    print(f"最差 p95：{worst:.1f} ms（目标 ≤ 500 ms）")
    if args.json:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"dashboards-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps({"database": describe(url), "tickets": total, "results": results},
                                  ensure_ascii=False, indent=2))  # fmt: skip
        print(f"已保存 {out}")


if __name__ == "__main__":
    main()
