"""Every write of the supervision domain (issue 13). A problem moves only through the workflow
core (`problem_act` → workflow.skeleton): lock, check the transition and the version, validate
the input, run the handler below, save, ledger event in the same transaction; notifications
are rows written in that transaction. Creating a problem from a ticket is the ticket's
`promote` action (supervision.promotion), ledgered on both.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from qitong.accounts.actor import SYSTEM, Actor, actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core import clock, idempotency
from qitong.core.errors import Forbidden, NotFound, ValidationFailed
from qitong.core.uploads import CheckedFile, check_uploads, save_checked
from qitong.core.workdays import LOCAL_TZ, load_calendar
from qitong.directory.models import Department
from qitong.enterprises.models import Enterprise
from qitong.ledger.services import ledger_record
from qitong.notifications.services import Note, notify_all
from qitong.supervision import deadlines
from qitong.supervision.inputs import ProblemIn, PromotedProblemIn
from qitong.supervision.models import (
    Activity,
    ClassLimit,
    Milestone,
    Problem,
    ProblemCategory,
    ProblemFile,
)
from qitong.supervision.selectors import activities_visible_to, office_code, problems_visible_to
from qitong.supervision.states import (
    CLOCKED_STATES,
    Escalation,
    FileKind,
    ProblemSource,
    ProblemState,
)
from qitong.supervision.tally import Key, contribution, tally_apply
from qitong.supervision.transitions import (
    OBJECTION_DAYS,
    PROBLEM,
    AcceptDoneIn,
    AssignIn,
    ClaimDoneIn,
    DecideObjectionIn,
    EscalateIn,
    ExtendIn,
    LongTermIn,
    PlanIn,
    ProgressIn,
    ReassignIn,
    RequestExtensionIn,
)
from qitong.workflow.inputs import parse_input
from qitong.workflow.skeleton import Action, Subject, take

P = ProblemState
FILE_KINDS = {
    "plan": FileKind.PLAN,
    "progress": FileKind.PROGRESS,
    "claim_done": FileKind.CLOSING,
    "object": FileKind.OBJECTION,
    "escalate": FileKind.DOCUMENT,
}


@dataclass
class ProblemAction(Action[Problem]):
    """The action context of a problem: who is told, in one go at the end, and what the
    problem counted in the statistics' tally before the action (supervision.tally)."""

    tallied_before: Counter[Key] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.tallied_before = contribution(self.subject)

    @property
    def problem(self) -> Problem:
        return self.subject

    @property
    def notes(self) -> list[Note]:
        found: list[Note] = self.extra.setdefault("notes", [])
        return found


def _finish(ctx: ProblemAction) -> None:
    """The files brought with the action (their digests in the event), then the notes."""
    checked: list[CheckedFile] = ctx.extra.get("files") or []
    if checked and ctx.user is not None:
        ctx.payload["files"] = store_files(
            ctx.problem,
            checked,
            user=ctx.user,
            now=ctx.now,
            kind=FILE_KINDS.get(ctx.transition.name, FileKind.OTHER),
            action=ctx.transition.name,
        )
    if ctx.problem.state != ctx.from_state and ctx.problem.state not in CLOCKED_STATES:
        ctx.set(warn_at=None)
    tally_apply(ctx.tallied_before, contribution(ctx.problem))
    if ctx.notes:
        notify_all(ctx.notes)


PROBLEMS: Subject[Problem] = Subject(
    machine=PROBLEM,
    scope=problems_visible_to,
    context=ProblemAction,
    version_field="version",
    touched_field="updated_at",
    stale_message="该问题刚被他人处理过，请刷新后查看最新状态",
    finish=_finish,
    related=("unit_department", "category"),
)


def store_files(
    problem: Problem,
    files: Sequence[CheckedFile],
    *,
    user: User,
    now: dt.datetime,
    kind: str,
    action: str = "",
) -> list[dict[str, str]]:
    stored = []
    for checked in files:
        row = ProblemFile.objects.create(
            problem=problem,
            kind=kind,
            action=action,
            **save_checked(checked, folder="supervision", user=user, now=now),
        )
        stored.append({"name": row.original_name, "sha256": row.sha256})
    return stored


