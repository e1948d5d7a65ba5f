"""The hotline dashboards: the supervisor's overview, the department's scorecard and the desk
lead's desk. Every figure comes from dashboards.hotline (the API's numbers) and links to the
ticket list behind it; every chart has a table with the same figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Func, IntegerField, Value
from django.db.models.functions import Cast, ExtractHour
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.models import User
from qitong.accounts.requests import user_of
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.access import role_required
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import LOCAL_TZ
from qitong.dashboards import hotline
from qitong.ledger.models import Event
from qitong.tickets.listing import list_url
from qitong.tickets.selectors import tickets_visible_to
from qitong.tickets.states import TicketState

PERIODS = [("month", "本月"), ("quarter", "本季度"), ("year", "本年"), ("30d", "近 30 天")]


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def _period(request: HttpRequest) -> tuple[hotline.Period, str, str]:
    """The period the page shows (?period= or ?from=&to=), its key, and an error to show."""
    today = clock.now().astimezone(LOCAL_TZ).date()
    key = request.GET.get("period", "")
    start, end = _date(request.GET.get("from", "")), _date(request.GET.get("to", ""))
    error = ""
    if (request.GET.get("from") and start is None) or (request.GET.get("to") and end is None):
        error = "日期格式应为 年-月-日，如 2026-01-31；已按本月统计"
        start = end = None
    if start or end:
        key = "custom"
        try:
            return hotline.period_of(start, end), key, error
        except ValidationFailed as exc:
            error = "；".join(exc.fields.values()) + "；已按本月统计"
            key = "month"
    if key == "quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    elif key == "year":
        first = today.replace(month=1, day=1)
    elif key == "30d":
        first = today - dt.timedelta(days=29)
    else:
        key, first = "month", today.replace(day=1)
    return hotline.Period(first, today), key, error


def _pct(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _unit_chart(stats: list[hotline.UnitStats], rates: list[hotline.Rate]) -> dict[str, Any]:
    return {
        "kind": "bar",
        "percent": True,
        "rotate": 30 if len(stats) > 6 else 0,
        "categories": [s.unit.name for s in stats],
        "series": [
            {
                "name": r.label,
                "data": [_pct(s.rates[r.key]) for s in stats],
                "urls": [s.drill(r.denominator) for s in stats],
            }
            for r in rates
        ],
    }


def _trend_chart(
    actor: Actor, period: hotline.Period
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    buckets = hotline.hotline_trend(actor=actor, period=period)
    urls = [
        list_url(created_from=f"{b['first']:%Y-%m-%d}", created_to=f"{b['last']:%Y-%m-%d}")
        for b in buckets
    ]

    def rate(d: dict[str, Any], num: str, den: str) -> float | None:
        return round(d[num] / d[den] * 100, 1) if d[den] else None

    chart = {
        "kind": "bar",
        "categories": [b["label"] for b in buckets],
        "series": [
            {"name": "受理", "data": [b["created"] for b in buckets], "urls": urls},
            {
                "name": "满意率",
                "kind": "line",
                "axis": 1,
                "data": [rate(b, "satisfied", "rated") for b in buckets],
            },
        ],
    }
    return chart, [{**b, "url": u} for b, u in zip(buckets, urls, strict=True)]


def _base_context(request: HttpRequest) -> tuple[User, Actor, dict[str, Any]]:
    user = user_of(request)
    actor = actor_of(user)
    period, key, error = _period(request)
    return (
        user,
        actor,
        {
            "period": period,
            "period_key": key,
            "period_error": error,
            "periods": PERIODS,
            "rates": hotline.RATES,
            "three_rates": hotline.THREE_RATES,
            "table_rates": hotline.TABLE_RATES,
        },
    )


def supervisor_context(request: HttpRequest) -> dict[str, Any]:
    """The supervisor's overview figures (its home page shows them above the service table)."""
    _, actor, context = _base_context(request)
    period = context["period"]
    total = hotline.hotline_total(actor=actor, period=period, name="全部")
    cities = hotline.hotline_stats(actor=actor, unit_kind="region", period=period)
    departments = hotline.hotline_stats(actor=actor, unit_kind="department", period=period)[:20]
    trend, days = _trend_chart(actor, period)
    context.update(
        total=total,
        total_rows=total.rate_rows(),
        overdue=hotline.overdue_count(actor=actor),
        overdue_url=list_url(overdue="yes"),
        cities=cities,
        departments=departments,
        city_chart=_unit_chart(cities, hotline.THREE_RATES),
        department_chart=_unit_chart(departments[:12], hotline.THREE_RATES),
        trend_chart=trend,
        days=days,
        overdue_ranking=hotline.overdue_now(actor=actor, by="department"),
        categories=hotline.top_categories(actor=actor, period=period),
        problem_reports=total.counts.get("type_problem_report", 0),
        problem_url=total.drill("type_problem_report"),
    )
    return context


