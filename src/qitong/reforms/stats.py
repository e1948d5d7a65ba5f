"""A plan's statistics and its grid as of any date, from the record (issue 12): one function
each, shared by the page, the API and the export.

As of day D:
- a unit task is applicable unless ruled not applicable on or before D (`na_on`), and done
  if its completion was verified on or before D (`done_on`);
- its progress is that of its last report accepted on or before D; a task's mean progress is
  the sum of the progress changes up to D (the ProgressDelta rollup, kept in the transaction
  of each change) over its applicable unit tasks;
- "over 50 %" has two readings, both given and labelled: the share of applicable units done
  (> 50 %), and the mean progress (> 50 %);
- a unit's completion rate = its done / applicable unit tasks; on-time rate = those done by
  their original deadline / those due by D or done by D; units rank by
  completion rate, then mean progress, then on-time rate (equal figures share a rank).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from qitong.core.workdays import LOCAL_TZ, load_calendar
from qitong.reforms import periods
from qitong.reforms.models import (
    ActionPlan,
    ProgressDelta,
    ReformTask,
    Report,
    ReportingUnit,
    UnitTask,
)
from qitong.reforms.states import PlanState, ReportState, TaskState, Warning
from qitong.reforms.warnings import Thresholds, judge


@dataclass
class TaskFigures:
    task_id: int
    applicable: int = 0
    done: int = 0
    progress_sum: int = 0

    @property
    def done_everywhere(self) -> bool:
        return self.applicable > 0 and self.done == self.applicable

    @property
    def over_half_by_units(self) -> bool:
        return self.done * 2 > self.applicable

    @property
    def mean_progress(self) -> float:
        return self.progress_sum / self.applicable if self.applicable else 0.0

    @property
    def over_half_by_progress(self) -> bool:
        return self.applicable > 0 and self.progress_sum > 50 * self.applicable


@dataclass
class UnitFigures:
    unit: ReportingUnit
    applicable: int = 0
    done: int = 0
    due: int = 0
    done_on_time: int = 0
    progress_sum: int = 0
    rank: int = 0

    @property
    def completion_rate(self) -> float | None:
        return round(self.done / self.applicable, 4) if self.applicable else None

    @property
    def on_time_rate(self) -> float | None:
        return round(self.done_on_time / self.due, 4) if self.due else None

    @property
    def mean_progress(self) -> float:
        return round(self.progress_sum / self.applicable, 1) if self.applicable else 0.0


@dataclass
class Breakdown:
    key: Any
    label: str
    tasks: int = 0
    done_everywhere: int = 0
    applicable: int = 0
    done: int = 0
    progress_sum: int = 0

    @property
    def completion_rate(self) -> float | None:
        return round(self.done / self.applicable, 4) if self.applicable else None

    @property
    def mean_progress(self) -> float:
        return round(self.progress_sum / self.applicable, 1) if self.applicable else 0.0


@dataclass
class PlanStats:
    plan: ActionPlan
    as_of: dt.date
    tasks: int
    units: int
    done_everywhere: int
    over_half_by_units: int
    over_half_by_progress: int
    ranking: list[UnitFigures]
    by_task: dict[int, TaskFigures] = field(default_factory=dict)
    by_area: list[Breakdown] = field(default_factory=list)
    by_lead: list[Breakdown] = field(default_factory=list)


def _applicable(day: dt.date) -> Q:
    return Q(na_on__isnull=True) | Q(na_on__gt=day)


def _done(day: dt.date) -> Q:
    return _applicable(day) & Q(done_on__lte=day)


def plan_stats(plan: ActionPlan, as_of: dt.date) -> PlanStats:
    """The plan's figures as of the end of `as_of` (four grouped queries, whatever the plan's
    size: per task, per unit, and the two rollup sums)."""
    rows = UnitTask.objects.filter(plan=plan)
    by_task: dict[int, TaskFigures] = {}
    for r in rows.values("task_id").annotate(
        applicable=Count("id", filter=_applicable(as_of)),
        done=Count("id", filter=_done(as_of)),
    ):
        by_task[r["task_id"]] = TaskFigures(r["task_id"], r["applicable"], r["done"])
    task_ids = list(ReformTask.objects.filter(plan=plan).values_list("id", flat=True))
    for pk in task_ids:
        by_task.setdefault(pk, TaskFigures(pk))
    for key, total in _progress_sums(plan, "t", as_of).items():
        if key in by_task:
            by_task[key].progress_sum = total

    units = {u.pk: u for u in ReportingUnit.objects.filter(tasks__plan=plan).distinct()}
    figures: dict[int, UnitFigures] = {}
    for u in rows.values("unit_id").annotate(
        applicable=Count("id", filter=_applicable(as_of)),
        done=Count("id", filter=_done(as_of)),
        due=Count(
            "id", filter=_applicable(as_of) & (Q(original_deadline__lte=as_of) | _done(as_of))
        ),
        on_time=Count("id", filter=_done(as_of) & Q(late_days=0)),
    ):
        figures[u["unit_id"]] = UnitFigures(
            units[u["unit_id"]], u["applicable"], u["done"], u["due"], u["on_time"]
        )
    for key, total in _progress_sums(plan, "u", as_of).items():
        if key in figures:
            figures[key].progress_sum = total
    ranking = _ranked(list(figures.values()))
    values = list(by_task.values())
    return PlanStats(
        plan=plan,
        as_of=as_of,
        tasks=len(task_ids),
        units=len(figures),
        done_everywhere=sum(t.done_everywhere for t in values),
        over_half_by_units=sum(t.over_half_by_units for t in values),
        over_half_by_progress=sum(t.over_half_by_progress for t in values),
        ranking=ranking,
        by_task=by_task,
        by_area=_breakdown(plan, by_task, "area"),
        by_lead=_breakdown(plan, by_task, "lead_department"),
    )


def _progress_sums(plan: ActionPlan, kind: str, as_of: dt.date) -> dict[int, int]:
    return {
        r["key"]: r["total"] or 0
        for r in ProgressDelta.objects.filter(plan=plan, kind=kind, day__lte=as_of)
        .values("key")
        .annotate(total=Sum("delta"))
    }


def _ranked(units: list[UnitFigures]) -> list[UnitFigures]:
    def score(u: UnitFigures) -> tuple[float, float, float]:
        return (u.completion_rate or 0.0, u.mean_progress, u.on_time_rate or 0.0)

    ordered = sorted(units, key=lambda u: (tuple(-x for x in score(u)), u.unit.sort_order))
    previous: tuple[float, float, float] | None = None
    for position, u in enumerate(ordered, start=1):
        u.rank = ordered[position - 2].rank if previous == score(u) else position
        previous = score(u)
    return ordered


def _breakdown(plan: ActionPlan, by_task: dict[int, TaskFigures], by: str) -> list[Breakdown]:
    groups: dict[Any, Breakdown] = {}
    tasks = ReformTask.objects.filter(plan=plan).select_related("area", "lead_department")
    for task in tasks.order_by("sort_order", "id"):
        key: int | None
        if by == "area":
            key, label = task.area_id, task.area.name
        else:
            key = task.lead_department_id
            label = task.lead_department.name if task.lead_department else "（未定牵头部门）"
        group = groups.setdefault(key, Breakdown(key, label))
        figures = by_task[task.pk]
        group.tasks += 1
        group.done_everywhere += figures.done_everywhere
        group.applicable += figures.applicable
        group.done += figures.done
        group.progress_sum += figures.progress_sum
    return list(groups.values())


# --- the trend -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    done_everywhere: int
    completion_rate: float | None
    mean_progress: float


def plan_trend(plan: ActionPlan, as_of: dt.date) -> list[TrendPoint]:
    """The plan's figures at each month's end from its first reporting month to `as_of` (and
    at `as_of` itself): the unit tasks' completions and rulings of not applicable, grouped
    by task and day in the database, swept once in date order (a national plan's 150,000
    unit tasks are a few thousand groups). A closed plan's trend ends when it was closed."""
    if plan.state == PlanState.CLOSED and plan.closed_on is not None:
        as_of = min(as_of, plan.closed_on)
    months = list(periods.periods(plan.starts_on, max(as_of, plan.starts_on), "month"))
    ends = [min(periods.bounds(m, "month")[1], as_of) for m in months]  # type: ignore[index]
    rows = UnitTask.objects.filter(plan=plan)
    applicable: dict[int, int] = defaultdict(int)
    for task_id, n in rows.values_list("task_id").annotate(n=Count("id")):
        applicable[task_id] = n
    events: list[tuple[dt.date, int, int, int]] = []  # (day, task, Δapplicable, Δdone)
    for task_id, day, n in (
        rows.filter(done_on__lte=as_of).values_list("task_id", "done_on").annotate(n=Count("id"))
    ):
        events.append((day, task_id, 0, n))
    for task_id, day, n in (
        rows.filter(na_on__lte=as_of).values_list("task_id", "na_on").annotate(n=Count("id"))
    ):
        events.append((day, task_id, -n, 0))  # ruled out before it could be done
    events.sort()
    deltas = list(
        ProgressDelta.objects.filter(plan=plan, kind="t", day__lte=as_of)
        .values_list("day")
        .annotate(total=Sum("delta"))
        .order_by("day")
    )
    done: dict[int, int] = defaultdict(int)
    at = progress = d = 0
    points = []
    for end in ends:
        while at < len(events) and events[at][0] <= end:
            _, task_id, less, more = events[at]
            applicable[task_id] += less
            done[task_id] += more
            at += 1
        while d < len(deltas) and deltas[d][0] <= end:
            progress += deltas[d][1] or 0
            d += 1
        total_app = sum(applicable.values())
        total_done = sum(done.values())
        points.append(
            TrendPoint(
                day=end,
                done_everywhere=sum(1 for k, n in applicable.items() if n and done[k] == n),
                completion_rate=round(total_done / total_app, 4) if total_app else None,
                mean_progress=round(progress / total_app, 1) if total_app else 0.0,
            )
        )
    return points


