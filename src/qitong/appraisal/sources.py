"""What an indicator reads: the platform's own figures for a unit and a quarter (issue 15).

Each source is computed for every unit of a round in a few grouped queries (the hotline from
its rollup, the other domains from their tables), with the numerator and denominator behind
a rate and the list of records behind each figure (`url`), so a score drills down to the
tickets, unit tasks, problems or claims it came from. The definitions are the domains' own:
the 三率 are dashboards.hotline's RATES, clearance is arrears.stats's campaign.

A unit is a reporting unit (reforms.ReportingUnit): a 盟市 or 计划单列市 (its region's
subtree) or a department (that department's work).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from qitong.accounts.actor import Actor
from qitong.accounts.roles import Role
from qitong.appraisal.periods import Quarter
from qitong.appraisal.states import Direction, UnitScope
from qitong.core.workdays import LOCAL_TZ
from qitong.reforms.models import Report, ReportingUnit, UnitTask
from qitong.reforms.states import ReportState, TaskState, UnitKind

READER = Actor(role=Role.AUDITOR)  # reads every unit's figures (the computation is the system's)
BOTH = frozenset({UnitScope.TERRITORIAL, UnitScope.DEPARTMENT})
TERRITORIAL = frozenset({UnitScope.TERRITORIAL})


@dataclass
class Figure:
    """A unit's input on one indicator: the value scored (a percentage for a rate, a count
    for events) and what it was computed from."""

    value: float | None
    numerator: str | None = None
    denominator: str | None = None
    url: str = ""  # the records behind the figure
    numerator_url: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")} | {
            "value": self.value
        }


Fetch = Callable[[list[ReportingUnit], Quarter, dict[str, Any]], dict[int, Figure]]


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    group: str
    kind: str  # rate (%), count, value
    direction: str
    formula: str
    scopes: frozenset[str]
    fetch: Fetch | None  # None: entered by hand (manual)

    @property
    def unit(self) -> str:
        return {"rate": "%", "count": "件"}.get(self.kind, "")


def scope_of(unit: ReportingUnit) -> str:
    return UnitScope.DEPARTMENT if unit.kind == UnitKind.DEPARTMENT else UnitScope.TERRITORIAL


def _rate(part: float | Decimal, whole: float | Decimal) -> float | None:
    return None if not whole else round(float(part) / float(whole) * 100, 2)


def _num(x: float | Decimal | int) -> str:
    if isinstance(x, Decimal):
        return f"{x.quantize(Decimal('0.01'))}"
    return f"{x:g}" if isinstance(x, float) else str(x)


def _bounds(q: Quarter) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(q.start, dt.time.min, LOCAL_TZ)
    return start, dt.datetime.combine(q.end + dt.timedelta(days=1), dt.time.min, LOCAL_TZ)


def _prefix(unit: ReportingUnit) -> str:
    return str(unit.region.prefix)


def _by_prefix(
    units: Iterable[ReportingUnit], counted: dict[str, dict[str, Any]], keys: Iterable[str]
) -> dict[int, dict[str, Any]]:
    """Per territorial unit: the sums of the rows whose region code lies in its subtree."""
    wanted = list(keys)
    out: dict[int, dict[str, Any]] = {}
    for unit in units:
        prefix = _prefix(unit)
        sums = dict.fromkeys(wanted, 0)
        for code, row in counted.items():
            if code.startswith(prefix):
                for k in wanted:
                    sums[k] += row.get(k) or 0
        out[unit.pk] = sums
    return out


# --- the hotline (dashboards.hotline: the rollup, the same rates as the dashboards) ---------------


def _hotline(units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]) -> dict[int, Any]:
    """Each unit's hotline figures for tickets 受理 in the quarter (cached per computation)."""
    if "hotline" in cache:
        return dict(cache["hotline"])
    from qitong.dashboards.hotline import Period, hotline_stats

    period = Period(q.start, q.end)
    out: dict[int, Any] = {}
    departments = {
        str(s.unit.key): s
        for s in hotline_stats(actor=READER, unit_kind="department", period=period)
    }
    cities = {s.unit.key: s for s in hotline_stats(actor=READER, unit_kind="region", period=period)}
    for unit in units:
        if unit.kind == UnitKind.DEPARTMENT:
            out[unit.pk] = departments.get(str(unit.department_id))
        elif len(_prefix(unit)) == 4:
            out[unit.pk] = cities.get(unit.region.code)
        else:  # a 计划单列市 (a county-level code): its own tickets, counted live
            narrow = Actor(role=Role.SUPERVISOR, region_prefix=_prefix(unit))
            found = hotline_stats(actor=narrow, unit_kind="region", period=period)
            out[unit.pk] = found[0] if found else None
    cache["hotline"] = out
    return out