@role_required(Role.HANDLER, Role.DEPT_LEADER)
def department_stats(request: HttpRequest) -> HttpResponse:
    """The department's scorecard: its indicators beside its region's, what is overdue now,
    and its people's work in the period (actions on the ledger)."""
    user, actor, context = _base_context(request)
    period = context["period"]
    mine = hotline.hotline_total(
        actor=actor, period=period, name=user.department.name if user.department else "本单位"
    )
    region = hotline.hotline_region_total(actor=actor, period=period)
    comparison = []
    for r in hotline.RATES:
        comparison.append(
            {
                "rate": r,
                "mine": mine.rates[r.key],
                "numerator": mine.counts.get(r.numerator, 0),
                "denominator": mine.counts.get(r.denominator, 0),
                "numerator_url": mine.drill(r.numerator),
                "denominator_url": mine.drill(r.denominator),
                "region": region.rates[r.key] if region else None,
            }
        )
    chart = {
        "kind": "bar",
        "percent": True,
        "categories": [r.label for r in hotline.RATES[:4]],
        "series": [
            {
                "name": mine.unit.name,
                "data": [_pct(mine.rates[r.key]) for r in hotline.RATES[:4]],
                "urls": [mine.drill(r.denominator) for r in hotline.RATES[:4]],
            },
            *(
                [
                    {
                        "name": region.unit.name,
                        "data": [_pct(region.rates[r.key]) for r in hotline.RATES[:4]],
                    }
                ]
                if region
                else []
            ),
        ],
    }
    context.update(
        mine=mine,
        region=region,
        comparison=comparison,
        chart=chart,
        overdue=hotline.overdue_count(actor=actor),
        overdue_url=list_url(overdue="yes"),
        load=_handler_load(user, period),
        categories=hotline.top_categories(actor=actor, period=period),
    )
    return render(request, "dashboards/department_stats.html", context)


LOAD_ACTIONS = {
    "sign": "签收",
    "reply": "答复",
    "request_extension": "申请延期",
    "request_return": "申请退单",
    "assist": "协办意见",
}


def _handler_load(user: User, period: hotline.Period) -> list[dict[str, Any]]:
    """Per person of the department: the actions they took on tickets in the period (ledger)."""
    if user.department_id is None:
        return []
    people = dict(
        User.objects.filter(department_id=user.department_id, is_active=True).values_list(
            "pk", "first_name"
        )
    )
    usernames = dict(User.objects.filter(pk__in=people).values_list("pk", "username"))
    start = dt.datetime.combine(period.start, dt.time.min, LOCAL_TZ)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, LOCAL_TZ)
    rows = (
        Event.objects.filter(
            actor_id__in=list(people),
            occurred_at__gte=start,
            occurred_at__lt=end,
            subject_type="tickets.ticket",
            action__in=list(LOAD_ACTIONS),
        )
        .values("actor_id", "action")
        .annotate(n=Count("pk"))
    )
    table: dict[int, dict[str, int]] = {pk: {} for pk in people}
    for r in rows:
        table[int(r["actor_id"] or 0)][r["action"]] = r["n"]
    return sorted(
        (
            {
                "name": people[pk] or usernames.get(pk, ""),
                "counts": [counts.get(a, 0) for a in LOAD_ACTIONS],
                "total": sum(counts.values()),
            }
            for pk, counts in table.items()
        ),
        key=lambda r: (-r["total"], r["name"]),
    )


def _local_hour() -> Any:
    """The local (Beijing, UTC+8 all year) hour of creation, computed by the database itself:
    Django's SQLite hour extraction calls back into Python for every row (a year of a desk's
    tickets took ~900 ms), SQLite's strftime does not."""
    if connection.vendor == "sqlite":
        shifted = Func(Value("%H"), "created_at", Value("+8 hours"), function="strftime")
        return Cast(shifted, IntegerField())
    return ExtractHour("created_at", tzinfo=LOCAL_TZ)


@dataclass(frozen=True)
class Operator:
    name: str
    hours: list[int]

    @property
    def total(self) -> int:
        return sum(self.hours)


@role_required(Role.DESK_LEAD, Role.OPERATOR)
def desk_stats(request: HttpRequest) -> HttpResponse:
    """The desk's figures: tickets per operator and hour, 首呼解决率, callbacks due, and the
    desk's indicators for the period."""
    user, actor, context = _base_context(request)
    period = context["period"]
    desk_id = user.desk_id or 0
    stats = (
        hotline.hotline_stats(actor=actor, unit_kind="desk", unit=str(desk_id), period=period)
        if desk_id
        else []
    )
    mine = stats[0] if stats else None
    start = dt.datetime.combine(period.start, dt.time.min, LOCAL_TZ)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, LOCAL_TZ)
    registered = tickets_visible_to(actor).filter(
        desk_id=desk_id, created_at__gte=start, created_at__lt=end, created_by__isnull=False
    )
    per_hour = (
        registered.annotate(hour=_local_hour())
        .values("created_by_id", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    hours = list(range(24))
    grid: dict[int, list[int]] = {}
    for r in per_hour:
        grid.setdefault(r["created_by_id"], [0] * 24)[r["hour"]] += r["n"]
    names = dict(User.objects.filter(pk__in=grid).values_list("pk", "first_name"))
    usernames = dict(User.objects.filter(pk__in=grid).values_list("pk", "username"))
    people = sorted(
        (Operator(names.get(pk) or usernames.get(pk, ""), row) for pk, row in grid.items()),
        key=lambda p: -p.total,
    )
    busy = [h for h in hours if any(p.hours[h] for p in people)] or list(range(8, 18))
    hour_chart = {
        "kind": "bar",
        "categories": [f"{h}时" for h in busy],
        "series": [{"name": p.name, "data": [p.hours[h] for h in busy]} for p in people[:8]],
    }
    callbacks = tickets_visible_to(actor).filter(
        state=TicketState.AWAITING_CALLBACK, callback_dissatisfied=False
    )
    context.update(
        mine=mine,
        rows=mine.rate_rows() if mine else [],
        people=[Operator(p.name, [p.hours[h] for h in busy]) for p in people],
        busy=busy,
        hour_chart=hour_chart,
        callbacks_due=callbacks.count(),
        callbacks_overdue=callbacks.filter(due_at__lt=clock.now()).count(),
        desk=user.desk,
    )
    return render(request, "dashboards/desk_stats.html", context)
