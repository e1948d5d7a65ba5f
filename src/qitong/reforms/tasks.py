"""The warnings sweep (hourly; each warning raised once): every open unit task of a plan in
force is judged (reforms.warnings) and, when its level changes, the system's `warn` action
records it on the task's ledger and the unit's coordinators are notified of a raised one."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db.models import Q

from qitong.core.errors import DomainError
from qitong.core.workdays import load_calendar
from qitong.reforms import periods
from qitong.reforms.models import ActionPlan, Report, UnitTask
from qitong.reforms.services import LEVELS, today, warnings_apply
from qitong.reforms.states import OPEN_STATES, PlanState
from qitong.reforms.warnings import Thresholds, Verdict, judge

logger = logging.getLogger("qitong.reforms")


def missed_reports(item: UnitTask, reported: set[str], day: dt.date) -> int:
    """Periods since the item started whose report was due before `day` and never filed."""
    plan = item.plan
    first = max(plan.starts_on, item.planned_start)
    if first > day:
        return 0
    missed = 0
    for code in periods.periods(first, min(day, plan.deadline), plan.period_kind):
        if periods.due(code, plan.period_kind, plan.report_due_days) < day and code not in reported:
            missed += 1
    return missed


def verdict_of(item: UnitTask, reported: set[str], day: dt.date) -> Verdict:
    plan = item.plan
    return judge(
        start=item.planned_start,
        deadline=item.deadline,
        progress=item.progress,
        done=False,
        missed=missed_reports(item, reported, day),
        day=day,
        thresholds=Thresholds(plan.yellow_behind, plan.red_behind, plan.near_deadline_days),
        calendar=load_calendar(),
    )


def warnings_sweep() -> dict[str, int]:
    day = today()
    raised = cleared = 0
    plans = ActionPlan.objects.filter(state=PlanState.IN_FORCE)
    items = UnitTask.objects.filter(plan__in=plans, state__in=OPEN_STATES).select_related("plan")
    reported: dict[int, set[str]] = defaultdict(set)
    for pk, code in Report.objects.filter(
        Q(unit_task__plan__in=plans) & Q(unit_task__state__in=OPEN_STATES)
    ).values_list("unit_task_id", "period"):
        reported[pk].add(code)
    for item in items.iterator(chunk_size=2000):
        verdict = verdict_of(item, reported[item.pk], day)
        if verdict.level == item.warning:  # raised once: a changed figure is not a new warning
            continue
        try:
            warnings_apply(item=item, level=verdict.level, reasons=list(verdict.reasons))
        except DomainError as exc:  # changed meanwhile: the next sweep judges it again
            logger.info("warning skipped for unit task %s: %s", item.pk, exc.message)
            continue
        if LEVELS[verdict.level] > LEVELS[item.warning]:
            raised += 1
        else:
            cleared += 1
    return {"raised": raised, "cleared": cleared}
