"""Reforms writes, every one through the workflow core (workflow.skeleton.act): a unit task's
or a measure's actions, and the progress report's own machine. A report is filed by the
item's `report` action (the report row and its first ledger event are written in that
transaction); deciding it applies the decision to its item by the item's system `apply`
action in the same transaction, so both chains record it.

Progress counts once verified: an item's `progress` is its last accepted report's, and every
change is added to the plan's ProgressDelta rollup in the same transaction (reforms.stats).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any, NotRequired

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from typing_extensions import TypedDict, Unpack

from qitong.accounts.actor import SYSTEM, actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core import idempotency
from qitong.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from qitong.core.uploads import CheckedFile, check_uploads, save_checked
from qitong.core.upsert import upsert_add
from qitong.core.workdays import LOCAL_TZ, local_today
from qitong.ledger.services import ledger_record
from qitong.notifications.services import notify
from qitong.reforms import periods
from qitong.reforms.models import (
    ActionPlan,
    LocalPlan,
    Measure,
    ProgressDelta,
    ReformTask,
    Report,
    ReportFile,
    ReportingUnit,
    TaskArea,
    UnitTask,
)
from qitong.reforms.selectors import (
    measures_visible_to,
    plans_visible_to,
    reports_visible_to,
    unit_tasks_visible_to,
)
from qitong.reforms.states import ReportState, TaskState, UnitKind, Warning
from qitong.reforms.transitions import (
    COORDINATOR,
    MEASURE,
    PLAN,
    REPORT,
    UNIT_TASK,
    AcceptIn,
    AssignIn,
    DeferIn,
    NotApplicableIn,
    ReportIn,
    ReturnIn,
    is_office,
)
from qitong.workflow.machine import STAY, Handler
from qitong.workflow.skeleton import Action, Subject, act, take

T = TaskState
R = ReportState
OPEN_REPORT_TAKEN = "该期已有待审核或被退回的报告，请在原报告上修改后重报"
MEASURE_DUE_DAYS = 5  # a local measure's report is on time within 5 days of its period's end
Item = UnitTask | Measure

UNIT_TASKS: Subject[UnitTask] = Subject(
    machine=UNIT_TASK,
    scope=unit_tasks_visible_to,
    version_field="revision",
    touched_field="updated_at",
    related=("unit__region", "task", "plan"),
)
MEASURES: Subject[Measure] = Subject(
    machine=MEASURE,
    scope=measures_visible_to,
    version_field="revision",
    touched_field="updated_at",
    related=("local_plan__unit__region",),
)
PLANS: Subject[ActionPlan] = Subject(
    machine=PLAN,
    scope=plans_visible_to,
    version_field="revision",
)
REPORTS: Subject[Report] = Subject(
    machine=REPORT,
    scope=reports_visible_to,
    version_field="revision",
    touched_field="updated_at",
    related=("unit__region",),
)


def today() -> dt.date:
    return local_today()


# --- the period rules of an item ---------------------------------------------------------------


def schedule(item: Item) -> tuple[str, dt.date, dt.date, int]:
    """(period kind, first reporting day, plan deadline, days after a period's end a report is
    on time) for a unit task (its plan) or a measure (its local plan)."""
    if isinstance(item, UnitTask):
        plan = item.plan
        return plan.period_kind, plan.starts_on, plan.deadline, plan.report_due_days
    local = item.local_plan
    return local.period_kind, local.issued_on, local.deadline, MEASURE_DUE_DAYS


def current_period(item: Item, day: dt.date | None = None) -> str:
    """The period a report is due for now: the current one, within the plan's span."""
    kind, first, last, _ = schedule(item)
    day = day or today()
    return periods.period_of(min(max(day, first), max(last, first)), kind)


