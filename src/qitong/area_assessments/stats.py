"""The registry's six KPIs (issue 16), one function for the page, the API and the export:
results published and collected into the approval system in the period, projects that used a
result in it, uses, the investment of those projects (亿元) and the cost saved (万元); by zone,
by item and by month; and the coverage matrix of zones × items (which zone lacks which result
today). Each figure carries the list behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse

from qitong.area_assessments.models import AssessmentType, Project, Result, Use, Zone
from qitong.area_assessments.states import LIVE_STATES
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import local_today

WAN_PER_YI = Decimal(10000)


@dataclass
class Figures:
    published: int = 0
    collected: int = 0
    projects: int = 0
    uses: int = 0
    investment_wan: Decimal = Decimal(0)
    saved_wan: Decimal = Decimal(0)
    saved_days: int = 0

    @property
    def investment_yi(self) -> Decimal:
        return (self.investment_wan / WAN_PER_YI).quantize(Decimal("0.01"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "published": self.published,
            "collected": self.collected,
            "projects": self.projects,
            "uses": self.uses,
            "investment_yi": str(self.investment_yi),
            "saved_wan": str(self.saved_wan.quantize(Decimal("0.01"))),
            "saved_days": self.saved_days,
        }


@dataclass
class Stats:
    start: dt.date
    end: dt.date
    total: Figures
    by_zone: list[dict[str, Any]] = field(default_factory=list)
    by_type: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)


def period_of(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    today = local_today()
    end = end or today
    start = start or dt.date(end.year, 1, 1)
    if start > end:
        raise ValidationFailed(fields={"to": "结束日期不能早于开始日期"})
    if (end - start).days > 10 * 366:
        raise ValidationFailed(fields={"from": "统计区间最长十年"})
    return start, end


def _list(name: str, **query: Any) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in query.items() if v not in (None, '')})}"


def _figures(results: Any, uses: Any, start: dt.date, end: dt.date) -> Figures:
    published = results.filter(published_on__gte=start, published_on__lte=end).count()
    collected = results.filter(collected_on__gte=start, collected_on__lte=end).count()
    in_period = uses.filter(used_on__gte=start, used_on__lte=end)
    sums = in_period.aggregate(n=Count("pk"), money=Sum("saved_money"), days=Sum("saved_days"))
    projects = Project.objects.filter(pk__in=in_period.values("project"))
    investment = projects.aggregate(n=Count("pk"), s=Sum("investment"))
    return Figures(
        published=published,
        collected=collected,
        projects=investment["n"] or 0,
        uses=sums["n"] or 0,
        investment_wan=Decimal(investment["s"] or 0),
        saved_wan=Decimal(sums["money"] or 0),
        saved_days=int(sums["days"] or 0),
    )


def _grouped(key: str, start: dt.date, end: dt.date) -> dict[Any, dict[str, Any]]:
    """The six figures grouped by zone or item: one grouped query per figure."""
    results = Result.objects.order_by()
    out: dict[Any, dict[str, Any]] = {}

    def put(rows: Any, name: str, value: str) -> None:
        for r in rows:
            out.setdefault(r[key], {})[name] = r[value]

    put(
        results.filter(published_on__range=(start, end)).values(key).annotate(n=Count("pk")),
        "published",
        "n",
    )
    put(
        results.filter(collected_on__range=(start, end)).values(key).annotate(n=Count("pk")),
        "collected",
        "n",
    )
    uses = Use.objects.filter(used_on__range=(start, end)).order_by()
    by = f"result__{key}"
    for r in uses.values(by).annotate(
        n=Count("pk"), money=Sum("saved_money"), projects=Count("project", distinct=True)
    ):
        out.setdefault(r[by], {}).update(
            {"uses": r["n"], "saved_wan": r["money"] or 0, "projects": r["projects"]}
        )
    if key == "zone":  # a project's investment counts for its zone once
        invested = (
            Project.objects.filter(pk__in=uses.values("project"))
            .values("zone")
            .annotate(s=Sum("investment"))
        )
        for r in invested:
            out.setdefault(r["zone"], {})["investment_wan"] = r["s"] or 0
    return out


def area_stats(start: dt.date | None = None, end: dt.date | None = None) -> Stats:
    start, end = period_of(start, end)
    total = _figures(Result.objects.all(), Use.objects.all(), start, end)
    span = {"from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}"}
    stats = Stats(start, end, total)
    stats.links = {
        "published": _list(
            "area_assessments:results", published_from=span["from"], published_to=span["to"]
        ),
        "collected": _list(
            "area_assessments:results", collected_from=span["from"], collected_to=span["to"]
        ),
        "uses": _list("area_assessments:uses", **span),
        "projects": _list("area_assessments:uses", **span),
    }
    zones = {z.pk: z for z in Zone.objects.select_related("region")}
    for pk, row in sorted(
        _grouped("zone", start, end).items(), key=lambda kv: -(kv[1].get("uses") or 0)
    ):
        zone = zones.get(pk)
        if zone is None:
            continue
        stats.by_zone.append(
            {
                "zone": {
                    "id": pk,
                    "name": zone.name,
                    "region": zone.region.name,
                    "level": zone.get_level_display(),
                },
                "published": row.get("published", 0),
                "collected": row.get("collected", 0),
                "projects": row.get("projects", 0),
                "uses": row.get("uses", 0),
                "investment_yi": str(
                    (Decimal(row.get("investment_wan", 0)) / WAN_PER_YI).quantize(Decimal("0.01"))
                ),
                "saved_wan": str(Decimal(row.get("saved_wan", 0)).quantize(Decimal("0.01"))),
                "uses_url": _list("area_assessments:uses", zone=pk, **span),
            }
        )
    types = {t.pk: t for t in AssessmentType.objects.all()}
    grouped = _grouped("type", start, end)
    for t in types.values():
        row = grouped.get(t.pk, {})
        stats.by_type.append(
            {
                "type": {"id": t.pk, "name": t.name},
                "published": row.get("published", 0),
                "collected": row.get("collected", 0),
                "projects": row.get("projects", 0),
                "uses": row.get("uses", 0),
                "saved_wan": str(Decimal(row.get("saved_wan", 0)).quantize(Decimal("0.01"))),
                "uses_url": _list("area_assessments:uses", type=t.pk, **span),
            }
        )
    stats.by_month = _months(start, end)
    return stats


def _months(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Uses and results published per month of the period (grouped in Python from the days:
    a few thousand rows, no date function per database)."""
    months: dict[str, dict[str, int]] = {}
    month = start.replace(day=1)
    while month <= end:
        months[f"{month:%Y-%m}"] = {"uses": 0, "published": 0}
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    for day, n in (
        Use.objects.filter(used_on__range=(start, end))
        .order_by()
        .values_list("used_on")
        .annotate(n=Count("pk"))
    ):
        months[f"{day:%Y-%m}"]["uses"] += n
    for day, n in (
        Result.objects.filter(published_on__range=(start, end))
        .order_by()
        .values_list("published_on")
        .annotate(n=Count("pk"))
    ):
        months[f"{day:%Y-%m}"]["published"] += n
    return [{"month": k, **v} for k, v in months.items()]


