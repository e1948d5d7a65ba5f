"""Supervision problems at scale (issue 13): the problem list (API and page, with the counts
at the top and the usual filters) and the statistics over 100,000 problems, through the
Django test client (middleware, scope, serialisation), timed per call with p50/p95/max.

    python bench/supervision.py                     # 100,000 problems on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qitong_bench_supervision python bench/supervision.py
    python bench/supervision.py --problems 20000 --repeat 10

Seeds its own synthetic problems once per size (rows written in bulk as the services would
have left them: every state, deadlines, overdue ones, closings with their days and on-time
flag, recurrences), over ~300 departments of the 12 盟市 and the region. Target: p95 ≤ 200 ms
for the list and the statistics at 100,000 problems, on both databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, describe, ok, setup_django, timed

DEFAULT_SQLITE = REPO / "var" / "bench_supervision.sqlite3"
STATES = [
    ("closed", 55),
    ("rectifying", 14),
    ("assigned", 9),
    ("pending_acceptance", 6),
    ("registered", 5),
    ("long_term", 2),
    ("objected", 2),
    ("dismissed", 4),
    ("overdue", 3),  # rectifying past its deadline
]


def _url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DEFAULT_SQLITE}"
        os.environ["DATABASE_URL"] = url
    return url


def _departments() -> list[Any]:
    from qitong.directory.models import Department, DepartmentLevel, Region, RegionLevel

    found = list(Department.objects.filter(code__startswith="BSV").select_related("region"))
    if found:
        return found
    rows = []
    for region in Region.objects.exclude(level=RegionLevel.COUNTY).order_by("code"):
        level = (
            DepartmentLevel.PROVINCE
            if region.level == RegionLevel.PROVINCE
            else DepartmentLevel.CITY
        )
        for n in range(23):
            rows.append(
                Department(
                    code=f"BSV{region.code}{n:02d}",
                    name=f"{region.name}压测单位{n:02d}",
                    region=region,
                    level=level,
                )
            )
    Department.objects.bulk_create(rows)
    return list(Department.objects.filter(code__startswith="BSV").select_related("region"))


def seed(n: int, office: Any) -> int:
    """`n` synthetic problems (made once; later runs reuse them)."""
    from django.db import transaction

    from qitong.core import clock
    from qitong.supervision.models import Problem, ProblemCategory
    from qitong.supervision.services import defaults_ensure

    have = Problem.objects.count()
    if have >= n:
        return have
    started = time.perf_counter()
    defaults_ensure()
    rng = random.Random(13)
    units = _departments()
    categories = list(ProblemCategory.objects.all())
    now = clock.now()
    states = [s for s, w in STATES for _ in range(w)]
    batch: list[Problem] = []
    with transaction.atomic():
        for i in range(have, n):
            state = rng.choice(states)
            registered = now - dt.timedelta(days=rng.uniform(0, 730), hours=rng.uniform(0, 24))
            unit = rng.choice(units)
            clocked = state in ("assigned", "rectifying", "long_term", "overdue")
            limit = dt.timedelta(days=rng.choice([7, 21, 30]))
            deadline = None
            if state not in ("registered", "dismissed"):
                deadline = registered + limit
                if clocked and state != "overdue" and deadline < now:
                    # open and on time: registered in the last two months, its deadline
                    # (as extended, or long-term) still ahead
                    registered = now - dt.timedelta(days=rng.uniform(1, 60))
                    deadline = now + dt.timedelta(days=rng.uniform(1, 40))
                if state == "overdue":
                    registered = now - limit - dt.timedelta(days=rng.uniform(1, 120))
                    deadline = registered + limit
            closed_at = None
            if state in ("closed", "dismissed"):
                closed_at = min(now, registered + dt.timedelta(days=rng.uniform(2, 60)))
            p = Problem(
                source=rng.choice(["activity", "manual", "ticket"]),
                unit_department=unit,
                region_code=unit.region.code,
                owner_code="150000",
                category=rng.choice(categories),
                problem_class=rng.choice("ABC"),
                title=f"压测问题 {i}",
                description="压测",
                state="rectifying" if state == "overdue" else state,
                registered_at=registered,
                assigned_at=registered + dt.timedelta(hours=2) if deadline else None,
                deadline=deadline,
                first_deadline=deadline,
                warn_at=deadline - dt.timedelta(days=2) if deadline else None,
                closed_at=closed_at,
                on_time=(closed_at <= deadline)
                if closed_at and deadline and state == "closed"
                else None,
                days_to_close=(closed_at - registered).days
                if closed_at and state == "closed"
                else None,
                created_by=office,
                updated_at=registered,
            )
            batch.append(p)
            if len(batch) == 5000:
                Problem.objects.bulk_create(batch)
                batch = []
        if batch:
            Problem.objects.bulk_create(batch)
        some = list(Problem.objects.order_by("pk").values_list("pk", flat=True)[: max(1, n // 50)])
        Problem.objects.filter(pk__in=some[1::2]).update(recurrence_of_id=some[0])
    from qitong.supervision.tally import tally_rebuild

    rows = tally_rebuild()  # the rows were written in bulk, past the services that keep it
    print(
        f"已生成 {n - have:,} 个问题，统计累计 {rows:,} 行（{time.perf_counter() - started:.1f} 秒）"
    )
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="督查问题：列表与统计的耗时")
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    url = _url()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from qitong.accounts.models import User
    from qitong.accounts.roles import Role
    from qitong.core import clock
    from qitong.directory.models import Region

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.exists():
        from qitong.directory.regions import DEFAULT_REGION_FILE, load_regions

        load_regions(DEFAULT_REGION_FILE)
    province = Region.objects.get(code="150000")
    baotou = Region.objects.get(code="150200")
    office, _ = User.objects.get_or_create(
        username="bench_sv_office",
        defaults={"role": Role.SUPERVISOR, "display_name": "压测", "region": province},
    )
    city, _ = User.objects.get_or_create(
        username="bench_sv_city",
        defaults={"role": Role.SUPERVISOR, "display_name": "压测", "region": baotou},
    )
    total = seed(args.problems, office)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE supervision_problem")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    unit = _departments()[40]
    clients = {}
    for who, user in (("office", office), ("city", city)):
        c = Client()
        c.force_login(user)
        clients[who] = c
    today = clock.now().date()
    year = f"from={today.replace(month=1, day=1)}&to={today}"
    api = "/api/v1/supervision"
    o, cty = clients["office"], clients["city"]
    cases = {
        "接口 列表（全区，第 1 页）": lambda: ok(o.get(f"{api}/problems")),
        "接口 列表 第 100 页": lambda: ok(o.get(f"{api}/problems?offset=4950")),
        "接口 列表 state=open": lambda: ok(o.get(f"{api}/problems?state=open")),
        "接口 列表 overdue=true": lambda: ok(o.get(f"{api}/problems?overdue=true")),
        "接口 列表 unit=": lambda: ok(o.get(f"{api}/problems?unit={unit.pk}")),
        "接口 列表 类别+等级": lambda: ok(o.get(f"{api}/problems?category=arrears&class=A")),
        "接口 列表（包头市）": lambda: ok(cty.get(f"{api}/problems")),
        "接口 计数": lambda: ok(o.get(f"{api}/problems/counts")),
        "接口 统计（今年）": lambda: ok(o.get(f"{api}/stats?{year}")),
        "接口 统计（两年）": lambda: ok(
            o.get(f"{api}/stats?from={today - dt.timedelta(days=730)}")
        ),
        "接口 统计（包头市）": lambda: ok(cty.get(f"{api}/stats?{year}")),
        "接口 整改看板": lambda: ok(o.get(f"{api}/board")),
        "页面 问题清单": lambda: ok(o.get("/supervision/")),
        "页面 问题清单 state=open": lambda: ok(o.get("/supervision/?state=open")),
        "页面 问题统计": lambda: ok(o.get(f"/supervision/stats/?{year}")),
    }
    print(f"督查问题基准：{describe(url)}；{total:,} 个问题；每项 {args.repeat} 次")
    width = max(len(name) for name in cases) + 2
    print(f"{'':{width}}   p50 ms   p95 ms   max ms")
    for name, fn in cases.items():
        r = timed(fn, args.repeat)
        print(f"{name:{width}} {r['p50']:8} {r['p95']:8} {r['max']:8}")


if __name__ == "__main__":
    main()
