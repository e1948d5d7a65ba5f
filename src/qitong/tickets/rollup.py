"""The hotline rollup (HotlineDay, HotlineCategoryDay): what each ticket contributes, kept in
the same transaction as the ticket's change, and the full recount that rebuilds it.

A ticket contributes its counted facts (tickets.facts) to one row per grain of each table:
the day it was created (受理日, local date) with its 盟市 (first four digits of its region),
current lead department and desk; that month (keyed by the month's first day) by 盟市 and
department (grain m) and by 盟市 and desk (grain k). An action compares the contribution before and after and applies the difference
with ONE upsert per table (`INSERT … VALUES (…), (…) ON CONFLICT DO UPDATE SET n = n + Δ`,
on SQLite and PostgreSQL alike), its rows in key order so two actions never deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Sum, Value
from django.db.models.functions import Coalesce, Concat, Substr, TruncDate

from qitong.core.upsert import upsert_add
from qitong.core.workdays import LOCAL_TZ
from qitong.tickets.facts import FACTS
from qitong.tickets.models import Grain, HotlineCategoryDay, HotlineDay, Ticket

MainKey = tuple[str, dt.date, str, int, int]  # grain, day, city, department, desk
CategoryKey = tuple[str, dt.date, str, int]  # grain, day, city, category


def city_of(region_code: str) -> str:
    """The 盟市 a region code belongs to (150203 → 150200; the region itself stays)."""
    return region_code[:4].ljust(6, "0")


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Contribution:
    day: dt.date
    city: str
    department: int
    desk: int
    category: int
    counts: tuple[int, ...]  # per tickets.facts.FACTS, then reply_minutes_sum

    def main_keys(self) -> list[MainKey]:
        month = month_of(self.day)
        return [
            (Grain.DAY, self.day, self.city, self.department, self.desk),
            (Grain.MONTH, month, self.city, self.department, 0),
            (Grain.DESK_MONTH, month, self.city, 0, self.desk),
        ]

    def category_keys(self) -> list[CategoryKey]:
        return [
            (Grain.DAY, self.day, self.city, self.category),
            (Grain.MONTH, month_of(self.day), self.city, self.category),
        ]


def contribution(ticket: Ticket) -> Contribution:
    return Contribution(
        day=ticket.created_at.astimezone(LOCAL_TZ).date(),
        city=city_of(ticket.region_code),
        department=ticket.lead_department_id or 0,
        desk=ticket.desk_id or 0,
        category=ticket.category_id,
        counts=(*(int(f.test(ticket)) for f in FACTS), ticket.reply_minutes or 0),
    )


_COLUMNS = [f.key for f in FACTS] + ["reply_minutes_sum"]


def rollup_apply(before: Contribution | None, after: Contribution) -> None:
    """Move the ticket's contribution from `before` (None: a new ticket) to `after`, inside
    the caller's transaction: at most one statement per table, none if nothing changed."""
    main: dict[MainKey, list[int]] = defaultdict(lambda: [0] * len(after.counts))
    category: dict[CategoryKey, int] = defaultdict(int)
    for sign, part in ((-1, before), (1, after)):
        if part is None:
            continue
        for key in part.main_keys():
            main[key] = [a + sign * b for a, b in zip(main[key], part.counts, strict=True)]
        for ckey in part.category_keys():
            category[ckey] += sign
    rows = [(*key, *main[key]) for key in sorted(main) if any(main[key])]
    if rows:
        keys = ["grain", "day", "city", "department", "desk"]
        upsert_add(HotlineDay._meta.db_table, keys, _COLUMNS, rows)
    crows = [(*key, category[key]) for key in sorted(category) if category[key]]
    if crows:
        keys = ["grain", "day", "city", "category"]
        upsert_add(HotlineCategoryDay._meta.db_table, keys, ["created"], crows)