def coverage(day: dt.date | None = None) -> dict[str, Any]:
    """Zones × items: the result in force today for each pair (or none: the gap)."""
    day = day or local_today()
    types = list(AssessmentType.objects.filter(active=True))
    live = (
        Result.objects.filter(
            state__in=sorted(LIVE_STATES), approved_on__lte=day, valid_until__gte=day
        )
        .filter(Q(published_on__isnull=True) | Q(published_on__lte=day))
        .values_list("zone_id", "type_id", "pk", "valid_until")
    )
    cell: dict[tuple[int, int], tuple[int, dt.date]] = {}
    for zone_id, type_id, pk, until in live:
        cell[(zone_id, type_id)] = (pk, until)
    rows = []
    for zone in (
        Zone.objects.filter(active=True).select_related("region").order_by("region__code", "name")
    ):
        cells = [cell.get((zone.pk, t.pk)) for t in types]
        rows.append(
            {
                "zone": {"id": zone.pk, "name": zone.name, "region": zone.region.name},
                "cells": [
                    None if c is None else {"result": c[0], "valid_until": c[1].isoformat()}
                    for c in cells
                ],
                "missing": sum(1 for c in cells if c is None),
            }
        )
    return {
        "day": day.isoformat(),
        "types": [{"id": t.pk, "name": t.name} for t in types],
        "rows": rows,
    }