def _hotline_drill(unit: ReportingUnit, stats: Any, q: Quarter, fact: str) -> str:
    """The ticket list behind a count: a 计划单列市's own tickets by its county code, else the
    dashboards' drill (the 盟市 or the department)."""
    if unit.kind == UnitKind.DEPARTMENT or len(_prefix(unit)) == 4:
        return str(stats.drill(fact))
    from qitong.tickets.listing import list_url

    span = {"created_from": f"{q.start:%Y-%m-%d}", "created_to": f"{q.end:%Y-%m-%d}"}
    return list_url(
        county=unit.region.code, **span, **({"fact": fact} if fact != "created" else {})
    )


def _hotline_rate(key: str) -> Fetch:
    def fetch(units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]) -> dict[int, Figure]:
        from qitong.dashboards.hotline import RATES

        rate = next(r for r in RATES if r.key == key)
        by_pk = {u.pk: u for u in units}
        out = {}
        for pk, stats in _hotline(units, q, cache).items():
            if stats is None:
                out[pk] = Figure(None, "0", "0", note="本季度无工单")
                continue
            top = stats.counts.get(rate.numerator, 0)
            below = stats.counts.get(rate.denominator, 0)
            out[pk] = Figure(
                _rate(top, below),
                str(top),
                str(below),
                url=_hotline_drill(by_pk[pk], stats, q, rate.denominator),
                numerator_url=_hotline_drill(by_pk[pk], stats, q, rate.numerator),
            )
        return out

    return fetch


def _late_complaints(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    """Enterprise complaints 受理 in the quarter and answered after their deadline."""
    from qitong.tickets.listing import list_url
    from qitong.tickets.models import Ticket
    from qitong.tickets.states import TicketType

    start, end = _bounds(q)
    late = Ticket.objects.filter(
        created_at__gte=start, created_at__lt=end, type=TicketType.COMPLAINT, replied_on_time=False
    ).order_by()
    by_department = dict(
        late.values("lead_department_id")
        .annotate(n=Count("pk"))
        .values_list("lead_department_id", "n")
    )
    by_region = {
        code: {"n": n}
        for code, n in late.values("region_code")
        .annotate(n=Count("pk"))
        .values_list("region_code", "n")
    }
    territorial = _by_prefix([u for u in units if u.kind != UnitKind.DEPARTMENT], by_region, ["n"])
    out = {}
    for unit in units:
        filters: dict[str, Any] = {
            "type": TicketType.COMPLAINT,
            "created_from": f"{q.start:%Y-%m-%d}",
            "created_to": f"{q.end:%Y-%m-%d}",
            "replied_late": "yes",
        }
        if unit.kind == UnitKind.DEPARTMENT:
            n = by_department.get(unit.department_id or 0, 0)
            filters["department"] = unit.department_id
        else:
            n = territorial[unit.pk]["n"]
            if len(_prefix(unit)) == 4:
                filters["city"] = unit.region.code[:4] + "00"
            else:
                filters["county"] = unit.region.code
        out[unit.pk] = Figure(float(n), url=list_url(**filters))
    return out


# --- reforms (the 挂图作战 grid) ------------------------------------------------------------------


def _unit_tasks_url(unit: ReportingUnit, **filters: Any) -> str:
    return f"{reverse('reforms:unit_tasks')}?{urlencode({'unit': unit.code, **filters})}"


def _tasks_on_time(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    """Unit tasks whose deadline fell in the quarter: done by their deadline / due."""
    from django.db.models import F

    due = UnitTask.objects.filter(
        unit__in=units, deadline__gte=q.start, deadline__lte=q.end
    ).exclude(state=TaskState.NOT_APPLICABLE)
    rows = {
        r["unit"]: r
        for r in due.order_by()
        .values("unit")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(state=TaskState.DONE, done_on__lte=F("deadline"))),
        )
    }
    out = {}
    for unit in units:
        r = rows.get(unit.pk, {"n": 0, "on_time": 0})
        span = {"due_from": f"{q.start:%Y-%m-%d}", "due_to": f"{q.end:%Y-%m-%d}"}
        out[unit.pk] = Figure(
            _rate(r["on_time"], r["n"]),
            str(r["on_time"]),
            str(r["n"]),
            url=_unit_tasks_url(unit, **span),
            numerator_url=_unit_tasks_url(unit, **span, on_time="yes"),
        )
    return out