def _check_period(item: Item, code: str, day: dt.date) -> tuple[str, dt.date] | str:
    """(period, its last day), or the error message for `period`."""
    kind, first, last, _ = schedule(item)
    span = periods.bounds(code, kind)
    if span is None:
        example = "2022-03" if kind == "month" else "2022-Q1"
        return f"所属期间格式应为 {example}"
    start, end = span
    if end < first or start > max(last, first):
        return (
            f"所属期间应在方案的报送范围内（{periods.label(periods.period_of(first, kind))}"
            f" 至 {periods.label(periods.period_of(last, kind))}）"
        )
    if start > day:
        return "不能报送尚未开始的期间"
    return code, end


def _check_figures(item: Item, args: ReportIn) -> dict[str, str]:
    errors: dict[str, str] = {}
    progress = args.progress if args.progress is not None else 0
    if args.done and progress != 100:
        errors["progress"] = "申报完成时进度应为 100"
    elif progress < item.progress and not args.regress_reason:
        errors["regress_reason"] = f"进度低于上次审核通过的 {item.progress}%，请填写进度回退说明"
        errors["progress"] = f"进度低于上次审核通过的 {item.progress}%（须说明原因）"
    return errors


def _open_report(item: Item, code: str, exclude: int | None = None) -> bool:
    qs = Report.objects.filter(period=code, state__in=[R.SUBMITTED, R.RETURNED])
    qs = qs.filter(unit_task=item) if isinstance(item, UnitTask) else qs.filter(measure=item)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _files(ctx: Action[Any]) -> list[CheckedFile]:
    files: list[CheckedFile] = ctx.extra.get("files", [])
    return files


def _store_files(
    report: Report, files: list[CheckedFile], user: User, now: dt.datetime
) -> list[str]:
    stored = []
    for checked in files:
        row = ReportFile.objects.create(
            report=report, **save_checked(checked, folder="reforms", user=user, now=now)
        )
        stored.append(row.sha256)
    return stored


# --- services -----------------------------------------------------------------------------------


class TakeArgs(TypedDict):
    pk: int
    action: str
    user: User
    data: NotRequired[dict[str, Any] | None]
    files: NotRequired[Sequence[File[Any]]]
    expected_version: NotRequired[int | None]


def _take(
    spec: Subject[Any],
    *,
    pk: int,
    action: str,
    user: User,
    data: dict[str, Any] | None = None,
    files: Sequence[File[Any]] = (),
    expected_version: int | None = None,
) -> Any:
    """A person's action on one of the domain's subjects, evidence checked before anything."""
    return take(
        spec,
        pk=pk,
        action=action,
        actor=actor_of(user),
        user=user,
        data=data,
        files=files,
        files_field="files",
        expected_version=expected_version,
    ).subject


def unit_task_act(**kwargs: Unpack[TakeArgs]) -> UnitTask:
    """An action on a UnitTask (person's; the system's apply and warn come from the services)."""
    subject: UnitTask = _take(UNIT_TASKS, **kwargs)
    return subject


def measure_act(**kwargs: Unpack[TakeArgs]) -> Measure:
    """An action on a Measure (person's; the system's apply and warn come from the services)."""
    subject: Measure = _take(MEASURES, **kwargs)
    return subject


def report_submit(
    *,
    unit_task: int | None = None,
    measure: int | None = None,
    user: User,
    data: dict[str, Any],
    files: Sequence[File[Any]] = (),
    idempotency_key: str = "",
) -> tuple[Report, bool]:
    """File a report on a unit task or a measure (its `report` action): (the report, created).
    A retry under the same Idempotency-Key answers with the first report (created=False)."""
    assert (unit_task is None) != (measure is None)
    actor = actor_of(user)
    spec: Subject[Any] = UNIT_TASKS if unit_task is not None else MEASURES
    pk = unit_task if unit_task is not None else measure
    assert pk is not None
    item = spec.scope(actor).filter(pk=pk).only("state").first()
    if item is None:
        raise NotFound()
    key = idempotency.checked_key(idempotency_key)
    digest = (
        idempotency.request_digest({"item": [spec.machine.name, pk], **data}, files) if key else ""
    )
    if key and (replayed := _replayed(user, key, digest)):
        return replayed, False
    if item.state == T.NOT_APPLICABLE:
        raise ValidationFailed(fields={"unit_task": "该任务已认定不适用于本单位，无需报送"})
    checked = check_uploads(list(files), field="files") if files else []
    try:
        ctx = act(
            spec,
            pk=pk,
            action="report",
            actor=actor,
            user=user,
            data=data,
            extra={"files": checked, "idempotency": (key, digest)},
        )
    except IntegrityError:  # a concurrent submission won (the same key, or the same period)
        if key and (replayed := _replayed(user, key, digest)):
            return replayed, False
        raise ValidationFailed(fields={"period": OPEN_REPORT_TAKEN}) from None
    report: Report = ctx.extra["report"]
    return report, True


