"""The problem list's filters, shared by the page, the API, the Excel export and every figure
of the statistics that drills down to its problems: one `ProblemFilter`, one queryset.

Every list reads through `problems_visible_to`, so a filter only narrows what the reader may
see. A bad value is named (the page beside its field, the API as a 422) and filters nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet

from qitong.accounts.actor import Actor
from qitong.core import clock
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import LOCAL_TZ
from qitong.directory.models import Department
from qitong.directory.models import code_prefix as region_prefix
from qitong.supervision.models import Problem, parse_problem_number
from qitong.supervision.selectors import problems_visible_to
from qitong.supervision.states import (
    CLOCKED_STATES,
    FINAL_STATES,
    OPEN_STATES,
    ProblemClass,
    ProblemSource,
    ProblemState,
)

STATE_GROUPS = {"open": OPEN_STATES, "final": FINAL_STATES}


@dataclass(frozen=True)
class ProblemFilter:
    """Each field narrows the list; "" / None = not filtered."""

    state: str = ""  # a ProblemState, or "open" / "final"
    source: str = ""
    unit: str = ""  # a department's id or code
    region: str = ""  # a region code (the unit's region, its subtree)
    category: str = ""  # a category code
    problem_class: str = ""
    overdue: bool | None = None
    activity: int | None = None
    recurrence: bool | None = None  # only problems that recurred (问题反弹)
    on_time: bool | None = None  # closed on time / late
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    q: str = ""  # a number (WT2026-000123) or words of the title

    def query(self) -> str:
        """The filter as a query string (what a statistic's figure links to)."""
        pairs = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value in ("", None):
                continue
            name = "class" if f.name == "problem_class" else f.name
            pairs.append(
                (name, "true" if value is True else "false" if value is False else str(value))
            )
        return urlencode(pairs)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), LOCAL_TZ)


def check(f: ProblemFilter) -> None:
    """Values the types cannot check (the API's Literal enums check the rest)."""
    errors = {}
    if f.state and f.state not in STATE_GROUPS and f.state not in ProblemState.values:
        errors["state"] = "状态应为：" + "、".join([*STATE_GROUPS, *ProblemState.values])
    if f.source and f.source not in ProblemSource.values:
        errors["source"] = "来源应为：" + "、".join(ProblemSource.values)
    if f.problem_class and f.problem_class not in ProblemClass.values:
        errors["class"] = "问题等级应为 A、B 或 C"
    if f.region and not (f.region.isdigit() and 2 <= len(f.region) <= 6):
        errors["region"] = "区划代码应为 2 到 6 位数字"
    for start, end, name in (
        (f.registered_from, f.registered_to, "registered_to"),
        (f.closed_from, f.closed_to, "closed_to"),
    ):
        if start and end and end < start:
            errors[name] = "截止日期不能早于起始日期"
    if errors:
        raise ValidationFailed(fields=errors)


def unit_ids(raw: str) -> list[int]:
    """A unit given by its id or its code (the lists show both); unknown: a 422."""
    text = raw.strip()
    found = Department.objects.filter(Q(code=text) | Q(pk=int(text) if text.isdigit() else 0))
    ids = list(found.values_list("pk", flat=True)[:2])
    if not ids:
        raise ValidationFailed(fields={"unit": f"未知的责任单位：{raw}"})
    return ids


def narrowed(
    qs: QuerySet[Problem], f: ProblemFilter, now: dt.datetime | None = None
) -> QuerySet[Problem]:
    check(f)
    now = now or clock.now()
    if f.state:
        qs = (
            qs.filter(state__in=STATE_GROUPS[f.state])
            if f.state in STATE_GROUPS
            else qs.filter(state=f.state)
        )
    if f.source:
        qs = qs.filter(source=f.source)
    if f.unit:
        qs = qs.filter(unit_department_id__in=unit_ids(f.unit))
    if f.region:
        qs = qs.filter(region_code__startswith=region_prefix(f.region))
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.problem_class:
        qs = qs.filter(problem_class=f.problem_class)
    late = Q(state__in=CLOCKED_STATES, deadline__lt=now)
    if f.overdue is True:
        qs = qs.filter(late)
    elif f.overdue is False:
        qs = qs.exclude(late)
    if f.activity is not None:
        qs = qs.filter(activity_id=f.activity)
    if f.recurrence is True:
        qs = qs.filter(recurrence_of__isnull=False)
    elif f.recurrence is False:
        qs = qs.filter(recurrence_of__isnull=True)
    if f.on_time is not None:
        qs = qs.filter(state=ProblemState.CLOSED, on_time=f.on_time)
    if f.registered_from:
        qs = qs.filter(registered_at__gte=_day_start(f.registered_from))
    if f.registered_to:
        qs = qs.filter(registered_at__lt=_day_start(f.registered_to + dt.timedelta(days=1)))
    if f.closed_from:
        qs = qs.filter(closed_at__gte=_day_start(f.closed_from))
    if f.closed_to:
        qs = qs.filter(closed_at__lt=_day_start(f.closed_to + dt.timedelta(days=1)))
    if f.q.strip():
        pk = parse_problem_number(f.q)
        qs = qs.filter(pk=pk) if pk is not None else qs.filter(title__contains=f.q.strip())
    return qs


def problems_filtered(actor: Actor, f: ProblemFilter) -> QuerySet[Problem]:
    return narrowed(problems_visible_to(actor), f)


def state_counts(qs: QuerySet[Problem], now: dt.datetime | None = None) -> dict[str, int]:
    """The counts at the top of the list, in one query over the filtered set."""
    now = now or clock.now()
    row = qs.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=CLOCKED_STATES, deadline__lt=now)),
        pending_acceptance=Count("pk", filter=Q(state=ProblemState.PENDING_ACCEPTANCE)),
        objected=Count("pk", filter=Q(state=ProblemState.OBJECTED)),
        closed=Count("pk", filter=Q(state=ProblemState.CLOSED)),
    )
    return {k: int(v or 0) for k, v in row.items()}


def list_related(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    return qs.select_related("unit_department", "category", "activity")


def as_filter(data: dict[str, Any]) -> ProblemFilter:
    """From the API's query schema or the page's cleaned form."""
    names = {f.name for f in fields(ProblemFilter)}
    values = {k: v for k, v in data.items() if k in names and v not in (None, "")}
    return ProblemFilter(**values)