def problem_act(
    *,
    pk: int,
    action: str,
    user: User,
    data: dict[str, Any] | None = None,
    files: Sequence[File[Any]] = (),
    expected_version: int | None = None,
) -> Problem:
    """A person's action on a problem (the sweep's warn and escalate: `problems_sweep`).

    NotFound outside the user's scope; Forbidden if the role may never take it; Conflict if
    the state, a guard or the version forbids it now; ValidationFailed naming each field."""
    return take(
        PROBLEMS,
        pk=pk,
        action=action,
        actor=actor_of(user),
        user=user,
        data=data,
        files=files,
        expected_version=expected_version,
    ).subject


# --- who is told ------------------------------------------------------------------------------


def unit_staff(problem: Problem) -> QuerySet[User]:
    return User.objects.filter(
        department_id=problem.unit_department_id, role__in=DEPARTMENT_ROLES, is_active=True
    )


def supervisors_of(problem: Problem) -> QuerySet[User]:
    """The supervising office's staff (supervisors scoped to the office that registered it)."""
    return User.objects.filter(
        role=Role.SUPERVISOR, is_active=True, region__code=problem.owner_code
    )


def tell(ctx: ProblemAction, users: QuerySet[User], kind: str, text: str) -> None:
    problem = ctx.problem
    ctx.notes.append(
        Note(
            kind=kind,
            subject=(PROBLEM.name, problem.pk),
            users=users,
            text=f"督查问题 {problem.number}：{text}",
        )
    )


# --- creating a problem -----------------------------------------------------------------------


def class_limit(problem_class: str) -> deadlines.Limit:
    row = ClassLimit.objects.filter(problem_class=problem_class).first()
    if row is None:
        return deadlines.DEFAULT_LIMITS[problem_class]
    return deadlines.Limit(row.amount, row.unit)


def category_by_code(code: str, field: str = "category") -> ProblemCategory:
    found = ProblemCategory.objects.filter(code=code.strip(), active=True).first()
    if found is None:
        names = "、".join(
            f"{c.code}（{c.name}）" for c in ProblemCategory.objects.filter(active=True)
        )
        raise ValidationFailed(fields={field: f"未知的问题类别：{code}。可选：{names}"})
    return found


def unit_in_scope(pk: int | None, actor: Actor, field: str = "unit_department") -> Department:
    """The responsible department, which must exist, be in use and lie in the actor's region
    (an office supervises the units beneath it)."""
    found = (
        Department.objects.select_related("region").filter(pk=pk, active=True).first()
        if pk
        else None
    )
    if found is None:
        raise ValidationFailed(fields={field: f"未知的责任单位：{pk}"})
    if not actor.covers(found.region.code):
        raise ValidationFailed(fields={field: f"责任单位“{found.name}”不在您的督查范围内"})
    return found


def may_register(actor: Actor) -> bool:
    """Supervisors register problems; a desk lead only by promoting a ticket."""
    return actor.role == Role.SUPERVISOR


def problem_create(
    *,
    user: User,
    data: dict[str, Any],
    files: Sequence[File[Any]] = (),
    idempotency_key: str = "",
) -> tuple[Problem, bool]:
    """Register a problem (state `registered`): (the problem, created). With `ticket` it is
    the ticket's promotion (ledgered on both); a retry under the same Idempotency-Key answers
    with the first problem and writes nothing."""
    actor = actor_of(user)
    if not may_register(actor) and not (actor.role == Role.DESK_LEAD and data.get("ticket")):
        raise Forbidden("只有督查人员可以登记督查问题（班长可将工单转为督查问题）")
    key = idempotency.checked_key(idempotency_key)
    digest = idempotency.request_digest(data, files) if key else ""
    if key and (replayed := _replayed(user, key, digest)):
        return replayed, False
    schema = PromotedProblemIn if data.get("ticket") not in (None, "") else ProblemIn
    args: ProblemIn = parse_input(schema, data)
    checked = check_uploads(list(files), field="attachments") if files else []
    try:
        with transaction.atomic():
            if args.ticket is not None:
                problem = _promote_from_create(user, args, checked, key, digest)
            else:
                problem = _insert(actor=actor, user=user, args=args, source=None)
                problem.idempotency_key, problem.idempotency_digest = key, digest
                problem.save(update_fields=["idempotency_key", "idempotency_digest"])
                _record_create(problem, user, "create", files=checked)
    except IntegrityError:
        if key and (replayed := _replayed(user, key, digest)):
            return replayed, False
        raise
    return problem, True


