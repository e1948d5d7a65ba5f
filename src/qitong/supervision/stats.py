"""The supervision statistics (issue 13): problems by source, category, unit and class; the
on-time rectification rate; the median days to close; recurrences; the 反映问题 figure
("截至 4 月底共受理问题 37 个，已办结 9 个"); the rectification board per unit.

Every figure is one query over the reader's scope, shared by the page, the API and the
export, and carries the `ProblemFilter` of the problems behind it (its drill-down).

Definitions (docs/guide/supervision.md):
- registered: problems registered in the period; the breakdowns count these;
- closed: problems 销号 in the period; on time = the accepted claim was made by the deadline
  in force (an approved extension counts); median days = registration to 销号;
- recurrences: problems registered in the period that recur an earlier one (问题反弹);
- 反映问题 received: the 反映问题 tickets accepted in the period (each counted once — a
  promoted ticket is done when its problem is closed) plus the problems of the period that
  did not come from a 反映问题 ticket; done: closed by the period's end.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, cast

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from qitong.accounts.actor import Actor
from qitong.accounts.roles import GLOBAL_ROLES, Role
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.directory.models import Department, Region
from qitong.supervision.listing import ProblemFilter, narrowed
from qitong.supervision.models import Problem, ProblemCategory, ProblemTally
from qitong.supervision.selectors import problems_visible_to
from qitong.supervision.states import (
    CLOCKED_STATES,
    OPEN_STATES,
    ProblemClass,
    ProblemSource,
    ProblemState,
)

P = ProblemState
UNIT_ROWS = 30  # the unit breakdown lists the units with the most problems


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int
    filter: ProblemFilter

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "query": self.filter.query(),
        }


@dataclass
class ProblemStats:
    start: dt.date
    end: dt.date
    registered: int = 0
    closed: int = 0
    closed_on_time: int = 0
    on_time_rate: float | None = None
    median_days_to_close: float | None = None
    recurrences: int = 0
    open_now: int = 0
    overdue_now: int = 0
    reported_received: int = 0
    reported_done: int = 0
    by_source: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_class: list[Row] = field(default_factory=list)
    by_state: list[Row] = field(default_factory=list)
    by_unit: list[Row] = field(default_factory=list)
    by_city: list[Row] = field(default_factory=list)
    filters: dict[str, ProblemFilter] = field(default_factory=dict)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time(0, 0), LOCAL_TZ),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0, 0), LOCAL_TZ),
    )


def _rows(
    counts: Counter[str], label_of: dict[str, str], base: ProblemFilter, name: str
) -> list[Row]:
    order = list(label_of) + sorted(set(counts) - set(label_of))
    return [
        Row(
            k,
            label_of.get(k, k),
            counts.get(k, 0),
            replace(base, **cast(dict[str, Any], {name: k})),
        )
        for k in order
        if counts.get(k, 0) or k in label_of
    ]


@dataclass
class _Scan:
    """The period's registered problems and closings, counted along every breakdown; summed
    from the tally for whole months and from the problems themselves for partial ones."""

    n: int = 0
    recurrences: int = 0
    others: int = 0  # not from a 反映问题 ticket
    others_done: int = 0  # … and closed by the period's end
    source: Counter[str] = field(default_factory=Counter)
    category: Counter[str] = field(default_factory=Counter)
    problem_class: Counter[str] = field(default_factory=Counter)
    state: Counter[str] = field(default_factory=Counter)
    city: Counter[str] = field(default_factory=Counter)
    unit: Counter[str] = field(default_factory=Counter)
    closings: Counter[tuple[int, bool]] = field(default_factory=Counter)


def _scan_raw(
    out: _Scan, registered: QuerySet[Problem], closed: QuerySet[Problem], hi: dt.datetime
) -> None:
    """Partial months (or a scope the tally does not key): one grouped query of the
    problems registered there, one of their units, one of the closings there."""
    rows = (
        registered.order_by()
        .annotate(city=Substr("region_code", 1, 4))
        .values_list("source", "category_id", "problem_class", "state", "city", "from_report")
        .annotate(
            n=Count("pk"),
            recurred=Count("pk", filter=Q(recurrence_of__isnull=False)),
            done=Count("pk", filter=Q(state=P.CLOSED, closed_at__lt=hi)),
        )
    )
    for source, category, klass, state, city, from_report, n, recurrences, done in rows:
        out.n += n
        out.recurrences += recurrences
        if not from_report:
            out.others += n
            out.others_done += done
        out.source[source] += n
        out.category[str(category)] += n
        out.problem_class[klass] += n
        out.state[state] += n
        out.city[city] += n
    units = registered.order_by().values_list("unit_department_id").annotate(n=Count("pk"))
    out.unit.update({str(pk): n for pk, n in units})
    days = closed.order_by().values_list("days_to_close", "on_time").annotate(n=Count("pk"))
    out.closings.update({(d or 0, bool(on_time)): n for d, on_time, n in days})


MAIN_DIMS = ["source", "category", "class", "state", "unit", "recurred", "other", "other_done"]
DIMS = {
    "source": "source",
    "category": "category",
    "class": "problem_class",
    "state": "state",
    "unit": "unit",
}


def _scan_tally(out: _Scan, tally: QuerySet[ProblemTally], first: dt.date, last: dt.date) -> None:
    """Whole months from the tally: one grouped read of a few thousand rows."""
    rows = (
        tally.filter(dim__in=MAIN_DIMS, month__gte=first, month__lte=last)
        .order_by()
        .annotate(city=Substr("region_code", 1, 4))
        .values_list("dim", "value", "city")
        .annotate(total=Sum("n"))
    )
    closing_rows = (
        tally.filter(dim="closed", month__gte=first, month__lte=last)
        .order_by()
        .values_list("value")
        .annotate(total=Sum("n"))
    )
    last_month = last.isoformat()
    for dim, value, city, total in rows:
        if not total:
            continue
        if dim == "source":
            out.n += total
            out.city[city] += total
        if dim in DIMS:
            getattr(out, DIMS[dim])[value] += total
        elif dim == "recurred":
            out.recurrences += total
        elif dim == "other":
            out.others += total
        elif dim == "other_done" and value <= last_month:
            out.others_done += total
    for value, total in closing_rows:
        days, on_time = value.split(":")
        out.closings[(int(days), on_time == "1")] += total or 0


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and the last whole month inside the period (their first days), if any."""
    first = start if start.day == 1 else _next_month(start)
    last = _previous_month((end + dt.timedelta(days=1)).replace(day=1))
    return (first, last) if first <= last else None