def _plan_done(units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]) -> dict[int, Figure]:
    """The unit's share of its reform tasks done by the quarter's end (not-applicable ones
    left out)."""
    tasks = UnitTask.objects.filter(unit__in=units, plan__starts_on__lte=q.end).exclude(
        state=TaskState.NOT_APPLICABLE
    )
    rows = {
        r["unit"]: r
        for r in tasks.order_by()
        .values("unit")
        .annotate(
            n=Count("pk"),
            done=Count("pk", filter=Q(state=TaskState.DONE, done_on__lte=q.end)),
        )
    }
    out = {}
    for unit in units:
        r = rows.get(unit.pk, {"n": 0, "done": 0})
        out[unit.pk] = Figure(
            _rate(r["done"], r["n"]),
            str(r["done"]),
            str(r["n"]),
            url=_unit_tasks_url(unit),
            numerator_url=_unit_tasks_url(unit, state=TaskState.DONE, done_to=f"{q.end:%Y-%m-%d}"),
        )
    return out


def _reports(units: list[ReportingUnit], q: Quarter) -> dict[int, Any]:
    """The progress reports a unit filed for periods ending in the quarter (each report once:
    a measure's copies for its linked tasks are not counted again)."""
    filed = Report.objects.filter(
        unit__in=units, period_end__gte=q.start, period_end__lte=q.end, source__isnull=True
    )
    return {
        r["unit"]: r
        for r in filed.order_by()
        .values("unit")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(on_time=True)),
            accepted=Count("pk", filter=Q(state=ReportState.ACCEPTED)),
            first=Count("pk", filter=Q(state=ReportState.ACCEPTED, returned_count=0)),
        )
    }


def _reviews_url(unit: ReportingUnit, q: Quarter, **filters: Any) -> str:
    span = {
        "unit": unit.code,
        "period_from": f"{q.start:%Y-%m-%d}",
        "period_to": f"{q.end:%Y-%m-%d}",
    }
    return f"{reverse('reforms:reports')}?{urlencode({**span, **filters})}"