# --- the grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    unit_task_id: int
    state: str
    progress: int
    warning: str
    expected: int


@dataclass
class GridRow:
    task: ReformTask
    cells: dict[int, Cell]  # by unit id


@dataclass
class Grid:
    plan: ActionPlan
    as_of: dt.date
    units: list[ReportingUnit]
    rows: list[GridRow]
    total: int  # tasks matching the filters (rows holds one page of them)


def plan_grid(
    plan: ActionPlan,
    unit_tasks: Any,  # the reader's scoped unit tasks (reforms.selectors)
    *,
    as_of: dt.date,
    today: dt.date,
    area: int | None = None,
    lead: int | None = None,
    warning: str | None = None,
    task_ids: set[int] | None = None,
    offset: int = 0,
    limit: int = 200,
) -> Grid:
    """Tasks (rows, in plan order) × units (columns), one page of tasks. Today's grid reads
    the unit tasks as they are; a past day's is rebuilt from the accepted reports and dates."""
    tasks = ReformTask.objects.filter(plan=plan).select_related("area", "lead_department")
    if task_ids is not None:
        tasks = tasks.filter(pk__in=task_ids)
    if area:
        tasks = tasks.filter(area_id=area)
    if lead:
        tasks = tasks.filter(lead_department_id=lead)
    scoped = unit_tasks.filter(plan=plan)
    if warning is not None and as_of >= today:
        tasks = tasks.filter(unit_tasks__in=scoped.filter(warning=warning)).distinct()
    total = tasks.count()
    page = list(tasks.order_by("sort_order", "id")[offset : offset + limit])
    # Plain rows, not model instances: a page holds thousands of cells.
    picked = scoped.filter(task__in=[t.pk for t in page])
    items = [_Item(*row) for row in picked.values_list(*_Item.FIELDS)]
    units = list(
        ReportingUnit.objects.filter(pk__in={i.unit_id for i in items}).order_by(
            "sort_order", "code"
        )
    )
    past = as_of < today
    progress_then = _progress_as_of(picked, as_of) if past else {}
    thresholds = Thresholds(plan.yellow_behind, plan.red_behind, plan.near_deadline_days)
    calendar = load_calendar() if past else None
    cells: dict[int, dict[int, Cell]] = defaultdict(dict)
    for i in items:
        if not past:
            cell = Cell(i.pk, i.state, i.progress, i.warning, _expected(i, as_of))
        else:
            cell = _cell_then(i, as_of, progress_then.get(i.pk, 0), thresholds, calendar)
        cells[i.task_id][i.unit_id] = cell
    rows = [GridRow(task, cells.get(task.pk, {})) for task in page]
    if warning is not None and past:
        rows = [r for r in rows if any(c.warning == warning for c in r.cells.values())]
    return Grid(plan, as_of, units, rows, total)


