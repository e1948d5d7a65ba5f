"""The hotline rollup (HotlineDay, HotlineCategoryDay): what each ticket contributes, kept in
the same transaction as the ticket's change, and the full recount that rebuilds it.

A ticket contributes its counted facts (tickets.facts) to one row per table, keyed by its
受理日 (local date of creation), 盟市 (first four digits of its region), current lead
department and desk. An action compares the contribution before and after and applies the
difference with one upsert per changed row (`INSERT … ON CONFLICT DO UPDATE SET n = n + Δ`,
on SQLite and PostgreSQL alike), rows locked in key order so two actions never deadlock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Concat, Substr, TruncDate

from qitong.core.workdays import LOCAL_TZ
from qitong.tickets.facts import FACTS
from qitong.tickets.models import HotlineCategoryDay, HotlineDay, Ticket

MainKey = tuple[dt.date, str, int, int]  # day, city, department, desk
CategoryKey = tuple[dt.date, str, int]  # day, city, category


def city_of(region_code: str) -> str:
    """The 盟市 a region code belongs to (150203 → 150200; the region itself stays)."""
    return region_code[:4].ljust(6, "0")


@dataclass(frozen=True)
class Contribution:
    main: MainKey
    counts: tuple[int, ...]  # per tickets.facts.FACTS, then reply_minutes_sum
    category: CategoryKey


def contribution(ticket: Ticket) -> Contribution:
    day = ticket.created_at.astimezone(LOCAL_TZ).date()
    city = city_of(ticket.region_code)
    counts = (*(int(f.test(ticket)) for f in FACTS), ticket.reply_minutes or 0)
    return Contribution(
        main=(day, city, ticket.lead_department_id or 0, ticket.desk_id or 0),
        counts=counts,
        category=(day, city, ticket.category_id),
    )


_COLUMNS = [f.key for f in FACTS] + ["reply_minutes_sum"]


def _upsert_main(key: MainKey, delta: list[int]) -> None:
    table = HotlineDay._meta.db_table
    names = ", ".join(_COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _COLUMNS)
    sql = (
        f"INSERT INTO {table} (day, city, department, desk, {names}) "  # nosec B608 # names are our model's columns
        f"VALUES (%s, %s, %s, %s, {marks}) "
        f"ON CONFLICT (day, city, department, desk) DO UPDATE SET {sets}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key, *delta])


def _upsert_category(key: CategoryKey, delta: int) -> None:
    table = HotlineCategoryDay._meta.db_table
    sql = (
        f"INSERT INTO {table} (day, city, category, created) VALUES (%s, %s, %s, %s) "  # nosec B608 # our table
        f"ON CONFLICT (day, city, category) DO UPDATE SET created = {table}.created + excluded.created"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key, delta])


def rollup_apply(before: Contribution | None, after: Contribution) -> None:
    """Move the ticket's contribution from `before` (None: a new ticket) to `after`, inside
    the caller's transaction."""
    main: dict[MainKey, list[int]] = {}
    if before is not None:
        main[before.main] = [-n for n in before.counts]
    current = main.setdefault(after.main, [0] * len(after.counts))
    main[after.main] = [a + b for a, b in zip(current, after.counts, strict=True)]
    for key in sorted(main):
        if any(main[key]):
            _upsert_main(key, main[key])
    category: dict[CategoryKey, int] = {}
    if before is not None:
        category[before.category] = -1
    category[after.category] = category.get(after.category, 0) + 1
    for ckey in sorted(category):
        if category[ckey]:
            _upsert_category(ckey, category[ckey])


def _keyed(tickets: QuerySet[Ticket]) -> Any:
    return tickets.order_by().annotate(
        r_day=TruncDate("created_at", tzinfo=LOCAL_TZ),
        r_city=Concat(Substr("region_code", 1, 4), Value("00")),
    )


def _main_rows(keyed: Any) -> list[HotlineDay]:
    mains = keyed.annotate(
        r_department=Coalesce("lead_department_id", Value(0), output_field=IntegerField()),
        r_desk=Coalesce("desk_id", Value(0), output_field=IntegerField()),
    ).values("r_day", "r_city", "r_department", "r_desk")
    counted = mains.annotate(
        **{f"n_{f.key}": Count("pk", filter=f.q) for f in FACTS},
        n_reply_minutes_sum=Coalesce(Sum("reply_minutes"), Value(0)),
    )
    rows: list[dict[str, Any]] = [dict(row) for row in counted]
    main_rows = [
        HotlineDay(
            day=row["r_day"],
            city=_city(row["r_city"]),
            department=row["r_department"],
            desk=row["r_desk"],
            **{c: row[f"n_{c}"] for c in _COLUMNS},
        )
        for row in rows
    ]
    return main_rows


def _grouped() -> tuple[list[HotlineDay], list[HotlineCategoryDay]]:
    keyed = _keyed(Ticket.objects.all())
    main_rows = _main_rows(keyed)
    categories = keyed.values("r_day", "r_city", "category_id").annotate(n=Count("pk"))
    category_rows = [
        HotlineCategoryDay(
            day=row["r_day"],
            city=_city(row["r_city"]),
            category=row["category_id"],
            created=row["n"],
        )
        for row in categories
    ]
    return main_rows, category_rows


def _city(concatenated: str) -> str:
    # Substr(…, 1, 4) || "00" is the city for every 6-digit code; a shorter code (none in
    # the directory) is normalised the way city_of does.
    return city_of(concatenated[:4])


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