def _reports_on_time(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    rows = _reports(units, q)
    out = {}
    for unit in units:
        r = rows.get(unit.pk, {"n": 0, "on_time": 0})
        out[unit.pk] = Figure(
            _rate(r["on_time"], r["n"]),
            str(r["on_time"]),
            str(r["n"]),
            url=_reviews_url(unit, q),
            numerator_url=_reviews_url(unit, q, on_time="yes"),
        )
    return out


def _reports_first_time(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    rows = _reports(units, q)
    out = {}
    for unit in units:
        r = rows.get(unit.pk, {"accepted": 0, "first": 0})
        out[unit.pk] = Figure(
            _rate(r["first"], r["accepted"]),
            str(r["first"]),
            str(r["accepted"]),
            url=_reviews_url(unit, q, state=ReportState.ACCEPTED),
            numerator_url=_reviews_url(unit, q, state=ReportState.ACCEPTED, returned="no"),
        )
    return out


# --- supervision (problems and their rectification) --------------------------------------------


def _problems_url(unit: ReportingUnit, **filters: Any) -> str:
    where = (
        {"unit": unit.department_id}
        if unit.kind == UnitKind.DEPARTMENT
        else {"region": unit.region.code}
    )
    return f"{reverse('supervision:problems')}?{urlencode({**where, **filters})}"


def _problem_counts(
    units: list[ReportingUnit], qs: Any, keys: dict[str, Any]
) -> dict[int, dict[str, Any]]:
    """Per unit: the counted problems (a department: those it answers for; a 盟市: those in
    its subtree), one grouped query per grouping."""
    by_department = {
        r["unit_department_id"]: r
        for r in qs.order_by().values("unit_department_id").annotate(**keys)
    }
    by_region = {r["region_code"]: r for r in qs.order_by().values("region_code").annotate(**keys)}
    out = _by_prefix([u for u in units if u.kind != UnitKind.DEPARTMENT], by_region, keys)
    for unit in units:
        if unit.kind == UnitKind.DEPARTMENT:
            r = by_department.get(unit.department_id, {})
            out[unit.pk] = {k: r.get(k) or 0 for k in keys}
    return out


def _rectified_on_time(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    """Problems 销号 in the quarter: rectified by their deadline / closed."""
    from qitong.supervision.models import Problem
    from qitong.supervision.states import ProblemState

    start, end = _bounds(q)
    closed = Problem.objects.filter(
        state=ProblemState.CLOSED, closed_at__gte=start, closed_at__lt=end
    )
    counts = _problem_counts(
        units, closed, {"n": Count("pk"), "on_time": Count("pk", filter=Q(on_time=True))}
    )
    span = {
        "closed_from": f"{q.start:%Y-%m-%d}",
        "closed_to": f"{q.end:%Y-%m-%d}",
        "state": "closed",
    }
    return {
        unit.pk: Figure(
            _rate(counts[unit.pk]["on_time"], counts[unit.pk]["n"]),
            str(counts[unit.pk]["on_time"]),
            str(counts[unit.pk]["n"]),
            url=_problems_url(unit, **span),
            numerator_url=_problems_url(unit, **span, on_time="true"),
        )
        for unit in units
    }


def _late_rectified(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    """Problems 销号 in the quarter after their deadline (逾期整改)."""
    from qitong.supervision.models import Problem
    from qitong.supervision.states import ProblemState

    start, end = _bounds(q)
    late = Problem.objects.filter(
        state=ProblemState.CLOSED, closed_at__gte=start, closed_at__lt=end, on_time=False
    )
    counts = _problem_counts(units, late, {"n": Count("pk")})
    span = {
        "closed_from": f"{q.start:%Y-%m-%d}",
        "closed_to": f"{q.end:%Y-%m-%d}",
        "on_time": "false",
    }
    return {
        unit.pk: Figure(float(counts[unit.pk]["n"]), url=_problems_url(unit, **span))
        for unit in units
    }


def _overdue_open(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    """Problems past their deadline and not yet rectified when the round is computed."""
    from qitong.supervision.models import Problem
    from qitong.supervision.states import CLOCKED_STATES

    _, end = _bounds(q)
    now = min(end, cache.get("now") or end)
    overdue = Problem.objects.filter(state__in=CLOCKED_STATES, long_term=False, deadline__lt=now)
    counts = _problem_counts(units, overdue, {"n": Count("pk")})
    return {
        unit.pk: Figure(float(counts[unit.pk]["n"]), url=_problems_url(unit, overdue="true"))
        for unit in units
    }


def _recurrences(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    """Problems registered in the quarter as the recurrence of a closed one (问题反弹)."""
    from qitong.supervision.models import Problem

    start, end = _bounds(q)
    again = Problem.objects.filter(
        registered_at__gte=start, registered_at__lt=end, recurrence_of__isnull=False
    )
    counts = _problem_counts(units, again, {"n": Count("pk")})
    span = {
        "registered_from": f"{q.start:%Y-%m-%d}",
        "registered_to": f"{q.end:%Y-%m-%d}",
        "recurrence": "true",
    }
    return {
        unit.pk: Figure(float(counts[unit.pk]["n"]), url=_problems_url(unit, **span))
        for unit in units
    }


def _accountability(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, Figure]:
    """Published accountability cases (问责) of the quarter, a corrected entry counted once."""
    from qitong.supervision.models import AccountabilityEntry
    from qitong.supervision.states import EntryState

    published = AccountabilityEntry.objects.filter(quarter=q.key, state=EntryState.PUBLISHED)
    corrected = published.exclude(corrects__isnull=True).values("corrects")
    cases = published.exclude(pk__in=corrected)
    by_department = dict(
        cases.order_by().values("department").annotate(n=Count("pk")).values_list("department", "n")
    )
    by_region = {
        code: {"n": n}
        for code, n in cases.order_by()
        .values("region__code")
        .annotate(n=Count("pk"))
        .values_list("region__code", "n")
    }
    territorial = _by_prefix([u for u in units if u.kind != UnitKind.DEPARTMENT], by_region, ["n"])
    url = f"{reverse('supervision:accountability')}?{urlencode({'quarter': q.key})}"
    out = {}
    for unit in units:
        n = (
            by_department.get(unit.department_id or 0, 0)
            if unit.kind == UnitKind.DEPARTMENT
            else territorial[unit.pk]["n"]
        )
        out[unit.pk] = Figure(float(n), url=url)
    return out


# --- arrears (清欠) -------------------------------------------------------------------------------


def _clearance(
    units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]
) -> dict[int, dict[str, Any]]:
    if "clearance" not in cache:
        from qitong.arrears.stats import clearance_by_region

        keys = ["owed", "repaid", "undisputed_owed", "undisputed_repaid"]
        cache["clearance"] = _by_prefix(units, clearance_by_region(q.end), keys)
    return dict(cache["clearance"])


def _claims_url(unit: ReportingUnit) -> str:
    query = urlencode({"region": unit.region.code, "state": "live", "litigation": "false"})
    return f"{reverse('arrears:claims')}?{query}"


def _clearance_rate(part: str, whole: str) -> Fetch:
    def fetch(units: list[ReportingUnit], q: Quarter, cache: dict[str, Any]) -> dict[int, Figure]:
        sums = _clearance(units, q, cache)
        return {
            unit.pk: Figure(
                _rate(sums[unit.pk][part], sums[unit.pk][whole]),
                _num(Decimal(sums[unit.pk][part])),
                _num(Decimal(sums[unit.pk][whole])),
                url=_claims_url(unit),
                note=f"截至 {q.end:%Y-%m-%d}，金额单位：元",
            )
            for unit in units
        }

    return fetch


SOURCES: dict[str, Source] = {
    s.key: s
    for s in [
        Source("hotline.response_rate", "12345 响应率", "热线", "rate", Direction.UP, "按时签收 / 派单", BOTH, _hotline_rate("response_rate")),
        Source("hotline.resolution_rate", "12345 解决率", "热线", "rate", Direction.UP, "回访已解决 / 已回访", BOTH, _hotline_rate("resolution_rate")),
        Source("hotline.satisfaction_rate", "12345 满意率", "热线", "rate", Direction.UP, "满意及非常满意 / 已评价", BOTH, _hotline_rate("satisfaction_rate")),
        Source("hotline.on_time_rate", "按时答复率", "热线", "rate", Direction.UP, "按时答复 / 已答复", BOTH, _hotline_rate("on_time_rate")),
        Source("hotline.redo_rate", "重办率", "热线", "rate", Direction.DOWN, "重办过 / 派单", BOTH, _hotline_rate("redo_rate")),
        Source("hotline.first_call_rate", "首呼解决率", "热线", "rate", Direction.UP, "首呼解决 / 受理", TERRITORIAL, _hotline_rate("first_call_rate")),
        Source("hotline.late_complaints", "超期答复的企业投诉", "热线", "count", Direction.DOWN, "本季度受理、答复超过时限的投诉件数", BOTH, _late_complaints),
        Source("reforms.tasks_on_time", "重点任务按期完成率", "改革任务", "rate", Direction.UP, "本季度到期且按期完成 / 本季度到期", BOTH, _tasks_on_time),
        Source("reforms.plan_done", "方案任务完成比例", "改革任务", "rate", Direction.UP, "截至季末已完成 / 全部适用任务", BOTH, _plan_done),
        Source("reforms.reports_on_time", "进展报告按时报送率", "改革任务", "rate", Direction.UP, "按时报送 / 本季度应报", BOTH, _reports_on_time),
        Source("reforms.reports_first_time", "进展报告一次通过率", "改革任务", "rate", Direction.UP, "未经退回即通过 / 已通过", BOTH, _reports_first_time),
        Source("supervision.rectified_on_time", "问题按期整改率", "问题整改", "rate", Direction.UP, "本季度销号且按期 / 本季度销号", BOTH, _rectified_on_time),
        Source("supervision.late_rectified", "逾期整改问题", "问题整改", "count", Direction.DOWN, "本季度销号、超过整改时限的问题数", BOTH, _late_rectified),
        Source("supervision.overdue_open", "逾期未整改问题", "问题整改", "count", Direction.DOWN, "计算时已过整改时限仍未销号的问题数", BOTH, _overdue_open),
        Source("supervision.recurrences", "问题反弹", "问题整改", "count", Direction.DOWN, "本季度登记的反弹问题数", BOTH, _recurrences),
        Source("supervision.accountability", "问责案例", "问题整改", "count", Direction.DOWN, "本季度公开的问责记录数", BOTH, _accountability),
        Source("arrears.clearance_rate", "清欠进度", "清欠", "rate", Direction.UP, "截至季末已清偿 / 欠款总额", TERRITORIAL, _clearance_rate("repaid", "owed")),
        Source("arrears.undisputed_clearance_rate", "无分歧欠款清偿率", "清欠", "rate", Direction.UP, "无分歧部分已清偿 / 无分歧欠款", TERRITORIAL, _clearance_rate("undisputed_repaid", "undisputed_owed")),
        Source("manual", "人工录入（附佐证）", "人工", "value", Direction.UP, "由考核人员按佐证材料录入，如第三方满意度调查得分", BOTH, None),
    ]
}  # fmt: skip


def fetch_all(
    keys: Iterable[str],
    units: list[ReportingUnit],
    quarter: Quarter,
    *,
    now: dt.datetime | None = None,
) -> dict[str, dict[int, Figure]]:
    """Every named source for every unit (manual ones are entered, not fetched)."""
    cache: dict[str, Any] = {"now": now}
    out: dict[str, dict[int, Figure]] = {}
    for key in dict.fromkeys(keys):
        source = SOURCES[key]
        if source.fetch is not None:
            out[key] = source.fetch(units, quarter, cache)
    return out
