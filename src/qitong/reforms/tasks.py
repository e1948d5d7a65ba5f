"""The warnings sweep (hourly; each warning raised once): every open unit task of a plan in
force, and every open measure of a local plan carrying one out, is judged (reforms.warnings);
when its level changes, the system's `warn` action records it on the item's ledger and the
unit's coordinators are notified of a raised one."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db.models import Q

from qitong.core.errors import DomainError
from qitong.core.workdays import load_calendar
from qitong.reforms import periods
from qitong.reforms.models import ActionPlan, Measure, Report, UnitTask
from qitong.reforms.services import LEVELS, Item, schedule, today, warnings_apply
from qitong.reforms.states import OPEN_STATES, PlanState
from qitong.reforms.warnings import Thresholds, Verdict, judge

logger = logging.getLogger("qitong.reforms")


def missed_reports(item: Item, reported: set[str], day: dt.date) -> int:
    """Periods since the item started whose report was due before `day` and never filed."""
    kind, starts, deadline, due_days = schedule(item)
    first = max(starts, item.planned_start)
    if first > day:
        return 0
    missed = 0
    for code in periods.periods(first, min(day, deadline), kind):
        if periods.due(code, kind, due_days) < day and code not in reported:
            missed += 1
    return missed


def thresholds_of(item: Item) -> Thresholds:
    """The plan's thresholds (a local measure takes those of the plan it carries out)."""
    plan = item.plan if isinstance(item, UnitTask) else item.local_plan.plan
    if plan is None:
        return Thresholds()
    return Thresholds(plan.yellow_behind, plan.red_behind, plan.near_deadline_days)


def verdict_of(item: Item, reported: set[str], day: dt.date) -> Verdict:
    return judge(
        start=item.planned_start,
        deadline=item.deadline,
        progress=item.progress,
        done=False,
        missed=missed_reports(item, reported, day),
        day=day,
        thresholds=thresholds_of(item),
        calendar=load_calendar(),
    )


def warnings_sweep() -> dict[str, int]:
    """Unit tasks of the plans in force, and the open measures of local plans that carry out
    a plan in force (or stand alone)."""
    day = today()
    plans = ActionPlan.objects.filter(state=PlanState.IN_FORCE)
    tasks = UnitTask.objects.filter(plan__in=plans, state__in=OPEN_STATES).select_related("plan")
    measures = Measure.objects.filter(
        Q(local_plan__plan__in=plans) | Q(local_plan__plan__isnull=True),
        state__in=OPEN_STATES,
        local_plan__deadline__gte=day - dt.timedelta(days=366),
    ).select_related("local_plan__plan")
    counts = {"raised": 0, "cleared": 0}
    for qs, field in ((tasks, "unit_task"), (measures, "measure")):
        reported: dict[int, set[str]] = defaultdict(set)
        for pk, code in Report.objects.filter(**{f"{field}__in": qs.values("pk")}).values_list(
            f"{field}_id", "period"
        ):
            reported[pk].add(code)
        for item in qs.iterator(chunk_size=2000):
            verdict = verdict_of(item, reported[item.pk], day)
            if verdict.level == item.warning:  # raised once: a changed figure is not a new one
                continue
            try:
                warnings_apply(item=item, level=verdict.level, reasons=list(verdict.reasons))
            except DomainError as exc:  # changed meanwhile: the next sweep judges it again
                logger.info("warning skipped for %s %s: %s", field, item.pk, exc.message)
                continue
            raised = LEVELS[verdict.level] > LEVELS[item.warning]
            counts["raised" if raised else "cleared"] += 1
    return counts