def _previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _tally_scope(actor: Actor) -> QuerySet[ProblemTally] | None:
    """The tally rows the actor's scope covers, where the tally keys that scope (the
    supervisors' regions and offices, and the global readers); else None."""
    qs = ProblemTally.objects.all()
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return qs
    if actor.role != Role.SUPERVISOR:
        return None
    prefix = actor.region_prefix
    if prefix is None:
        return qs
    return qs.filter(Q(region_code__startswith=prefix) | Q(owner_code__startswith=prefix))


def _scan(
    actor: Actor,
    scope: QuerySet[Problem],
    lo: dt.datetime,
    hi: dt.datetime,
    start: dt.date,
    end: dt.date,
    use_tally: bool,
) -> _Scan:
    out = _Scan()
    tally = _tally_scope(actor) if use_tally else None
    months = whole_months(start, end) if tally is not None else None
    if tally is None or months is None:
        _scan_raw(
            out,
            scope.filter(registered_at__gte=lo, registered_at__lt=hi),
            scope.filter(state=P.CLOSED, closed_at__gte=lo, closed_at__lt=hi),
            hi,
        )
        return out
    first, last = months
    mid_lo, mid_hi = _bounds(first, _next_month(last) - dt.timedelta(days=1))
    ranges = [(a, b) for a, b in ((lo, mid_lo), (mid_hi, hi)) if a < b]
    if ranges:  # the partial months at either end
        edges, closed_edges = Q(), Q()
        for a, b in ranges:
            edges |= Q(registered_at__gte=a, registered_at__lt=b)
            closed_edges |= Q(closed_at__gte=a, closed_at__lt=b)
        _scan_raw(out, scope.filter(edges), scope.filter(closed_edges, state=P.CLOSED), hi)
    _scan_tally(out, tally, first, last)
    if mid_hi < hi:  # registered in the whole months, closed in the partial month after them
        out.others_done += scope.filter(
            registered_at__gte=mid_lo,
            registered_at__lt=mid_hi,
            from_report=False,
            state=P.CLOSED,
            closed_at__gte=mid_hi,
            closed_at__lt=hi,
        ).count()
    return out