def _replayed(user: User, key: str, digest: str) -> Report | None:
    existing = Report.objects.filter(submitted_by=user, idempotency_key=key).first()
    if existing is not None and existing.idempotency_digest != digest:
        raise idempotency.mismatch("进度报告")
    return existing


def report_act(**kwargs: Unpack[TakeArgs]) -> Report:
    """An action on a Report (person's; the system's apply and warn come from the services)."""
    subject: Report = _take(REPORTS, **kwargs)
    return subject


# --- plans, tasks and units ---------------------------------------------------------------------


def reporting_units_ensure() -> int:
    """The default reporting units: one per 盟市 (city-level region) not yet a unit."""
    from qitong.directory.models import Region, RegionLevel

    made = 0
    for position, city in enumerate(Region.objects.filter(level=RegionLevel.CITY).order_by("code")):
        _, created = ReportingUnit.objects.get_or_create(
            code=city.code,
            defaults={
                "name": city.name,
                "kind": UnitKind.CITY,
                "region": city,
                "responsible_body": f"{city.name}营商环境建设局",
                "sort_order": (position + 1) * 10,
            },
        )
        made += created
    return made


def _require_office(user: User | None) -> None:
    """Plans and their task lists are the region's office's (or the system's: demo, scripts)."""
    if user is None:
        return
    actor = actor_of(user)
    if actor.role != Role.SUPERVISOR or not is_office(None, actor):
        raise Forbidden("只有自治区营商环境办（全区督查人员）可以建立方案、导入任务")


def _require_unit(user: User | None, unit: ReportingUnit) -> None:
    """A unit's local plan is its coordinator's, or the office's."""
    if user is None:
        return
    actor = actor_of(user)
    if actor.role == Role.SUPERVISOR and is_office(None, actor):
        return
    seat = SimpleNamespace(unit_department_id=unit.department_id, unit_prefix=unit.region.prefix)
    if actor.role not in COORDINATOR or not COORDINATOR[actor.role](seat, actor):
        raise Forbidden(f"只有{unit.name}的联络员或自治区营商环境办可以维护其本地方案")


@transaction.atomic
def plan_create(*, user: User | None, **fields: Any) -> ActionPlan:
    """A draft plan (the office's, or the system's for the demo and imports)."""
    from qitong.core import clock

    _require_office(user)

    plan = ActionPlan(**fields)
    problems = {}
    if plan.deadline and plan.issued_on and plan.deadline < plan.issued_on:
        problems["deadline"] = "完成时限不能早于印发日期"
    if plan.starts_on and plan.deadline and plan.starts_on > plan.deadline:
        problems["starts_on"] = "起报日期不能晚于完成时限"
    if problems:
        raise ValidationFailed(fields=problems)
    plan.save()
    ledger_record(
        subject_type=PLAN.name,
        subject_id=plan.pk,
        action="create",
        actor=user,
        to_state=plan.state,
        payload={"name": plan.name, "short_name": plan.short_name, "deadline": str(plan.deadline)},
        at=clock.now(),
        new_subject=True,
    )
    return plan