def _replayed(user: User, key: str, digest: str) -> Problem | None:
    found = Problem.objects.filter(created_by=user, idempotency_key=key).first()
    if found is not None and found.idempotency_digest != digest:
        raise idempotency.mismatch("督查问题")
    return found


def _promote_from_create(
    user: User, args: ProblemIn, files: list[CheckedFile], key: str, digest: str
) -> Problem:
    from qitong.tickets.services import ticket_act

    assert args.ticket is not None
    ticket_act(
        ticket_id=args.ticket,
        action="promote",
        user=user,
        data={
            "unit_department": args.unit_department,
            "problem_class": args.problem_class,
            "category": args.category,
            "title": args.title,
            "leader": args.leader,
        },
        extra={"problem": {"args": args, "files": files, "idempotency": (key, digest)}},
    )
    problem = Problem.objects.get(ticket_id=args.ticket)
    return problem


def _insert(
    *,
    actor: Actor,
    user: User,
    args: ProblemIn,
    source: Any,
    now: dt.datetime | None = None,
) -> Problem:
    """The problem's row and its enterprises (the caller ledgers it). `source` is the ticket
    it is promoted from, or None (an activity's, or entered directly)."""
    now = now or clock.now()
    unit = unit_in_scope(args.unit_department, actor)
    category = category_by_code(args.category)
    errors: dict[str, str] = {}
    activity = None
    if args.activity is not None:
        activity = activities_visible_to(actor).filter(pk=args.activity).first()
        if activity is None:
            errors["activity"] = f"未找到督查活动：{args.activity}"
    recurrence = None
    if args.recurrence_of is not None:
        recurrence = problems_visible_to(actor).filter(pk=args.recurrence_of).first()
        if recurrence is None:
            errors["recurrence_of"] = f"未找到原问题：{args.recurrence_of}"
    enterprises = list(Enterprise.objects.filter(pk__in=args.enterprises))
    missing = sorted(set(args.enterprises) - {e.pk for e in enterprises})
    if missing:
        errors["enterprises"] = "未找到企业：" + "、".join(map(str, missing))
    if errors:
        raise ValidationFailed(fields=errors)
    problem = Problem.objects.create(
        source=ProblemSource.TICKET
        if source is not None
        else ProblemSource.ACTIVITY
        if activity
        else ProblemSource.MANUAL,
        activity=activity,
        ticket=source,
        from_report=source is not None and source.type == "problem_report",
        confidential=bool(args.confidential or (source is not None and source.confidential)),
        unit_department=unit,
        region_code=unit.region.code,
        owner_code=office_code(actor.region_prefix),
        leader=args.leader,
        category=category,
        problem_class=str(args.problem_class),
        title=args.title,
        description=args.description,
        enterprise_names=args.enterprise_names,
        amount=args.amount,
        public=args.public,
        recurrence_of=recurrence,
        state=P.REGISTERED,
        registered_at=now,
        created_by=user,
        updated_at=now,
    )
    if source is not None and source.enterprise_id:
        enterprises.append(source.enterprise)
    if enterprises:
        problem.enterprises.set(enterprises)
    tally_apply(Counter(), contribution(problem))
    return problem