def problem_stats(
    actor: Actor,
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime | None = None,
    use_tally: bool = True,
) -> ProblemStats:
    """A handful of queries whatever the period: the tally for its whole months, the
    problems themselves for its partial ones, today's open and overdue problems, the unit
    names, and the 反映问题 tickets."""
    now = now or clock.now()
    lo, hi = _bounds(start, end)
    scope = problems_visible_to(actor)
    out = ProblemStats(start=start, end=end)
    reg_filter = ProblemFilter(registered_from=start, registered_to=end)
    closed_filter = ProblemFilter(state=P.CLOSED, closed_from=start, closed_to=end)
    scan = _scan(actor, scope, lo, hi, start, end, use_tally)
    out.registered, out.recurrences = scan.n, scan.recurrences
    out.closed = sum(scan.closings.values())
    out.closed_on_time = sum(n for (_, on_time), n in scan.closings.items() if on_time)
    out.on_time_rate = round(100 * out.closed_on_time / out.closed, 1) if out.closed else None
    out.median_days_to_close = _median(scan.closings)
    out.open_now, out.overdue_now = _now(actor, scope, now, use_tally)
    out.by_source = _rows(scan.source, dict(ProblemSource.choices), reg_filter, "source")
    out.by_class = _rows(
        scan.problem_class, dict(ProblemClass.choices), reg_filter, "problem_class"
    )
    out.by_state = _rows(scan.state, dict(ProblemState.choices), reg_filter, "state")
    categories = {str(c.pk): c for c in ProblemCategory.objects.all()}
    by_code = Counter({categories[k].code: n for k, n in scan.category.items() if k in categories})
    names = {c.code: c.name for c in categories.values() if c.code in by_code}
    out.by_category = _rows(by_code, names, reg_filter, "category")
    out.by_unit = _unit_rows(scan.unit, reg_filter)
    out.by_city = _city_rows(scan.city, reg_filter)
    received, done = _reported_tickets(actor, lo, hi)
    out.reported_received, out.reported_done = received + scan.others, done + scan.others_done
    out.filters = {
        "registered": reg_filter,
        "closed": closed_filter,
        "closed_on_time": replace(closed_filter, on_time=True),
        "recurrences": replace(reg_filter, recurrence=True),
        "open_now": ProblemFilter(state="open"),
        "overdue_now": ProblemFilter(overdue=True),
    }
    return out


def _now(
    actor: Actor, scope: QuerySet[Problem], now: dt.datetime, use_tally: bool
) -> tuple[int, int]:
    """Open problems today (the tally's current states, where it keys the scope) and the
    overdue ones (few, found through the (state, deadline) index)."""
    overdue = scope.filter(state__in=CLOCKED_STATES, deadline__lt=now).count()
    tally = _tally_scope(actor) if use_tally else None
    if tally is None:
        return scope.filter(state__in=OPEN_STATES).count(), overdue
    opened = tally.filter(dim="state", value__in=list(OPEN_STATES)).aggregate(total=Sum("n"))
    return int(opened["total"] or 0), overdue


