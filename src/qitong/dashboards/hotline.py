"""The hotline's standard indicators (三率 and the rest), defined ONCE: the dashboards, the API
(`GET /api/v1/stats/hotline`) and the exports read them from here, and every figure links to
the ticket list that produces it (`drill`).

Each rate is a ratio of two counted facts of tickets (tickets.facts), summed over the tickets
受理 (created) in the period, per unit: a department (the current lead, 主办单位), a 盟市,
or a desk. The sums come from the rollup (HotlineDay: one row per day × 盟市 × department ×
desk) — a few thousand rows for a quarter, whatever the number of tickets. A reader whose
scope is finer than a 盟市 (a county desk) is counted from its tickets directly, with the
same facts.

| 指标 | 公式 |
|---|---|
| 响应率 | 按时签收 / 派单 |
| 解决率 | 回访已解决 / 已回访 |
| 满意率 | (满意 + 非常满意) / 已评价 |
| 按时答复率 | 按时答复 / 已答复 |
| 延期率、退单率、重办率 | 延期过、退单过、重办过 / 派单 |
| 首呼解决率 | 首呼解决 / 受理 |
| 线上办件比例 | 线上提交 / 受理 |
| 平均、P90 答复用时 | 派至主办单位起到答复的工作小时 |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Concat, Substr, TruncDate

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, GLOBAL_ROLES, Role
from qitong.core import clock
from qitong.core.errors import Forbidden, NotFound, ValidationFailed
from qitong.core.workdays import LOCAL_TZ
from qitong.directory.models import Department, Desk, Region, RegionLevel
from qitong.tickets.facts import BY_KEY, FACTS, REPLY_BUCKET_HOURS
from qitong.tickets.listing import list_url
from qitong.tickets.models import Grain, HotlineCategoryDay, HotlineDay, Ticket
from qitong.tickets.selectors import overdue, tickets_led_by, tickets_visible_to

STATS_ROLES = frozenset(
    {Role.OPERATOR, Role.DESK_LEAD, Role.HANDLER, Role.DEPT_LEADER, Role.SUPERVISOR} | GLOBAL_ROLES
)
UNIT_KINDS = ("department", "region", "desk")
COUNTS = [f.key for f in FACTS]
MAX_DAYS = 3 * 366  # a period longer than three years is refused


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: str  # a fact key
    denominator: str
    formula: str


RATES = [
    Rate("response_rate", "响应率", "signed_on_time", "dispatched", "按时签收 / 派单"),
    Rate("resolution_rate", "解决率", "resolved", "called_back", "回访已解决 / 已回访"),
    Rate("satisfaction_rate", "满意率", "satisfied", "rated", "满意及非常满意 / 已评价"),
    Rate("on_time_rate", "按时答复率", "replied_on_time", "replied", "按时答复 / 已答复"),
    Rate("extension_rate", "延期率", "extended", "dispatched", "延期过 / 派单"),
    Rate("return_rate", "退单率", "returned", "dispatched", "退单过 / 派单"),
    Rate("redo_rate", "重办率", "redone", "dispatched", "重办过 / 派单"),
    Rate("first_call_rate", "首呼解决率", "first_call", "created", "首呼解决 / 受理"),
    Rate("online_share", "线上办件比例", "online", "created", "线上提交 / 受理"),
]
THREE_RATES = RATES[:3]  # 三率
TABLE_RATES = RATES[:4]  # the units' tables: 三率 and on-time replies


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def period_of(start: dt.date | None, end: dt.date | None) -> Period:
    """The period asked for; by default the current month so far. Named errors for a bad one."""
    today = clock.now().astimezone(LOCAL_TZ).date()
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        raise ValidationFailed(fields={"to": "结束日期不能早于开始日期"})
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(fields={"from": "统计区间最长三年"})
    return Period(start, end)


@dataclass(frozen=True)
class Unit:
    kind: str  # department | region | desk | total
    key: str  # department/desk id or region code ("" for the total)
    name: str

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.kind == "region":
            out["code"] = self.key
        elif self.kind in ("department", "desk"):
            out["id"] = int(self.key)
        return out

    def filters(self) -> dict[str, Any]:
        """The ticket-list filters that select this unit's tickets."""
        return {
            "department": {"department": self.key},
            "region": {"city": self.key},
            "desk": {"desk": self.key},
        }.get(self.kind, {})