def _record_create(
    problem: Problem,
    user: User,
    action: str,
    *,
    files: Sequence[CheckedFile] = (),
    extra: dict[str, Any] | None = None,
) -> None:
    payload: dict[str, Any] = {
        "title": problem.title,
        "unit_department": problem.unit_department_id,
        "unit_name": problem.unit_department.name,
        "category": problem.category.code,
        "problem_class": problem.problem_class,
        "source": problem.source,
        **({"amount": str(problem.amount)} if problem.amount is not None else {}),
        **({"activity": problem.activity_id} if problem.activity_id else {}),
        **(extra or {}),
    }
    if files:
        payload["files"] = store_files(
            problem, files, user=user, now=problem.registered_at, kind=FileKind.EVIDENCE
        )
    ledger_record(
        subject_type=PROBLEM.name,
        subject_id=problem.pk,
        action=action,
        actor=user,
        to_state=problem.state,
        payload=payload,
        at=problem.registered_at,
        new_subject=True,
    )


# --- the handlers -----------------------------------------------------------------------------


def _set_deadline(ctx: ProblemAction, deadline: dt.datetime, *, first: bool = False) -> None:
    limit = class_limit(ctx.problem.problem_class) if not ctx.problem.long_term else None
    values: dict[str, Any] = {
        "deadline": deadline,
        "warn_at": deadlines.warn_at(deadline, limit, load_calendar()),
    }
    if first or ctx.problem.first_deadline is None:
        values["first_deadline"] = deadline
    ctx.set(**values)
    ctx.payload["deadline"] = deadline.astimezone(LOCAL_TZ).date().isoformat()


def _given_deadline(
    day: dt.date | None, ctx: ProblemAction, field: str = "deadline"
) -> dt.datetime | None:
    if day is None:
        return None
    registered = ctx.problem.registered_at.astimezone(LOCAL_TZ).date()
    today = ctx.now.astimezone(LOCAL_TZ).date()
    if day < registered:
        raise ValidationFailed(
            fields={field: f"整改时限不能早于问题登记日期 {registered:%Y-%m-%d}"}
        )
    if day < today:
        raise ValidationFailed(fields={field: f"整改时限不能早于今天 {today:%Y-%m-%d}"})
    return deadlines.end_of(day)


def _class_deadline(ctx: ProblemAction) -> dt.datetime:
    limit = class_limit(ctx.problem.problem_class)
    ctx.payload["limit"] = limit.label
    return deadlines.rectification_deadline(ctx.now, limit, load_calendar())


@PROBLEM.handles("assign")
def _assign(ctx: ProblemAction) -> None:
    args = ctx.args(AssignIn)
    deadline = _given_deadline(args.deadline, ctx) or _class_deadline(ctx)
    ctx.set(assigned_at=ctx.now, accepted_at=None)
    if args.leader:
        ctx.set(leader=args.leader)
    _set_deadline(ctx, deadline, first=True)
    ctx.payload["unit_name"] = ctx.problem.unit_department.name
    tell(
        ctx,
        unit_staff(ctx.problem),
        "problem_assigned",
        f"已交办贵单位整改，整改时限 {ctx.payload['deadline']}，请及时签收并提交整改方案。",
    )


@PROBLEM.handles("dismiss")
def _dismiss(ctx: ProblemAction) -> None:
    ctx.set(closed_at=ctx.now)


@PROBLEM.handles("accept")
def _accept(ctx: ProblemAction) -> None:
    ctx.set(accepted_at=ctx.now)


def _replace_milestones(ctx: ProblemAction, steps: list[dict[str, str]]) -> None:
    """A plan filed again replaces the milestones not yet done (they stay, marked)."""
    problem = ctx.problem
    Milestone.objects.filter(problem=problem, done_on__isnull=True, superseded=False).update(
        superseded=True
    )
    start = Milestone.objects.filter(problem=problem).count()
    Milestone.objects.bulk_create(
        Milestone(
            problem=problem,
            position=start + i,
            title=step["title"],
            due_on=dt.date.fromisoformat(step["due_on"]),
        )
        for i, step in enumerate(steps, start=1)
    )


