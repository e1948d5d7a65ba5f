"""The arrears ledger at scale (issue 14): the claims list (API and page, with the totals at
the top and the usual filters), the KPIs and the annual disclosure over 200,000 claims,
through the Django test client (middleware, scope, serialisation), timed per call with
p50/p95/max.

    python bench/arrears.py                     # 200,000 claims on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qitong_bench_arrears python bench/arrears.py
    python bench/arrears.py --claims 20000 --repeat 10

Seeds its own synthetic claims once per size (rows written in bulk as the services would
have left them: every state, due dates by the regulation's terms, repayments with their
effective days, balances and the interest's stored terms), over ~2,600 debtors of every kind
in the 12 盟市 and the region, owed to ~5,000 enterprises. Target: p95 ≤ 200 ms for the list
and the KPIs at 200,000 claims, on both databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, describe, ok, setup_django, timed

DEFAULT_SQLITE = REPO / "var" / "bench_arrears.sqlite3"
STATES = [
    ("closed", 40),
    ("partly_repaid", 15),
    ("registered", 12),
    ("verified", 10),
    ("planned", 6),
    ("repaid", 5),
    ("disputed", 4),
    ("mediation", 2),
    ("litigation", 3),
    ("written_off", 3),
]
KINDS = ["organ"] * 5 + ["institution"] * 2 + ["soe_large"] * 2 + ["large", "association"]


def _url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DEFAULT_SQLITE}"
        os.environ["DATABASE_URL"] = url
    return url


def _code(prefix: str, n: int) -> str:
    from qitong.enterprises.validators import uscc_check_char

    first17 = f"{prefix}150000BQ{n:07d}"
    return first17 + uscc_check_char(first17)


def _parties() -> tuple[list[Any], list[Any]]:
    """~2,600 debtors (200 per 盟市 and the region) and 5,000 creditor enterprises."""
    from qitong.arrears.models import Debtor
    from qitong.directory.models import Region, RegionLevel
    from qitong.enterprises.models import Enterprise

    debtors = list(Debtor.objects.filter(credit_code__contains="BQ").select_related("region"))
    creditors = list(Enterprise.objects.filter(name__startswith="压测债权企业"))
    if debtors and creditors:
        return debtors, creditors
    regions = list(Region.objects.exclude(level=RegionLevel.COUNTY).order_by("code"))
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    rows, n = [], 0
    for region in regions:
        for k in range(200):
            n += 1
            kind = KINDS[k % len(KINDS)]
            county = k % 3 == 0 and region.level == RegionLevel.CITY
            place = (
                next((c for c in counties if c.parent_id == region.pk), region)
                if county
                else region
            )
            rows.append(
                Debtor(
                    name=f"{place.name}压测债务人{k:03d}",
                    credit_code=_code("11" if kind == "organ" else "91", n),
                    kind=kind,
                    level="county"
                    if county
                    else "region"
                    if region.level == "province"
                    else "city",
                    region=place,
                )
            )
    Debtor.objects.bulk_create(rows)
    Enterprise.objects.bulk_create(
        Enterprise(
            credit_code=_code("92", 100000 + i),
            name=f"压测债权企业{i:05d}",
            region=counties[i % len(counties)],
            industry="E",
            size="small",
        )
        for i in range(5000)
    )
    return _parties()


def seed(n: int, office: Any) -> int:
    """`n` synthetic claims and their repayments (made once; later runs reuse them)."""
    from django.db import transaction

    from qitong.arrears import rules
    from qitong.arrears.models import Claim, Repayment
    from qitong.arrears.services import defaults_ensure
    from qitong.core import clock

    have = Claim.objects.count()
    if have >= n:
        return have
    started = time.perf_counter()
    defaults_ensure()
    rng = random.Random(14)
    debtors, creditors = _parties()
    now = clock.now()
    today = now.date()
    states = [s for s, w in STATES for _ in range(w)]
    default_rate = rules.daily_rate(None)
    agreed_rate = rules.daily_rate(Decimal("4.35"))
    claims: list[Claim] = []
    plans: list[tuple[int, str, Decimal, dt.date]] = []  # (index, state, owed, due)
    for i in range(have, n):
        state = rng.choice(states)
        debtor = rng.choice(debtors)
        signed = today - dt.timedelta(days=rng.randint(120, 1400))
        delivered = signed + dt.timedelta(days=rng.randint(10, 90))
        term = 30 if debtor.kind in ("organ", "institution") else 60
        due = delivered + dt.timedelta(days=term)
        owed = Decimal(rng.randint(20, 5000) * 1000)
        disputed = (
            (owed * Decimal("0.3")).quantize(Decimal(1))
            if state in ("disputed", "mediation", "litigation")
            else Decimal(0)
        )
        registered = min(
            now,
            dt.datetime.combine(due + dt.timedelta(days=rng.randint(5, 90)), dt.time(10), dt.UTC),
        )
        claims.append(
            Claim(
                debtor=debtor,
                debtor_kind=debtor.kind,
                debtor_level=debtor.level,
                region_code=debtor.region.code,
                creditor=rng.choice(creditors),
                creditor_sme=rng.random() > 0.03,
                contract_number=f"BQ-{i:07d}",
                contract_kind=rng.choice(["goods", "works", "services"]),
                contract_amount=owed + 10000,
                signed_on=signed,
                delivered_on=delivered,
                due_on=due,
                due_rule=f"自交付之日（{delivered}）起，{term} 日内支付（第九条）",
                due_day=due.toordinal(),
                daily_rate=agreed_rate if i % 7 == 0 else default_rate,
                owed=owed,
                disputed=disputed,
                balance=owed,
                in_litigation=state == "litigation",
                state=state,
                registered_at=registered,
                created_by=office,
                updated_at=registered,
            )
        )
        plans.append((len(claims) - 1, state, owed, due))
    repayments: list[tuple[int, dt.date, Decimal, str, str]] = []
    for index, state, owed, due in plans:
        c = claims[index]
        paid = Decimal(0)
        if state in ("closed", "repaid"):
            parts = [owed] if rng.random() < 0.7 else [owed / 2, owed - owed / 2]
        elif state in ("partly_repaid", "disputed", "mediation"):
            parts = [(owed * Decimal(rng.choice(["0.2", "0.5", "0.6"]))).quantize(Decimal(1))]
        else:
            parts = []
        confirmed = Decimal(0)
        last = 0
        weighted = Decimal(0)
        for k, amount in enumerate(parts):
            day = min(today, due + dt.timedelta(days=rng.randint(-10, 400) + 20 * k))
            method = rng.choice(["transfer"] * 8 + ["offset", "bill"])
            status = (
                "confirmed" if state in ("closed", "repaid") or rng.random() < 0.5 else "recorded"
            )
            effective = max(day, due)
            repayments.append((index, day, amount, method, status))
            paid += amount
            weighted += amount * effective.toordinal()
            last = max(last, effective.toordinal())
            if status == "confirmed":
                confirmed += amount
        c.repaid, c.confirmed, c.balance = paid, confirmed, owed - paid
        c.paid_weighted, c.last_paid_day = weighted, last or None
        if state in ("closed", "written_off"):
            c.closed_at = min(now, c.registered_at + dt.timedelta(days=rng.randint(30, 300)))
        c.outstanding = state not in ("repaid", "closed", "written_off") and c.balance > 0
    with transaction.atomic():
        for start in range(0, len(claims), 5000):
            Claim.objects.bulk_create(claims[start : start + 5000])
        rows = [
            Repayment(
                claim=claims[index],
                paid_on=day,
                effective_day=max(day, claims[index].due_on).toordinal(),
                days_overdue=max(0, (day - claims[index].due_on).days),
                amount=amount,
                method=method,
                offset_detail="抵顶土地出让金" if method == "offset" else "",
                status=status,
                recorded_by=office,
                recorded_at=claims[index].registered_at,
            )
            for index, day, amount, method, status in repayments
        ]
        for start in range(0, len(rows), 5000):
            Repayment.objects.bulk_create(rows[start : start + 5000])
    print(
        f"已生成 {n - have:,} 笔欠款、{len(repayments):,} 笔清偿（{time.perf_counter() - started:.1f} 秒）"
    )
    return n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="清欠台账：列表、统计与年度公开的耗时")
    parser.add_argument("--claims", type=int, default=200_000)
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
    from qitong.directory.models import Region

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    if not Region.objects.exists():
        from qitong.directory.regions import DEFAULT_REGION_FILE, load_regions

        load_regions(DEFAULT_REGION_FILE)
    province = Region.objects.get(code="150000")
    baotou = Region.objects.get(code="150200")
    office, _ = User.objects.get_or_create(
        username="bench_ar_office",
        defaults={"role": Role.SUPERVISOR, "display_name": "压测", "region": province},
    )
    city, _ = User.objects.get_or_create(
        username="bench_ar_city",
        defaults={"role": Role.SUPERVISOR, "display_name": "压测", "region": baotou},
    )
    total = seed(args.claims, office)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    clients = {}
    for who, user in (("office", office), ("city", city)):
        c = Client()
        c.force_login(user)
        clients[who] = c
    api = "/api/v1/arrears"
    o, cty = clients["office"], clients["city"]
    past = (dt.date.today() - dt.timedelta(days=365)).isoformat()
    cases = {
        "接口 列表（全区，第 1 页）": lambda: ok(o.get(f"{api}/claims")),
        "接口 列表 第 100 页": lambda: ok(o.get(f"{api}/claims?offset=4950")),
        "接口 列表 state=open": lambda: ok(o.get(f"{api}/claims?state=open")),
        "接口 列表 overdue=true": lambda: ok(o.get(f"{api}/claims?overdue=true")),
        "接口 列表 类型+层级": lambda: ok(o.get(f"{api}/claims?kind=soe_large&level=city")),
        "接口 列表 金额区间": lambda: ok(
            o.get(f"{api}/claims?amount_min=1000000&amount_max=2000000")
        ),
        "接口 列表（包头市）": lambda: ok(cty.get(f"{api}/claims")),
        "接口 合计": lambda: ok(o.get(f"{api}/claims/totals")),
        "接口 合计 overdue=true": lambda: ok(o.get(f"{api}/claims/totals?overdue=true")),
        "接口 统计（今天）": lambda: ok(o.get(f"{api}/stats")),
        "接口 统计（一年前）": lambda: ok(o.get(f"{api}/stats?as_of={past}")),
        "接口 统计（包头市）": lambda: ok(cty.get(f"{api}/stats")),
        "接口 统计 kind=organ": lambda: ok(o.get(f"{api}/stats?kind=organ")),
        "接口 年度公开（全部债务人）": lambda: ok(
            o.get(f"{api}/disclosure?year={dt.date.today().year - 1}")
        ),
        "页面 清欠台账": lambda: ok(o.get("/arrears/")),
        "页面 清欠台账 overdue=true": lambda: ok(o.get("/arrears/?overdue=true")),
        "页面 清欠统计": lambda: ok(o.get("/arrears/stats/")),
    }
    print(f"清欠基准：{describe(url)}；{total:,} 笔欠款；每项 {args.repeat} 次")
    width = max(len(name) for name in cases) + 2
    print(f"{'':{width}}   p50 ms   p95 ms   max ms")
    for name, fn in cases.items():
        r = timed(fn, args.repeat)
        print(f"{name:{width}} {r['p50']:8} {r['p95']:8} {r['max']:8}")


if __name__ == "__main__":
    main()