def _keyed(tickets: Any) -> Any:
    return tickets.order_by().annotate(
        r_day=TruncDate("created_at", tzinfo=LOCAL_TZ),
        r_city=Concat(Substr("region_code", 1, 4), Value("00")),
    )


def _city(concatenated: str) -> str:
    # Substr(…, 1, 4) || "00" is the city for every 6-digit code; a shorter code (none in
    # the directory) is normalised the way city_of does.
    return city_of(concatenated[:4])


def _grouped() -> tuple[list[HotlineDay], list[HotlineCategoryDay]]:
    """The rollup recounted from the tickets, with the same facts (their `q` this time): the
    days by one grouped query each, the months summed from the days."""
    keyed = _keyed(Ticket.objects.all())
    counted = (
        keyed.annotate(
            r_department=Coalesce("lead_department_id", Value(0), output_field=IntegerField()),
            r_desk=Coalesce("desk_id", Value(0), output_field=IntegerField()),
        )
        .values("r_day", "r_city", "r_department", "r_desk")
        .annotate(
            **{f"n_{f.key}": Count("pk", filter=f.q) for f in FACTS},
            n_reply_minutes_sum=Coalesce(Sum("reply_minutes"), Value(0)),
        )
    )
    main: dict[MainKey, list[int]] = {}
    for row in counted:
        values = [int(row[f"n_{c}"]) for c in _COLUMNS]
        day, city = row["r_day"], _city(row["r_city"])
        department, desk = row["r_department"], row["r_desk"]
        main[(Grain.DAY, day, city, department, desk)] = values
        for key in (
            (Grain.MONTH, month_of(day), city, department, 0),
            (Grain.DESK_MONTH, month_of(day), city, 0, desk),
        ):
            main[key] = [
                a + b for a, b in zip(main.get(key, [0] * len(values)), values, strict=True)
            ]
    categories: dict[CategoryKey, int] = defaultdict(int)
    for row in keyed.values("r_day", "r_city", "category_id").annotate(n=Count("pk")):
        day, city = row["r_day"], _city(row["r_city"])
        categories[(Grain.DAY, day, city, row["category_id"])] += row["n"]
        categories[(Grain.MONTH, month_of(day), city, row["category_id"])] += row["n"]
    main_rows = [
        HotlineDay(
            grain=g, day=d, city=c, department=dep, desk=desk, **dict(zip(_COLUMNS, v, strict=True))
        )
        for (g, d, c, dep, desk), v in main.items()
    ]
    category_rows = [
        HotlineCategoryDay(grain=g, day=d, city=c, category=cat, created=n)
        for (g, d, c, cat), n in categories.items()
    ]
    return main_rows, category_rows


def rollup_recount() -> tuple[list[HotlineDay], list[HotlineCategoryDay]]:
    """The rollup as a full recount would make it (unsaved rows): the test compares it with
    the rows kept action by action."""
    return _grouped()


def rollup_rebuild() -> tuple[int, int]:
    """Replace the rollup by a full recount (after a bulk load, or to repair): one grouped
    read of the tickets; the tables are locked against concurrent actions meanwhile on
    PostgreSQL. Returns the rows written to each table."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {HotlineDay._meta.db_table}, "  # nosec B608 # our tables
                    f"{HotlineCategoryDay._meta.db_table} IN EXCLUSIVE MODE"
                )
        main_rows, category_rows = _grouped()
        HotlineDay.objects.all().delete()
        HotlineCategoryDay.objects.all().delete()
        HotlineDay.objects.bulk_create(main_rows, batch_size=2000)
        HotlineCategoryDay.objects.bulk_create(category_rows, batch_size=2000)
    return len(main_rows), len(category_rows)


def rollup_ensure(using: str = "default") -> None:
    """Build the rollup if tickets exist and it has none (the first migrate that adds it)."""
    if using != "default":
        return
    if not HotlineDay.objects.exists() and Ticket.objects.exists():
        rollup_rebuild()