def _steps_within_deadline(ctx: ProblemAction, steps: list[dict[str, str]], field: str) -> None:
    deadline = ctx.problem.deadline
    if deadline is None or ctx.problem.long_term:
        return
    last = deadline.astimezone(LOCAL_TZ).date()
    late = [s for s in steps if dt.date.fromisoformat(s["due_on"]) > last]
    if late:
        raise ValidationFailed(
            fields={
                field: f"节点“{late[0]['title']}”晚于整改时限 {last:%Y-%m-%d}；需要更长时间请申请延期"
            }
        )


@PROBLEM.handles("plan")
def _plan(ctx: ProblemAction) -> None:
    args = ctx.args(PlanIn)
    _steps_within_deadline(ctx, args.milestones, "milestones")
    _replace_milestones(ctx, args.milestones)
    ctx.set(plan=args.plan)
    if ctx.from_state == P.ASSIGNED:
        ctx.go(P.RECTIFYING)
    else:
        ctx.stay()
        ctx.payload["revised"] = True


@PROBLEM.handles("progress")
def _progress(ctx: ProblemAction) -> None:
    args = ctx.args(ProgressIn)
    if not args.done_milestones:
        return
    open_steps = Milestone.objects.filter(
        problem=ctx.problem, superseded=False, done_on__isnull=True, pk__in=args.done_milestones
    )
    found = {m.pk: m for m in open_steps}
    unknown = [pk for pk in args.done_milestones if pk not in found]
    if unknown:
        raise ValidationFailed(
            fields={
                "done_milestones": "不是本问题未完成的整改节点：" + "、".join(map(str, unknown))
            }
        )
    today = ctx.now.astimezone(LOCAL_TZ).date()
    open_steps.update(done_on=today)
    ctx.payload["done_milestones"] = [found[pk].title for pk in args.done_milestones]


@PROBLEM.handles("claim_done")
def _claim_done(ctx: ProblemAction) -> None:
    ctx.args(ClaimDoneIn)
    if not ctx.extra.get("files"):
        raise ValidationFailed(fields={"attachments": "请上传整改完成的佐证材料"})
    ctx.set(claimed_at=ctx.now)
    tell(ctx, supervisors_of(ctx.problem), "problem_claimed", "责任单位已申请销号，请验收。")


@PROBLEM.handles("accept_done")
def _accept_done(ctx: ProblemAction) -> None:
    args = ctx.args(AcceptDoneIn)
    problem = ctx.problem
    on_time = (
        problem.deadline is None
        or problem.claimed_at is None
        or problem.claimed_at <= problem.deadline
    )
    ctx.set(
        closed_at=ctx.now,
        on_time=on_time,
        days_to_close=max(0, deadlines.days_between(problem.registered_at, ctx.now)),
    )
    ctx.payload["on_time"] = on_time
    # Accepted as rectified: the plan's open steps are done with it (marked on this day).
    Milestone.objects.filter(problem=problem, superseded=False, done_on__isnull=True).update(
        done_on=ctx.now.astimezone(LOCAL_TZ).date()
    )
    tell(ctx, unit_staff(problem), "problem_closed", "整改已验收，问题已销号。")
    if problem.ticket_id:
        result = f"整改已验收销号（{problem.number}）。" + (args.comment or "")
        _tell_ticket(problem.ticket_id, result)


def _tell_ticket(ticket_id: int, result: str) -> None:
    """The enterprise of a promoted ticket reads the result on its ticket (a system action on
    the ticket, ledgered there, in this same transaction)."""
    from qitong.tickets.services import ticket_act

    ticket_act(ticket_id=ticket_id, action="problem_result", user=None, data={"result": result})


@PROBLEM.handles("return")
def _return(ctx: ProblemAction) -> None:
    ctx.set(returned_count=ctx.problem.returned_count + 1)
    ctx.go(P.LONG_TERM if ctx.problem.long_term else P.RECTIFYING)
    tell(ctx, unit_staff(ctx.problem), "problem_returned", f"验收未通过：{ctx.payload['reason']}")