@transaction.atomic
def plan_task_add(
    *,
    plan: ActionPlan,
    user: User | None,
    area: TaskArea,
    units: Sequence[ReportingUnit],
    cooperating: Sequence[Any] = (),
    **fields: Any,
) -> ReformTask:
    """A task and one unit task per unit it applies to, each on the ledger (the office's)."""
    from qitong.core import clock

    _require_office(user)

    now = clock.now()
    task = ReformTask.objects.create(plan=plan, area=area, **fields)
    if cooperating:
        task.cooperating.set(cooperating)
    items = UnitTask.objects.bulk_create(
        UnitTask(
            task=task,
            unit=unit,
            plan=plan,
            responsible_body=unit.responsible_body,
            planned_start=plan.starts_on,
            deadline=task.deadline,
            original_deadline=task.deadline,
            updated_at=now,
        )
        for unit in units
    )
    for item in items:
        ledger_record(
            subject_type=UNIT_TASK.name,
            subject_id=item.pk,
            action="create",
            actor=user,
            to_state=item.state,
            payload={"task": task.number, "unit": item.unit.code, "deadline": str(task.deadline)},
            at=now,
            new_subject=True,
        )
    return task


@transaction.atomic
def local_plan_create(*, user: User | None, unit: ReportingUnit, **fields: Any) -> LocalPlan:
    """A unit's own plan (its measures follow with measure_add): its coordinator's or the
    office's."""
    from qitong.core import clock

    _require_unit(user, unit)

    local = LocalPlan(unit=unit, **fields)
    if local.deadline < local.issued_on:
        raise ValidationFailed(fields={"deadline": "完成时限不能早于印发日期"})
    local.save()
    ledger_record(
        subject_type="reforms.local_plan",
        subject_id=local.pk,
        action="create",
        actor=user,
        to_state="",
        payload={"unit": unit.code, "name": local.name, "deadline": str(local.deadline)},
        at=clock.now(),
        new_subject=True,
    )
    return local


@transaction.atomic
def measure_add(
    *,
    local_plan: LocalPlan,
    user: User | None,
    tasks: Sequence[ReformTask] = (),
    parent: Measure | None = None,
    **fields: Any,
) -> Measure:
    """A numbered measure (or a sub-item of one), linked to the reform tasks it serves."""
    from qitong.core import clock

    _require_unit(user, local_plan.unit)

    now = clock.now()
    fields.setdefault("deadline", local_plan.deadline)
    fields.setdefault("planned_start", local_plan.issued_on)
    fields.setdefault("responsible_body", local_plan.unit.responsible_body)
    if fields["deadline"] > local_plan.deadline:
        raise ValidationFailed(
            fields={"deadline": f"不能晚于本地方案的完成时限（{local_plan.deadline:%Y-%m-%d}）"}
        )
    measure = Measure.objects.create(
        local_plan=local_plan,
        parent=parent,
        original_deadline=fields["deadline"],
        updated_at=now,
        **fields,
    )
    if tasks:
        measure.tasks.set(tasks)
    ledger_record(
        subject_type=MEASURE.name,
        subject_id=measure.pk,
        action="create",
        actor=user,
        to_state=measure.state,
        payload={
            "number": measure.number,
            "deadline": str(measure.deadline),
            "tasks": [t.number for t in tasks],
        },
        at=now,
        new_subject=True,
    )
    return measure


def plan_act(
    *, pk: int, action: str, user: User | None, data: dict[str, Any] | None = None
) -> ActionPlan:
    actor = actor_of(user) if user is not None else SYSTEM
    return act(PLANS, pk=pk, action=action, actor=actor, user=user, data=data).subject


@PLAN.handles("issue", "close")
def _plan_step(ctx: Action[ActionPlan]) -> None:
    if ctx.transition.name == "issue" and not ctx.subject.tasks.exists():
        raise ValidationFailed(fields={"tasks": "方案还没有任务，导入任务清单后再印发"})
    if ctx.transition.name == "close":
        ctx.set(closed_on=ctx.now.astimezone(LOCAL_TZ).date())