@dataclass
class UnitStats:
    unit: Unit
    counts: dict[str, int]
    reply_minutes: int
    period: Period
    rates: dict[str, float | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rate in RATES:
            below = self.counts.get(rate.denominator, 0)
            self.rates[rate.key] = (
                round(self.counts.get(rate.numerator, 0) / below, 4) if below else None
            )

    @property
    def average_reply_hours(self) -> float | None:
        replied = self.counts.get("replied", 0)
        return round(self.reply_minutes / replied / 60, 1) if replied else None

    @property
    def p90_reply_hours(self) -> float | None:
        """The 90th percentile of 答复用时, read from the bucket counts (linear within the
        bucket it falls in; beyond the last bound it is reported as that bound)."""
        keys = [f"reply_h{h}" for h in REPLY_BUCKET_HOURS] + ["reply_hmore"]
        total = sum(self.counts.get(k, 0) for k in keys)
        if not total:
            return None
        target = 0.9 * total
        seen = 0
        low = 0.0
        for key, high in zip(keys, [*REPLY_BUCKET_HOURS, None], strict=True):
            n = self.counts.get(key, 0)
            if high is None:
                return float(low)
            if seen + n >= target and n:
                return round(low + (high - low) * (target - seen) / n, 1)
            seen += n
            low = float(high)
        return float(low)

    def drill(self, fact: str | None = None) -> str:
        """The ticket list behind a count of this unit in this period."""
        filters: dict[str, Any] = {
            **self.unit.filters(),
            "created_from": f"{self.period.start:%Y-%m-%d}",
            "created_to": f"{self.period.end:%Y-%m-%d}",
        }
        if fact and fact != "created":
            filters["fact"] = fact
        return list_url(**filters)

    @property
    def urls(self) -> dict[str, str]:
        """The ticket list behind each count (for templates: stats.urls.dispatched)."""
        return {key: self.drill(key) for key in COUNTS}

    def rate_rows(self, rates: Iterable[Rate] = RATES) -> list[dict[str, Any]]:
        """Each rate with its counts and the lists behind them (for a page's table)."""
        return [
            {
                "rate": r,
                "value": self.rates[r.key],
                "numerator": self.counts.get(r.numerator, 0),
                "denominator": self.counts.get(r.denominator, 0),
                "numerator_url": self.drill(r.numerator),
                "denominator_url": self.drill(r.denominator),
            }
            for r in rates
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit.as_dict(),
            "dispatched": self.counts.get("dispatched", 0),
            **self.rates,
            "average_reply_hours": self.average_reply_hours,
            "p90_reply_hours": self.p90_reply_hours,
            "counts": {k: self.counts.get(k, 0) for k in COUNTS},
            "tickets_url": self.drill(),
        }


# --- scope ----------------------------------------------------------------------------------


def _check_reader(actor: Actor) -> None:
    if actor.role not in STATS_ROLES:
        raise Forbidden("您的角色不能查看热线统计")


def _uses_rollup(actor: Actor) -> bool:
    prefix = actor.region_prefix
    return prefix is None or len(prefix) <= 4


def _month_end(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def split(period: Period) -> tuple[list[dt.date], list[Period]]:
    """The period as its whole months (their first days) and the partial months' days."""
    months, parts = [], []
    month = period.start.replace(day=1)
    while month <= period.end:
        last = _month_end(month)
        if month >= period.start and last <= period.end:
            months.append(month)
        else:
            parts.append(Period(max(month, period.start), min(last, period.end)))
        month = last + dt.timedelta(days=1)
    return months, parts


def period_rows(period: Period, *, by_day: bool = False, grain: str = Grain.MONTH) -> Q:
    """The rollup rows that add up to `period`: its whole months from the month rows of
    `grain` (m: by department, k: by desk), the days of a partial month (at either end) from
    the day rows; `by_day`: day rows only."""
    if by_day:
        return Q(grain=Grain.DAY, day__gte=period.start, day__lte=period.end)
    months, parts = split(period)
    q = Q(grain=grain, day__in=months) if months else Q(pk__in=[])
    for part in parts:
        q |= Q(grain=Grain.DAY, day__gte=part.start, day__lte=part.end)
    return q


def _rollup_rows(
    actor: Actor, period: Period, *, by_day: bool = False, grain: str = Grain.MONTH
) -> QuerySet[HotlineDay]:
    rows = HotlineDay.objects.filter(period_rows(period, by_day=by_day, grain=grain))
    if actor.role in DEPARTMENT_ROLES:
        return rows.filter(department=actor.department_id or -1)
    if actor.region_prefix and len(actor.region_prefix) > 2:  # "15": the whole region
        rows = rows.filter(city__startswith=actor.region_prefix)
    return rows


def _live_tickets(actor: Actor, period: Period) -> QuerySet[Ticket]:
    start = dt.datetime.combine(period.start, dt.time.min, LOCAL_TZ)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, LOCAL_TZ)
    if actor.role in DEPARTMENT_ROLES:  # its lead tickets: the indexed branch of its scope
        return tickets_led_by(actor).filter(created_at__gte=start, created_at__lt=end)
    return tickets_visible_to(actor).filter(created_at__gte=start, created_at__lt=end)


_ROLLUP_GROUP = {"department": "department", "region": "city", "desk": "desk", "day": "day"}


def _live_group(kind: str) -> Any:
    return {
        "department": Coalesce("lead_department_id", Value(0), output_field=IntegerField()),
        "region": Concat(Substr("region_code", 1, 4), Value("00")),
        "desk": Coalesce("desk_id", Value(0), output_field=IntegerField()),
        "day": TruncDate("created_at", tzinfo=LOCAL_TZ),
    }[kind]


def _sums(
    actor: Actor, period: Period, kind: str | None, restrict: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """ONE grouped query: every count per group (or in total when `kind` is None)."""
    restrict = restrict or {}
    if _uses_rollup(actor):
        grain = (
            Grain.DESK_MONTH
            if kind == "desk" or "desk" in restrict.get("rollup", {})
            else Grain.MONTH
        )
        rows = _rollup_rows(actor, period, by_day=kind == "day", grain=grain).filter(
            **restrict.get("rollup", {})
        )
        sums = {k: Coalesce(Sum(k), 0) for k in [*COUNTS, "reply_minutes_sum"]}
        if kind is None:
            return [rows.aggregate(**sums)]
        return [
            {**r, "group": r[_ROLLUP_GROUP[kind]]}
            for r in rows.values(_ROLLUP_GROUP[kind]).annotate(**sums).order_by()
        ]
    tickets = _live_tickets(actor, period).filter(**restrict.get("live", {})).order_by()
    counted: dict[str, Any] = {k: Count("pk", filter=BY_KEY[k].q) for k in COUNTS}
    counted["reply_minutes_sum"] = Coalesce(Sum("reply_minutes"), 0)
    if kind is None:
        return [tickets.aggregate(**counted)]
    grouped = tickets.annotate(group=_live_group(kind)).values("group").annotate(**counted)
    return [dict(r) for r in grouped]


def _restrict(kind: str, key: str) -> dict[str, Any]:
    if kind == "department":
        return {"rollup": {"department": int(key)}, "live": {"lead_department_id": int(key)}}
    if kind == "desk":
        return {"rollup": {"desk": int(key)}, "live": {"desk_id": int(key)}}
    return {
        "rollup": {"city": key},
        "live": {"region_code__startswith": key[:4]},
    }


def _names(kind: str, keys: Iterable[Any]) -> dict[str, str]:
    wanted = [k for k in keys if k not in (None, 0, "")]
    if kind == "department":
        return {
            str(pk): n
            for pk, n in Department.objects.filter(pk__in=wanted).values_list("pk", "name")
        }
    if kind == "desk":
        return {
            str(pk): n for pk, n in Desk.objects.filter(pk__in=wanted).values_list("pk", "name")
        }
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def _unit_allowed(actor: Actor, kind: str, key: str) -> bool:
    """Whether `actor` may read this unit's figures (outside its scope: 404)."""
    if actor.role in GLOBAL_ROLES:
        return True
    if actor.role in DEPARTMENT_ROLES:
        return kind == "department" and key == str(actor.department_id)
    prefix = actor.region_prefix or ""
    if kind == "region":
        return key.startswith(prefix[:4]) if len(prefix) >= 4 else key.startswith(prefix)
    if kind == "department":
        return Department.objects.filter(pk=int(key), region__code__startswith=prefix).exists()
    return Desk.objects.filter(pk=int(key), region__code__startswith=prefix).exists()


def _key_of(raw: str, kind: str) -> str:
    if kind == "region":
        if not (raw.isdigit() and len(raw) == 6):
            raise ValidationFailed(fields={"unit": "盟市应为 6 位区划代码，如 150100"})
        return raw[:4].ljust(6, "0")
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed(fields={"unit": "单位应为编号（整数）"})
    return str(int(raw))


def hotline_stats(
    *, actor: Actor, unit_kind: str, unit: str = "", period: Period
) -> list[UnitStats]:
    """The indicators per unit of `unit_kind` (departments, 盟市 or desks) that the reader may
    see, for tickets 受理 in `period`; with `unit`, that unit alone (out of scope: NotFound).
    Sorted by volume."""
    _check_reader(actor)
    if unit_kind not in UNIT_KINDS:
        raise ValidationFailed(fields={"unit_kind": "统计单位应为 department、region 或 desk"})
    restrict = None
    if unit:
        key = _key_of(unit, unit_kind)
        if not _unit_allowed(actor, unit_kind, key):
            raise NotFound()
        restrict = _restrict(unit_kind, key)
    rows = _sums(actor, period, unit_kind, restrict)
    if unit_kind in ("department", "desk"):
        rows = [r for r in rows if r["group"]]  # 0: not dispatched yet / no desk
    names = _names(unit_kind, [r["group"] for r in rows])
    out = []
    for r in rows:
        key = str(r["group"]) if unit_kind != "region" else str(r["group"])[:4].ljust(6, "0")
        counts = {k: int(r[k] or 0) for k in COUNTS}
        if not counts["created"]:
            continue
        name = names.get(key) or ("自治区本级" if key == "150000" else key)
        out.append(
            UnitStats(Unit(unit_kind, key, name), counts, int(r["reply_minutes_sum"] or 0), period)
        )
    return sorted(out, key=lambda s: (-s.counts["created"], s.unit.name))


def hotline_total(*, actor: Actor, period: Period, name: str = "合计") -> UnitStats:
    """The indicators over everything the reader may see in `period` (one query)."""
    _check_reader(actor)
    r = _sums(actor, period, None)[0]
    counts = {k: int(r[k] or 0) for k in COUNTS}
    return UnitStats(Unit("total", "", name), counts, int(r["reply_minutes_sum"] or 0), period)


def hotline_region_total(*, actor: Actor, period: Period) -> UnitStats | None:
    """For a department: the same indicators over its whole region (all departments there),
    to compare against; None for other readers."""
    if actor.role not in DEPARTMENT_ROLES or actor.region_prefix is None:
        return None
    prefix = actor.region_prefix[:4]
    rows = HotlineDay.objects.filter(period_rows(period), city__startswith=prefix).exclude(
        department=0
    )
    r = rows.aggregate(**{k: Coalesce(Sum(k), 0) for k in [*COUNTS, "reply_minutes_sum"]})
    region = Region.objects.filter(code=prefix.ljust(6, "0")).values_list("name", flat=True).first()
    counts = {k: int(r[k] or 0) for k in COUNTS}
    return UnitStats(
        Unit("total", "", f"{region or '全区'}全部承办单位"),
        counts,
        int(r["reply_minutes_sum"] or 0),
        period,
    )


def hotline_trend(*, actor: Actor, period: Period) -> list[dict[str, Any]]:
    """Per day (a period of up to two months) or per month: tickets 受理 and the counts behind
    the rates, each bucket with its first and last day (one grouped query)."""
    _check_reader(actor)
    if (period.end - period.start).days < 62:
        by_day = {r["group"]: r for r in _sums(actor, period, "day")}
        out = []
        day = period.start
        while day <= period.end:
            r = by_day.get(day, {})
            counts = {k: int(r.get(k) or 0) for k in COUNTS}
            out.append({"first": day, "last": day, "label": f"{day:%m-%d}", **counts})
            day += dt.timedelta(days=1)
        return out
    buckets = []
    month = period.start.replace(day=1)
    while month <= period.end:
        last = _month_end(month)
        buckets.append(Period(max(month, period.start), min(last, period.end)))
        month = last + dt.timedelta(days=1)
    if not _uses_rollup(actor):
        sums = {b.start: _sums(actor, b, None)[0] for b in buckets}
    else:
        # whole months from the month rows, partial ones from their days: both grouped by
        # `day` (no date function per row), then put into their months here
        sum_all = {k: Coalesce(Sum(k), 0) for k in COUNTS}
        grouped = _rollup_rows(actor, period).values("day").annotate(**sum_all).order_by()
        sums = {b.start: dict.fromkeys(COUNTS, 0) for b in buckets}
        for r in grouped:  # type: ignore[assignment]
            first = max(r["day"].replace(day=1), period.start)
            target = sums[first]
            for k in COUNTS:
                target[k] += int(r[k] or 0)
    return [
        {
            "first": b.start,
            "last": b.end,
            "label": f"{b.start:%Y-%m}",
            **{k: int(sums[b.start].get(k) or 0) for k in COUNTS},
        }
        for b in buckets
    ]


def top_categories(*, actor: Actor, period: Period, limit: int = 10) -> list[dict[str, Any]]:
    """The categories with most tickets 受理 in the period (departments: their own tickets)."""
    _check_reader(actor)
    if actor.role in DEPARTMENT_ROLES or not _uses_rollup(actor):
        qs = (
            _live_tickets(actor, period)
            .order_by()
            .values("category_id")
            .annotate(n=Count("pk"))
            .order_by("-n")[:limit]
        )
        rows = [(r["category_id"], r["n"]) for r in qs]
    else:
        cats = HotlineCategoryDay.objects.filter(period_rows(period))
        if actor.region_prefix:
            cats = cats.filter(city__startswith=actor.region_prefix)
        grouped = cats.values("category").annotate(n=Sum("created")).order_by("-n")[:limit]
        rows = [(r["category"], r["n"]) for r in grouped if r["n"]]
    from qitong.tickets.models import Category

    found = Category.objects.filter(pk__in=[c for c, _ in rows]).select_related("parent")
    names = {c.pk: c.code for c in found}
    labels = {c.pk: (f"{c.parent.name} › {c.name}" if c.parent else c.name) for c in found}
    return [
        {
            "category": labels.get(pk, str(pk)),
            "count": n,
            "url": list_url(
                category=names.get(pk, ""),
                created_from=f"{period.start:%Y-%m-%d}",
                created_to=f"{period.end:%Y-%m-%d}",
            ),
        }
        for pk, n in rows
    ]


def overdue_now(*, actor: Actor, by: str = "department", limit: int = 10) -> list[dict[str, Any]]:
    """Tickets past their current deadline right now, per lead department (or 盟市), most
    first: read from the tickets (a live figure, not a period's)."""
    _check_reader(actor)
    qs = tickets_visible_to(actor).filter(overdue(clock.now())).order_by()
    if actor.role in DEPARTMENT_ROLES:
        qs = qs.filter(lead_department_id=actor.department_id)
    group = "lead_department_id" if by == "department" else None
    if group:
        rows = list(qs.values(group).annotate(n=Count("pk")).order_by("-n")[:limit])
        names = _names("department", [r[group] for r in rows])
        return [
            {
                "name": names.get(str(r[group]), "待派单") if r[group] else "待派单",
                "count": r["n"],
                "url": list_url(overdue="yes", department=r[group] or ""),
            }
            for r in rows
        ]
    rows = list(
        qs.annotate(g=_live_group("region"))
        .values("g")
        .annotate(n=Count("pk"))
        .order_by("-n")[:limit]
    )
    names = _names("region", [r["g"] for r in rows])
    return [
        {
            "name": names.get(r["g"], r["g"]),
            "count": r["n"],
            "url": list_url(overdue="yes", city=r["g"]),
        }
        for r in rows
    ]


def overdue_count(*, actor: Actor) -> int:
    _check_reader(actor)
    qs = tickets_visible_to(actor).filter(overdue(clock.now()))
    if actor.role in DEPARTMENT_ROLES:
        qs = qs.filter(lead_department_id=actor.department_id)
    return qs.count()


def cities_in(actor: Actor) -> list[Region]:
    regions = Region.objects.filter(level=RegionLevel.CITY).order_by("code")
    if actor.region_prefix and len(actor.region_prefix) >= 4:
        regions = regions.filter(code__startswith=actor.region_prefix[:4])
    return list(regions)