@PROBLEM.handles("object")
def _object(ctx: ProblemAction) -> None:
    problem = ctx.problem
    assert problem.assigned_at is not None
    limit = problem.assigned_at + dt.timedelta(days=OBJECTION_DAYS)
    if ctx.now > limit:
        raise ValidationFailed(
            fields={
                "reason": f"异议须在交办后 {OBJECTION_DAYS} 日内提出（已于 "
                f"{limit.astimezone(LOCAL_TZ):%Y-%m-%d} 截止）"
            }
        )
    ctx.set(
        objected_at=ctx.now,
        objection_from=ctx.from_state,
        objection_due=ctx.now + dt.timedelta(days=OBJECTION_DAYS),
        objection_count=problem.objection_count + 1,
    )
    tell(
        ctx,
        supervisors_of(problem),
        "problem_objected",
        "责任单位对问题认定提出异议，请在 30 日内答复。",
    )


@PROBLEM.handles("decide_objection")
def _decide_objection(ctx: ProblemAction) -> None:
    args = ctx.args(DecideObjectionIn)
    problem = ctx.problem
    ctx.payload["upheld"] = args.upheld
    if args.upheld:
        ctx.go(P.DISMISSED)
        ctx.set(closed_at=ctx.now)
        tell(ctx, unit_staff(problem), "problem_dismissed", "异议成立，问题已撤销。")
        return
    # The time the objection took is not the unit's: the deadline moves by it.
    ctx.go(problem.objection_from or P.ASSIGNED)
    if problem.deadline is not None and problem.objected_at is not None:
        paused = dt.timedelta(days=max(0, deadlines.days_between(problem.objected_at, ctx.now)))
        _set_deadline(ctx, problem.deadline + paused)
    ctx.set(objection_due=None)
    tell(
        ctx,
        unit_staff(problem),
        "problem_objection_rejected",
        f"异议不成立，请继续整改：{args.reason}",
    )


def _later_than_deadline(ctx: ProblemAction, day: dt.date | None) -> dt.datetime:
    assert day is not None  # the schema requires it
    current = ctx.problem.deadline
    if current is not None and day <= current.astimezone(LOCAL_TZ).date():
        raise ValidationFailed(
            fields={"deadline": f"应晚于现整改时限 {current.astimezone(LOCAL_TZ):%Y-%m-%d}"}
        )
    given = _given_deadline(day, ctx)
    assert given is not None
    return given


@PROBLEM.handles("request_extension")
def _request_extension(ctx: ProblemAction) -> None:
    args = ctx.args(RequestExtensionIn)
    _later_than_deadline(ctx, args.deadline)
    ctx.set(extension_requested=args.deadline)
    tell(
        ctx,
        supervisors_of(ctx.problem),
        "problem_extension",
        f"申请延期至 {args.deadline}，请审批。",
    )


@PROBLEM.handles("extend")
def _extend(ctx: ProblemAction) -> None:
    args = ctx.args(ExtendIn)
    deadline = _later_than_deadline(ctx, args.deadline)
    ctx.payload["from_deadline"] = (
        ctx.problem.deadline.astimezone(LOCAL_TZ).date().isoformat() if ctx.problem.deadline else ""
    )
    _set_deadline(ctx, deadline)
    ctx.set(extension_requested=None)
    tell(
        ctx,
        unit_staff(ctx.problem),
        "problem_extended",
        f"已批准延期至 {ctx.payload['deadline']}。",
    )


@PROBLEM.handles("refuse_extension")
def _refuse_extension(ctx: ProblemAction) -> None:
    ctx.set(extension_requested=None)
    tell(
        ctx,
        unit_staff(ctx.problem),
        "problem_extension_refused",
        f"延期申请未获批准：{ctx.payload['reason']}",
    )


@PROBLEM.handles("long_term")
def _long_term(ctx: ProblemAction) -> None:
    args = ctx.args(LongTermIn)
    _replace_milestones(ctx, args.milestones)
    ctx.set(long_term=True, extension_requested=None)
    last = dt.date.fromisoformat(args.milestones[-1]["due_on"])
    _set_deadline(ctx, deadlines.end_of(last))
    tell(ctx, unit_staff(ctx.problem), "problem_long_term", "已转为长期整改，请按阶段节点推进。")


