"""Computing a quarter's assessment at scale (issue 15): 14 territorial units (the 12 盟市 and two
计划单列市, counted live from their tickets) and 60 departments, over the tickets of the
current quarter, with the demo's two schemes (hotline 三率 and the rest from the rollup,
late complaints from the tickets, reform tasks, problems, accountability, arrears). Target:
≤ 30 s per round on PostgreSQL over 1,000,000 tickets in the quarter.

    # 1,000,000 tickets created since the quarter began (the seeder's --days), then:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qitong_bench_appraisal \\
        python bench/seed.py --recreate --tickets 1000000 --days 64
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qitong_bench_appraisal python bench/appraisal.py

Prints, per scheme: the units, the seconds and SQL statements of `compute` (snapshot and
score), of a rescoring (an upheld objection) and of the results API; and the tickets the
quarter holds. Each run makes a new round version for the quarter (the previous one is
published and corrected), so it can be repeated on the same database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, describe, setup_django

SEPARATE = [("150781", "满洲里市"), ("152501", "二连浩特市")]


def ensure_units(departments: int) -> tuple[int, int]:
    """The 12 盟市 (reforms' default units), the two 计划单列市 and `departments` department
    units (the region's own departments first, then the 盟市's largest)."""
    from django.db.models import Count

    from qitong.directory.models import Department, Region
    from qitong.reforms.models import ReportingUnit
    from qitong.reforms.services import reporting_units_ensure
    from qitong.reforms.states import UnitKind

    reporting_units_ensure()
    for code, name in SEPARATE:
        region = Region.objects.filter(code=code).first()
        if region is not None:
            ReportingUnit.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": UnitKind.SEPARATE,
                    "region": region,
                    "sort_order": 200,
                },
            )
    have = ReportingUnit.objects.filter(kind=UnitKind.DEPARTMENT).count()
    taken = set(
        ReportingUnit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("department", flat=True)
    )
    wanted = (
        Department.objects.filter(active=True)
        .exclude(pk__in=[t for t in taken if t])
        .annotate(n=Count("led_tickets"))
        .order_by("-n", "code")
    )
    for position, dept in enumerate(wanted[: max(0, departments - have)]):
        ReportingUnit.objects.create(
            code=f"B-{dept.pk}",
            name=(dept.short_name or dept.name)[:50],
            kind=UnitKind.DEPARTMENT,
            region=dept.region,
            department=dept,
            sort_order=1000 + position,
        )
    territorial = (
        ReportingUnit.objects.exclude(kind=UnitKind.DEPARTMENT).filter(active=True).count()
    )
    return territorial, ReportingUnit.objects.filter(kind=UnitKind.DEPARTMENT, active=True).count()


def counted(fn: Any) -> tuple[Any, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = fn()
        took = time.perf_counter() - started
    return result, took, len(queries)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="考核评估：一期考核的计算耗时")
    parser.add_argument("--departments", type=int, default=60, help="部门单位数（默认 60）")
    args = parser.parse_args(argv)
    url = database_url()
    print(f"数据库：{describe(url)}", flush=True)
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from qitong.accounts.roles import Role
    from qitong.appraisal.models import Round, Scheme
    from qitong.appraisal.periods import quarter_of
    from qitong.appraisal.schemes import scheme_create
    from qitong.appraisal.services import objection_act, objection_file, round_act, round_create
    from qitong.core.workdays import LOCAL_TZ, local_today
    from qitong.demo.appraisal import CITY_SCHEME, DEPARTMENT_SCHEME
    from qitong.tickets.models import Ticket

    territorial, departments = ensure_units(args.departments)
    quarter = quarter_of(local_today())
    import datetime as dt

    start = dt.datetime.combine(quarter.start, dt.time.min, LOCAL_TZ)
    tickets = Ticket.objects.filter(created_at__gte=start).count()
    print(
        f"{quarter.label}：工单 {tickets:,} 张；盟市类单位 {territorial} 个，部门单位 {departments} 个",
        flush=True,
    )
    users = get_user_model().objects
    office = users.filter(role=Role.SUPERVISOR, region__code="150000").first() or users.get(
        username="supervisor"
    )
    unit_user = users.filter(username="coordinator").first()
    client = Client()
    client.force_login(office)
    rows = []
    for body in (CITY_SCHEME, DEPARTMENT_SCHEME):
        scheme = Scheme.objects.filter(code=body["code"]).order_by(
            "-version"
        ).first() or scheme_create(user=office, data=body)
        previous = (
            Round.objects.filter(family=scheme.code, period=quarter.key)
            .order_by("-version")
            .first()
        )
        if previous is not None and previous.state in ("draft", "computed"):
            if previous.state == "draft":
                previous = round_act(pk=previous.pk, action="compute", user=office)
            previous = round_act(pk=previous.pk, action="open_review", user=office)
        if previous is not None and previous.state == "in_review":
            for o in previous.objections.filter(state="open"):
                objection_act(pk=o.pk, action="reject", user=office, data={"decision": "压测"})
            previous = round_act(
                pk=previous.pk, action="publish", user=office, data={"note": "压测"}
            )
        if previous is not None:
            rnd = round_act(
                pk=previous.pk, action="correct", user=office, data={"reason": "压测重新计算"}
            )
        else:
            rnd = round_create(user=office, scheme=scheme.pk, period=quarter.key)
        rnd, compute_s, compute_q = counted(
            lambda r=rnd: round_act(pk=r.pk, action="compute", user=office)
        )
        rnd = round_act(pk=rnd.pk, action="open_review", user=office)
        rescore_s = rescore_q = None
        if unit_user is not None and scheme.scope == "territorial":
            leaf = "D4.1"
            objection, _ = objection_file(
                user=unit_user, round_id=rnd.pk, data={"indicator": leaf, "reason": "压测异议"}
            )
            _, rescore_s, rescore_q = counted(
                lambda o=objection: objection_act(
                    pk=o.pk,
                    action="uphold",
                    user=office,
                    data={"corrected_value": "88", "decision": "压测"},
                )
            )
        response, results_s, results_q = counted(
            lambda r=rnd: client.get(f"/api/v1/appraisal/rounds/{r.pk}/results")
        )
        assert response.status_code == 200, response.content[:300]
        rows.append(
            (
                scheme.name,
                rnd.units.count(),
                compute_s,
                compute_q,
                rescore_s,
                rescore_q,
                results_s,
                results_q,
            )
        )
    print()
    print(
        "| 指标体系 | 单位 | 计算（秒） | SQL | 异议成立后重新评分（秒） | SQL | 结果接口（秒） | SQL |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, units, cs, cq, rs, rq, ws, wq in rows:
        rescore = "—" if rs is None else f"{rs:.2f}"
        print(
            f"| {name} | {units} | **{cs:.2f}** | {cq} | {rescore} | {rq or '—'} | {ws:.2f} | {wq} |"
        )


if __name__ == "__main__":
    main()