# --- item handlers (unit tasks and measures alike) ---------------------------------------------


def _both(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        UNIT_TASK.handles(*names)(fn)
        MEASURE.handles(*names)(fn)
        return fn

    return register


@_both("assign")
def _assign(ctx: Action[Any]) -> None:
    args = ctx.args(AssignIn)
    item = ctx.subject
    if args.planned_start is not None and args.planned_start > item.deadline:
        raise ValidationFailed(
            fields={"planned_start": f"计划开始不能晚于完成时限（{item.deadline:%Y-%m-%d}）"}
        )
    ctx.set(
        responsible_body=args.responsible_body,
        leader=args.leader,
        contact_name=args.contact_name,
        contact_phone=args.contact_phone,
    )
    if args.planned_start is not None:
        ctx.set(planned_start=args.planned_start)
    ctx.stay()


@_both("report")
def _report(ctx: Action[Any]) -> None:
    args = ctx.args(ReportIn)
    item = ctx.subject
    day = ctx.now.astimezone(LOCAL_TZ).date()
    errors = _check_figures(item, args)
    checked = _check_period(item, args.period or current_period(item, day), day)
    if isinstance(checked, str):
        errors["period"] = checked
    elif _open_report(item, checked[0]):
        errors["period"] = OPEN_REPORT_TAKEN
    if errors:
        raise ValidationFailed(fields=errors)
    assert not isinstance(checked, str)
    code, end = checked
    kind, _, _, due_days = schedule(item)
    source: Report | None = ctx.extra.get("source")
    key, digest = ctx.extra.get("idempotency", ("", ""))
    report = Report.objects.create(
        source=source,
        idempotency_key=key,
        idempotency_digest=digest,
        unit_task=item if isinstance(item, UnitTask) else None,
        measure=item if isinstance(item, Measure) else None,
        unit=item.unit,
        period=code,
        period_end=end,
        progress=args.progress or 0,
        done=args.done or args.progress == 100,
        work_done=args.work_done,
        problems=args.problems,
        next_steps=args.next_steps,
        regress_reason=args.regress_reason,
        submitted_at=ctx.now,
        submitted_by=ctx.user,
        on_time=day <= periods.due(code, kind, due_days),
        updated_at=ctx.now,
    )
    files = _store_files(report, _files(ctx), ctx.user, ctx.now)
    ledger_record(
        subject_type=REPORT.name,
        subject_id=report.pk,
        action="submit",
        actor=ctx.user,
        to_state=R.SUBMITTED,
        payload={
            "item": f"{'unit_task' if isinstance(item, UnitTask) else 'measure'}:{item.pk}",
            "period": code,
            "progress": report.progress,
            "done": report.done,
            "files": files,
            **({"source": source.pk} if source is not None else {}),
        },
        at=ctx.now,
        new_subject=True,
    )
    ctx.payload.update(report=report.pk, period=code, progress=report.progress, done=report.done)
    ctx.extra["report"] = report
    if isinstance(item, Measure) and args.for_tasks:
        ctx.payload["copies"] = _report_copies(ctx, item, report)
    if report.done:
        ctx.go(T.CLAIMED_DONE)
    elif item.state in (T.NOT_STARTED, T.RETURNED):
        ctx.go(T.IN_PROGRESS)
    else:
        ctx.stay()


def _report_copies(ctx: Action[Any], measure: Measure, report: Report) -> dict[str, Any]:
    """Report once (整治形式主义为基层减负): a measure's report is filed as the same period's
    report of each reform task the measure is linked to, for the same unit, through that unit
    task's own `report` action (so each is checked, ledgered and verified by the office as any
    report). A task that cannot take it — done, not applicable, already reported for the
    period, or accepted at a higher progress — is skipped with the reason, and the measure's
    report stands."""
    filed: list[int] = []
    skipped: dict[str, str] = {}
    items = UnitTask.objects.filter(
        task__in=measure.tasks.all(), unit_id=measure.local_plan.unit_id
    ).select_related("task")
    data = {
        "period": report.period,
        "progress": report.progress,
        "done": report.done,
        "work_done": report.work_done,
        "problems": report.problems,
        "next_steps": report.next_steps,
        "regress_reason": report.regress_reason,
    }
    for item in items.order_by("task__sort_order", "pk"):
        try:
            with transaction.atomic():
                copy = act(
                    UNIT_TASKS,
                    pk=item.pk,
                    action="report",
                    actor=ctx.actor,
                    user=ctx.user,
                    data=data,
                    extra={"files": [], "source": report},
                ).extra["report"]
            filed.append(copy.pk)
        except DomainError as refused:  # not this task's report: the measure's stands
            skipped[item.task.number] = "；".join(refused.fields.values()) or refused.message
    return {"filed": filed, "skipped": skipped}


def _later_accepted(item: Item, report: Report) -> bool:
    qs = Report.objects.filter(state=R.ACCEPTED, period__gt=report.period)
    qs = qs.filter(unit_task=item) if isinstance(item, UnitTask) else qs.filter(measure=item)
    return qs.exclude(pk=report.pk).exists()


def _move_progress(ctx: Action[Any], progress: int, day: dt.date) -> None:
    """Set the item's progress and add the change to its plan's rollup (unit tasks only:
    local measures are not in the plan's statistics)."""
    item = ctx.subject
    delta = progress - item.progress
    if delta == 0:
        return
    if isinstance(item, UnitTask) and item.state != T.NOT_APPLICABLE:
        progress_rollup(item, delta, day)
    ctx.set(progress=progress)


def progress_rollup(item: UnitTask, delta: int, day: dt.date) -> None:
    rows = [
        (item.plan_id, "t", item.task_id, day, delta),
        (item.plan_id, "u", item.unit_id, day, delta),
    ]
    upsert_add(ProgressDelta._meta.db_table, ["plan_id", "kind", "key", "day"], ["delta"], rows)


@_both("apply")
def _apply(ctx: Action[Any]) -> None:
    """The decision on one of the item's reports (extra: report, decision)."""
    report: Report = ctx.extra["report"]
    decision: str = ctx.extra["decision"]
    item = ctx.subject
    day = ctx.now.astimezone(LOCAL_TZ).date()
    ctx.payload.update(report=report.pk, decision=decision)
    if decision == "accept":
        if not _later_accepted(item, report):
            _move_progress(ctx, report.progress, day)
        if report.done:
            ctx.set(
                done_on=day,
                late_days=max(0, (day - item.original_deadline).days),
                warning="",
                warning_reasons=[],
                warning_since=None,
            )
            ctx.go(T.DONE)
        elif item.state in (T.NOT_STARTED, T.RETURNED):
            ctx.go(T.IN_PROGRESS)
        else:
            ctx.stay()
    elif decision == "return":
        ctx.go(T.RETURNED if report.done and item.state == T.CLAIMED_DONE else STAY)
    else:  # resubmit
        if report.done:
            ctx.go(T.CLAIMED_DONE)
        elif item.state == T.RETURNED:
            ctx.go(T.IN_PROGRESS)
        else:
            ctx.stay()


@_both("mark_na")
def _mark_na(ctx: Action[Any]) -> None:
    args = ctx.args(NotApplicableIn)
    item = ctx.subject
    day = ctx.now.astimezone(LOCAL_TZ).date()
    if isinstance(item, UnitTask) and item.progress:
        progress_rollup(item, -item.progress, day)
    ctx.set(na_reason=args.reason, na_on=day, warning="", warning_reasons=[], warning_since=None)


@_both("defer")
def _defer(ctx: Action[Any]) -> None:
    args = ctx.args(DeferIn)
    item = ctx.subject
    assert args.deadline is not None
    if args.deadline <= item.deadline:
        raise ValidationFailed(
            fields={"deadline": f"新的完成时限应晚于现在的完成时限（{item.deadline:%Y-%m-%d}）"}
        )
    ctx.set(deadline=args.deadline, deferred_reason=args.reason)


@_both("warn")
def _warn(ctx: Action[Any]) -> None:
    level: str = ctx.extra["level"]
    reasons: list[str] = list(ctx.extra["reasons"])
    day = ctx.now.astimezone(LOCAL_TZ).date()
    raised = LEVELS[level] > LEVELS[ctx.subject.warning]
    ctx.set(warning=level, warning_reasons=reasons, warning_since=day if level else None)
    ctx.payload.update(level=level, reasons=reasons)
    ctx.stay()
    if raised:
        item = ctx.subject
        text = f"{Warning(level).label}：{item}（{'；'.join(reasons)}）"
        ctx.after_commit(
            lambda: notify(
                kind="reform_warning",
                text=text,
                users=coordinator_users(item.unit),
                subject=(UNIT_TASK.name if isinstance(item, UnitTask) else MEASURE.name, item.pk),
            )
        )


LEVELS: dict[str, int] = {Warning.NONE: 0, Warning.YELLOW: 1, Warning.RED: 2}


def coordinator_users(unit: ReportingUnit) -> QuerySet[User]:
    """Who coordinates a unit: its department's leaders and handlers, or the supervisors of
    exactly its region."""
    active = User.objects.filter(is_active=True)
    if unit.department_id:
        return active.filter(role__in=DEPARTMENT_ROLES, department_id=unit.department_id)
    return active.filter(role=Role.SUPERVISOR, region_id=unit.region_id)


# --- report handlers -----------------------------------------------------------------------------


def _apply_to_item(ctx: Action[Report], decision: str) -> None:
    report = ctx.subject
    spec: Subject[Any] = UNIT_TASKS if report.unit_task_id else MEASURES
    pk = report.unit_task_id or report.measure_id
    assert pk is not None
    act(
        spec,
        pk=pk,
        action="apply",
        actor=SYSTEM,
        user=ctx.user,
        extra={"report": report, "decision": decision},
    )


@REPORT.handles("accept")
def _accept(ctx: Action[Report]) -> None:
    args = ctx.args(AcceptIn)
    ctx.set(decided_at=ctx.now, decided_by=ctx.user, comment=args.comment)
    _apply_to_item(ctx, "accept")


@REPORT.handles("return")
def _return(ctx: Action[Report]) -> None:
    args = ctx.args(ReturnIn)
    report = ctx.subject
    ctx.set(
        decided_at=ctx.now,
        decided_by=ctx.user,
        comment=args.comment,
        returned_count=report.returned_count + 1,
    )
    _apply_to_item(ctx, "return")


@REPORT.handles("resubmit")
def _resubmit(ctx: Action[Report]) -> None:
    args = ctx.args(ReportIn)
    report = ctx.subject
    item: Item = report.unit_task if report.unit_task_id else report.measure  # type: ignore[assignment]
    errors = _check_figures(item, args)
    if args.period and args.period != report.period:
        errors["period"] = f"重报不能改变所属期间（{periods.label(report.period)}）"
    if errors:
        raise ValidationFailed(fields=errors)
    files = _store_files(report, _files(ctx), ctx.user, ctx.now)
    ctx.set(
        progress=args.progress or 0,
        done=args.done or args.progress == 100,
        work_done=args.work_done,
        problems=args.problems,
        next_steps=args.next_steps,
        regress_reason=args.regress_reason,
        submitted_at=ctx.now,
        submitted_by=ctx.user,
    )
    ctx.payload.update(progress=report.progress, done=report.done, files=files)
    _apply_to_item(ctx, "resubmit")


@transaction.atomic
def warnings_apply(*, item: Item, level: str, reasons: list[str]) -> None:
    spec: Subject[Any] = UNIT_TASKS if isinstance(item, UnitTask) else MEASURES
    act(
        spec,
        pk=item.pk,
        action="warn",
        actor=SYSTEM,
        user=None,
        extra={"level": level, "reasons": reasons},
    )