@PROBLEM.handles("escalate")
def _escalate(ctx: ProblemAction) -> None:
    args = ctx.args(EscalateIn)
    problem = ctx.problem
    if ctx.actor.is_system:
        # The sweep: 督办 once per deadline passed; a higher step is a person's decision.
        level = max(problem.escalation, Escalation.SUPERVISE)
        ctx.set(escalated_for=problem.deadline)
        ctx.payload["overdue"] = True
    else:
        level = args.level or min(problem.escalation + 1, Escalation.REFERRAL)
        if level <= problem.escalation:
            current = Escalation(problem.escalation).label
            raise ValidationFailed(fields={"level": f"已{current}，请选择更高的督办方式"})
    ctx.set(escalation=level)
    ctx.payload["level"] = int(level)
    ctx.payload["level_name"] = Escalation(level).label
    tell(ctx, unit_staff(problem), "problem_escalated", f"{Escalation(level).label}：{args.note}")


@PROBLEM.handles("reassign")
def _reassign(ctx: ProblemAction) -> None:
    args = ctx.args(ReassignIn)
    unit = unit_in_scope(args.unit_department, ctx.actor)
    if unit.pk == ctx.problem.unit_department_id:
        raise ValidationFailed(fields={"unit_department": "新的责任单位与原单位相同"})
    ctx.payload["from_unit"] = ctx.problem.unit_department.name
    ctx.payload["unit_name"] = unit.name
    Milestone.objects.filter(problem=ctx.problem, done_on__isnull=True, superseded=False).update(
        superseded=True
    )
    ctx.set(
        unit_department=unit,
        region_code=unit.region.code,
        leader=args.leader,
        accepted_at=None,
        plan="",
        assigned_at=ctx.now,
        extension_requested=None,
        long_term=False,
    )
    _set_deadline(ctx, _class_deadline(ctx))
    tell(
        ctx,
        unit_staff(ctx.problem),
        "problem_assigned",
        f"已改派贵单位整改，整改时限 {ctx.payload['deadline']}。",
    )


@PROBLEM.handles("warn")
def _warn(ctx: ProblemAction) -> None:
    problem = ctx.problem
    if problem.state == P.OBJECTED:
        ctx.set(warned_for=problem.objection_due)
        ctx.payload["objection_due"] = True
        tell(ctx, supervisors_of(problem), "problem_objection_due", "异议答复已到期，请尽快答复。")
        return
    ctx.set(warned_for=problem.deadline)
    tell(
        ctx,
        unit_staff(problem),
        "problem_warning",
        f"整改时限 {problem.deadline:%Y-%m-%d} 临近，请抓紧整改。",
    )


# --- the sweep --------------------------------------------------------------------------------


def problems_sweep(now: dt.datetime | None = None, *, limit: int = 500) -> dict[str, int]:
    """Warn before each deadline and escalate (督办) after it, once per deadline; remind the
    office of an objection past its answer date. Idempotent: what was done is stored."""
    from django.db.models import F, Q

    now = now or clock.now()
    not_warned = Q(warned_for__isnull=True) | ~Q(warned_for=F("deadline"))
    warn = Problem.objects.filter(
        not_warned, state__in=CLOCKED_STATES, warn_at__lte=now, deadline__gt=now
    )
    late_objections = Problem.objects.filter(state=P.OBJECTED, objection_due__lte=now).filter(
        Q(warned_for__isnull=True) | ~Q(warned_for=F("objection_due"))
    )
    not_escalated = Q(escalated_for__isnull=True) | ~Q(escalated_for=F("deadline"))
    escalate = Problem.objects.filter(
        not_escalated, state__in=CLOCKED_STATES, deadline__lte=now
    ).exclude(escalation__gte=Escalation.REFERRAL)
    done = {"warned": 0, "escalated": 0}
    for pk in list(warn.values_list("pk", flat=True)[:limit]) + list(
        late_objections.values_list("pk", flat=True)[:limit]
    ):
        done["warned"] += _system(pk, "warn", {})
    for pk in escalate.values_list("pk", flat=True)[:limit]:
        done["escalated"] += _system(pk, "escalate", {"note": "已超过整改时限，系统自动督办"})
    return done