def _median(closings: Counter[tuple[int, bool]]) -> float | None:
    """The median of the days to close, from their histogram."""
    n = sum(closings.values())
    if not n:
        return None
    by_days: Counter[int] = Counter()
    for (days, _), count in closings.items():
        by_days[days] += count
    wanted = [(n - 1) // 2, n // 2]
    values, seen = [], 0
    for days in sorted(by_days):
        seen += by_days[days]
        while wanted and wanted[0] < seen:
            values.append(days)
            wanted.pop(0)
    return sum(values) / len(values)


def _unit_rows(counts: Counter[str], base: ProblemFilter) -> list[Row]:
    top = sorted(((n, int(pk)) for pk, n in counts.items() if n), key=lambda r: (-r[0], r[1]))[
        :UNIT_ROWS
    ]
    names = dict(Department.objects.filter(pk__in=[pk for _, pk in top]).values_list("pk", "name"))
    return [Row(str(pk), names.get(pk, str(pk)), n, replace(base, unit=str(pk))) for n, pk in top]


def _city_rows(counts: Counter[str], base: ProblemFilter) -> list[Row]:
    """By 盟市 (the first four digits of the unit's region; 自治区本级 units as one row)."""
    names = {r.code[:4]: r.name for r in Region.objects.filter(code__in=[c + "00" for c in counts])}
    rows = []
    for city, n in sorted(counts.items()):
        label = "自治区本级" if city.endswith("00") else names.get(city) or city
        rows.append(Row(city, label, n, replace(base, region=city)))
    return rows


def _reported_tickets(actor: Actor, lo: dt.datetime, hi: dt.datetime) -> tuple[int, int]:
    """The 反映问题 tickets accepted in the period, and those done by its end (a promoted one
    when its problem is closed)."""
    from qitong.tickets.selectors import tickets_visible_to
    from qitong.tickets.states import TicketState, TicketType

    T = TicketState
    tickets = (
        tickets_visible_to(actor)
        .filter(type=TicketType.PROBLEM_REPORT, created_at__gte=lo, created_at__lt=hi)
        .exclude(state__in=[T.SUBMITTED, T.REJECTED, T.WITHDRAWN, T.MERGED])
    )
    done_ticket = Q(promoted_at__isnull=True, state=T.CLOSED, closed_at__lt=hi) | Q(
        problem__state=P.CLOSED, problem__closed_at__lt=hi
    )
    row = tickets.order_by().aggregate(n=Count("pk"), done=Count("pk", filter=done_ticket))
    return row["n"], row["done"]


# --- the rectification board ------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    unit_id: int
    unit: str
    region_code: str
    open: int
    overdue: int
    closed_this_quarter: int
    pending_acceptance: int


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def rectification_board(
    actor: Actor,
    *,
    f: ProblemFilter | None = None,
    now: dt.datetime | None = None,
    limit: int = 200,
) -> list[BoardRow]:
    """Per responsible unit: open, overdue, closed this quarter, awaiting acceptance (one
    grouped query)."""
    now = now or clock.now()
    since = dt.datetime.combine(
        quarter_start(now.astimezone(LOCAL_TZ).date()), dt.time(0, 0), LOCAL_TZ
    )
    qs = narrowed(problems_visible_to(actor), f or ProblemFilter())
    # Only what the board counts: the open problems and this quarter's closings.
    qs = qs.filter(Q(state__in=OPEN_STATES) | Q(state=P.CLOSED, closed_at__gte=since))
    rows = (
        qs.order_by()
        .values_list("unit_department_id", "unit_department__name", "region_code")
        .annotate(
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("pk", filter=Q(state__in=CLOCKED_STATES, deadline__lt=now)),
            closed=Count("pk", filter=Q(state=P.CLOSED, closed_at__gte=since)),
            pending=Count("pk", filter=Q(state=P.PENDING_ACCEPTANCE)),
        )
        .order_by("-overdue", "-open", "unit_department_id")[:limit]
    )
    return [BoardRow(pk, name, code, o, late, c, p) for pk, name, code, o, late, c, p in rows]


def list_counts(actor: Actor, f: ProblemFilter, qs: QuerySet[Problem]) -> dict[str, int]:
    """The counts at the top of the problem list: from the tally when nothing is filtered
    (the list's first look), else over the filtered set (supervision.listing.state_counts);
    overdue always through the (state, deadline) index."""
    from qitong.supervision.listing import state_counts

    tally = _tally_scope(actor)
    if tally is None or f != ProblemFilter():
        return state_counts(qs)
    states = dict(
        tally.filter(dim="state").order_by().values_list("value").annotate(total=Sum("n"))
    )
    n = {k: int(v or 0) for k, v in states.items()}
    now = clock.now()
    return {
        "total": sum(n.values()),
        "open": sum(v for k, v in n.items() if k in OPEN_STATES),
        "overdue": qs.filter(state__in=CLOCKED_STATES, deadline__lt=now).count(),
        "pending_acceptance": n.get(P.PENDING_ACCEPTANCE, 0),
        "objected": n.get(P.OBJECTED, 0),
        "closed": n.get(P.CLOSED, 0),
    }