@dataclass(frozen=True, slots=True)
class _Item:
    """What a grid cell reads of a unit task."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "pk", "task_id", "unit_id", "state", "progress", "warning", "planned_start",
        "deadline", "original_deadline", "na_on", "done_on",
    )  # fmt: skip
    pk: int
    task_id: int
    unit_id: int
    state: str
    progress: int
    warning: str
    planned_start: dt.date
    deadline: dt.date
    original_deadline: dt.date
    na_on: dt.date | None
    done_on: dt.date | None


def _expected(item: _Item, day: dt.date) -> int:
    from qitong.reforms.warnings import expected_progress

    return expected_progress(item.planned_start, item.deadline, day)


def _progress_as_of(items: Any, day: dt.date) -> dict[int, int]:
    """Each unit task's progress by its last report (by period; of two for one period, the
    later decision) accepted by the end of `day`: one index seek per item (reforms_report
    _task_period), not the whole history through Python."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), LOCAL_TZ)
    last = (
        Report.objects.filter(
            unit_task=OuterRef("pk"), state=ReportState.ACCEPTED, decided_at__lt=end
        )
        .order_by("-period", "-decided_at")  # the index's order: a backward scan, LIMIT 1
        .values("progress")[:1]
    )
    rows = items.annotate(then=Subquery(last)).values_list("pk", "then")
    return {pk: progress for pk, progress in rows if progress is not None}


def _cell_then(
    item: _Item, day: dt.date, progress: int, thresholds: Thresholds, calendar: Any
) -> Cell:
    if item.na_on is not None and item.na_on <= day:
        return Cell(item.pk, TaskState.NOT_APPLICABLE, progress, Warning.NONE, 0)
    done = item.done_on is not None and item.done_on <= day
    state = (
        TaskState.DONE if done else TaskState.IN_PROGRESS if progress > 0 else TaskState.NOT_STARTED
    )
    verdict = judge(
        start=item.planned_start,
        deadline=item.original_deadline if item.deadline > day else item.deadline,
        progress=progress,
        done=done,
        missed=0,
        day=day,
        thresholds=thresholds,
        calendar=calendar,
    )
    return Cell(item.pk, state, progress, verdict.level, verdict.expected)