def _system(pk: int, action: str, data: dict[str, Any]) -> int:
    from qitong.core.errors import Conflict
    from qitong.workflow.skeleton import act

    try:
        act(PROBLEMS, pk=pk, action=action, actor=SYSTEM, user=None, data=data)
    except (Conflict, NotFound):  # changed since it was selected: the next sweep sees it
        return 0
    return 1


# --- activities -------------------------------------------------------------------------------


def activity_create(
    *, user: User, data: dict[str, Any], files: Sequence[File[Any]] = ()
) -> Activity:
    """Register a supervision activity (supervisors); ledgered as the activity's creation."""
    from qitong.directory.models import Region
    from qitong.supervision.inputs import ActivityIn
    from qitong.supervision.models import ActivityFile

    actor = actor_of(user)
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("只有督查人员可以登记督查活动")
    args = parse_input(ActivityIn, data)
    errors: dict[str, str] = {}
    if args.ends_on and args.starts_on and args.ends_on < args.starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    codes = [str(c).strip() for c in args.regions]
    regions = list(Region.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {r.code for r in regions})
    if unknown:
        errors["regions"] = "未知的区划代码：" + "、".join(unknown)
    elif any(not actor.covers(r.code) for r in regions):
        errors["regions"] = "覆盖地区超出您的督查范围"
    departments = list(Department.objects.filter(pk__in=args.departments))
    missing = sorted(set(args.departments) - {d.pk for d in departments})
    if missing:
        errors["departments"] = "未知的单位：" + "、".join(map(str, missing))
    if errors:
        raise ValidationFailed(fields=errors)
    checked = check_uploads(list(files), field="attachments") if files else []
    now = clock.now()
    with transaction.atomic():
        assert args.kind is not None and args.starts_on is not None  # required by the schema
        activity = Activity.objects.create(
            kind=args.kind,
            title=args.title,
            organiser=args.organiser,
            team=args.team,
            starts_on=args.starts_on,
            ends_on=args.ends_on,
            description=args.description,
            owner_code=office_code(actor.region_prefix),
            created_by=user,
            created_at=now,
        )
        activity.regions.set(regions)
        activity.departments.set(departments)
        stored = [
            ActivityFile.objects.create(
                activity=activity, **save_checked(c, folder="supervision", user=user, now=now)
            )
            for c in checked
        ]
        ledger_record(
            subject_type="supervision.activity",
            subject_id=activity.pk,
            action="create",
            actor=user,
            payload={
                "kind": activity.kind,
                "title": activity.title,
                "regions": codes,
                "departments": [d.pk for d in departments],
                "files": [{"name": f.original_name, "sha256": f.sha256} for f in stored],
            },
            at=now,
            new_subject=True,
        )
    return activity


DEFAULT_CATEGORIES = [
    ("broken_promise", "政府承诺不兑现"),
    ("arrears", "拖欠企业账款"),
    ("policy_not_delivered", "惠企政策落实不到位"),
    ("approval_service", "审批服务不规范"),
    ("arbitrary_charges", "乱收费乱罚款"),
    ("law_enforcement", "执法检查不规范"),
    ("other", "其他"),
]


def defaults_ensure() -> None:
    """The default categories and class limits where missing (the migration seeds them; a
    test database flushed between tests, or an administrator who removed them, gets them
    back without touching edited rows)."""
    for position, (code, name) in enumerate(DEFAULT_CATEGORIES, start=1):
        ProblemCategory.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": position}
        )
    for problem_class, limit in deadlines.DEFAULT_LIMITS.items():
        ClassLimit.objects.get_or_create(
            problem_class=problem_class, defaults={"amount": limit.amount, "unit": limit.unit}
        )
