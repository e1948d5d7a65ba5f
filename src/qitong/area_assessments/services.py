"""Every write of the area-assessment domain (issue 16). A result is entered as a draft by its
department (`result_create`); every later change is an action on the workflow core
(`result_act`, handlers below): lock, check, validate, handle, save, ledger event in the same
transaction. Projects and their uses of results are recorded here, ledgered; the daily sweep
expires results past their validity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.area_assessments.codes import check_project_code
from qitong.area_assessments.geo import check_point, zones_at
from qitong.area_assessments.models import AssessmentType, Project, Result, ResultFile, Use, Zone
from qitong.area_assessments.selectors import (
    SYSTEM,
    Acting,
    acting,
    projects_visible_to,
    results_visible_to,
)
from qitong.area_assessments.states import LIVE_STATES, ProjectStage, RecordedBy
from qitong.area_assessments.transitions import (
    RESULT,
    CollectIn,
    EndIn,
    PublishIn,
    RevokeIn,
)
from qitong.core import clock, idempotency
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.uploads import check_uploads, save_checked
from qitong.core.workdays import local_today
from qitong.directory.models import Region
from qitong.enterprises.models import Enterprise
from qitong.ledger.services import ledger_record
from qitong.workflow.inputs import Choice, Day, Input, Money, Number, Ref, Text, parse_input
from qitong.workflow.skeleton import Action, Subject, act

RESULT_SUBJECT = RESULT.name
PROJECT_SUBJECT = "area_assessments.project"
USE_SUBJECT = "area_assessments.use"


def _month_add(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


# --- results ------------------------------------------------------------------------------------


class ResultIn(Input):
    zone: int = Ref("开发区（园区）")
    type: int = Ref("评估事项")
    title: str = Text("成果名称", rows=1, max_length=200)
    commissioned_by: str = Text("委托单位", rows=1, max_length=100)
    assessed_by: str = Text("评估机构", rows=1, max_length=100)
    document_number: str = Text("批复文号", rows=1, max_length=60)
    approved_on: dt.date | None = Day("批复日期")
    valid_until: dt.date | None = Day("有效期至", required=False, hint="不填按事项的默认有效期")
    conditions: str = Text("适用条件", rows=3, max_length=2000, hint="适用的项目类型或规模")
    obligations: str = Text(
        "项目仍须办理", required=False, rows=1, max_length=200, hint="如：告知承诺"
    )
    supersedes: int | None = Ref(
        "替代的成果", required=False, hint="该园区该事项已有有效成果时必填"
    )
    hint: ClassVar[str] = "登记本部门批复的区域评估成果（草稿），公示后区内项目即可使用。"


def _live(zone_id: int, type_id: int, day: dt.date) -> Any:
    return Result.objects.filter(
        zone_id=zone_id, type_id=type_id, state__in=sorted(LIVE_STATES), valid_until__gte=day
    )


def _checked_result(
    args: ResultIn, a: Acting
) -> tuple[Zone, AssessmentType, dt.date, Result | None]:
    errors: dict[str, str] = {}
    zone = Zone.objects.filter(pk=args.zone, active=True).select_related("region").first()
    if zone is None:
        errors["zone"] = "未知的开发区（园区）"
    kind = AssessmentType.objects.filter(pk=args.type, active=True).first()
    if kind is None:
        errors["type"] = "未知的评估事项"
    today = local_today()
    assert args.approved_on is not None
    if args.approved_on > today:
        errors["approved_on"] = f"批复日期不能晚于今天 {today:%Y-%m-%d}"
    valid_until = args.valid_until
    if valid_until is None and kind is not None:
        valid_until = _month_add(args.approved_on, kind.validity_months)
    if valid_until is not None and valid_until <= args.approved_on:
        errors["valid_until"] = "有效期须晚于批复日期"
    old = None
    if zone is not None and kind is not None and "valid_until" not in errors:
        live = list(_live(zone.pk, kind.pk, today))
        if args.supersedes is not None:
            old = next((r for r in live if r.pk == args.supersedes), None)
            if old is None:
                errors["supersedes"] = "替代的成果应为该园区该事项当前有效的成果"
        elif live:
            errors["type"] = (
                f"{zone.name}已有有效的{kind.name}成果（{live[0].number}，有效期至 "
                f"{live[0].valid_until:%Y-%m-%d}）；如为替代，请填写替代的成果"
            )
    if errors:
        raise ValidationFailed(fields=errors)
    assert zone is not None and kind is not None and valid_until is not None
    return zone, kind, valid_until, old


def _replayed_result(user: User | None, key: str, digest: str) -> Result | None:
    found = Result.objects.filter(created_by=user, idempotency_key=key).first()
    if found is not None and found.idempotency_digest != digest:
        raise idempotency.mismatch("评估成果")
    return found


def result_create(
    *,
    user: User | None,
    data: dict[str, Any],
    files: Sequence[File[Any]] = (),
    idempotency_key: str = "",
    department_id: int | None = None,
) -> tuple[Result, bool]:
    """A result as a draft of the user's department (the system: `department_id`)."""
    a = acting(actor_of(user)) if user is not None else SYSTEM
    if user is not None and (a.role not in DEPARTMENT_ROLES or a.department_id is None):
        raise Forbidden("区域评估成果由审批部门登记和发布")
    key = idempotency.checked_key(idempotency_key)
    digest = idempotency.request_digest(data, files) if key else ""
    if key and (replayed := _replayed_result(user, key, digest)):
        return replayed, False
    args = parse_input(ResultIn, data)
    checked = check_uploads(list(files), field="attachments") if files else []
    now = clock.now()
    try:
        with transaction.atomic():
            zone, kind, valid_until, old = _checked_result(args, a)
            result = Result.objects.create(
                zone=zone,
                type=kind,
                title=args.title,
                commissioned_by=args.commissioned_by,
                assessed_by=args.assessed_by,
                department_id=a.department_id or department_id or 0,
                document_number=args.document_number,
                approved_on=args.approved_on or local_today(),
                valid_until=valid_until,
                conditions=args.conditions,
                obligations=args.obligations,
                supersedes=old,
                created_by=user,
                created_at=now,
                updated_at=now,
                idempotency_key=key,
                idempotency_digest=digest,
            )
            stored = []
            if user is not None:
                stored = [
                    ResultFile.objects.create(
                        result=result,
                        **save_checked(c, folder="area_assessments", user=user, now=now),
                    )
                    for c in checked
                ]
            ledger_record(
                subject_type=RESULT_SUBJECT,
                subject_id=result.pk,
                action="create",
                actor=user,
                to_state=result.state,
                payload={
                    **args.recorded(),
                    "zone": zone.name,
                    "type": kind.name,
                    "valid_until": valid_until.isoformat(),
                    **({"supersedes": old.pk} if old else {}),
                    **({"files": [f.sha256 for f in stored]} if stored else {}),
                },
                at=now,
                new_subject=True,
            )
    except IntegrityError:
        if key and (replayed := _replayed_result(user, key, digest)):
            return replayed, False
        raise
    return result, True


def _results_scope(a: Acting) -> Any:
    return results_visible_to(a)


RESULTS = Subject(
    machine=RESULT,
    scope=_results_scope,
    version_field="version",
    touched_field="updated_at",
    stale_message="该成果刚被他人处理过，请刷新后查看最新状态",
    related=("zone", "type"),
)


@RESULT.handles("publish")
def _publish(ctx: Action[Result]) -> None:
    args = ctx.args(PublishIn)
    today = local_today()
    day = args.published_on or today
    if day > today:
        raise ValidationFailed(fields={"published_on": "公示日期不能晚于今天"})
    if day < ctx.subject.approved_on:
        raise ValidationFailed(fields={"published_on": "公示日期不能早于批复日期"})
    ctx.set(published_on=day, publicity_days=args.publicity_days)
    others = _live(ctx.subject.zone_id, ctx.subject.type_id, day).exclude(pk=ctx.subject.pk)
    old = ctx.subject.supersedes_id
    if old is None and others.exists():
        first = others.first()
        assert first is not None
        raise ValidationFailed(
            fields={
                "supersedes": f"该园区已有有效的同类成果（{first.number}），公示前须在登记时注明替代"
            }
        )
    if old is not None and others.filter(pk=old).exists():
        act(
            RESULTS,
            pk=old,
            action="supersede",
            actor=SYSTEM,
            user=None,
            data={"note": f"被 QY{ctx.subject.pk:06d} 替代"},
        )
        ctx.payload["supersedes"] = old


@RESULT.handles("collect")
def _collect(ctx: Action[Result]) -> None:
    args = ctx.args(CollectIn)
    day = args.collected_on or local_today()
    if day > local_today():
        raise ValidationFailed(fields={"collected_on": "汇聚日期不能晚于今天"})
    if ctx.subject.published_on and day < ctx.subject.published_on:
        raise ValidationFailed(fields={"collected_on": "汇聚日期不能早于公示日期"})
    ctx.set(external_id=args.external_id, collected_on=day)


@RESULT.handles("revoke")
def _revoke(ctx: Action[Result]) -> None:
    ctx.set(revoke_reason=ctx.args(RevokeIn).reason, ended_on=local_today())


@RESULT.handles("expire", "supersede")
def _end(ctx: Action[Result]) -> None:
    ctx.args(EndIn)
    ctx.set(ended_on=local_today())


def result_act(
    *,
    pk: int,
    action: str,
    user: User,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Result:
    """A person's action on a result (the system's: `results_sweep`, supersession)."""
    ctx: Action[Result] = act(
        RESULTS,
        pk=pk,
        action=action,
        actor=acting(actor_of(user)),
        user=user,
        data=data,
        expected_version=expected_version,
    )
    return ctx.subject


def results_sweep(today: dt.date | None = None, *, limit: int = 1000) -> int:
    """Expire the live results past their validity (idempotent: the state records it)."""
    today = today or local_today()
    done = 0
    due = Result.objects.filter(state__in=sorted(LIVE_STATES), valid_until__lt=today)
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        try:
            act(
                RESULTS,
                pk=pk,
                action="expire",
                actor=SYSTEM,
                user=None,
                data={"note": "有效期届满"},
            )
        except (Conflict, NotFound):
            continue
        done += 1
    return done


def result_get(a: Acting, pk: int) -> Result:
    found = (
        results_visible_to(a)
        .select_related("zone__region", "type", "department")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


# --- projects -----------------------------------------------------------------------------------


class ProjectIn(Input):
    code: str = Text(
        "投资项目代码", rows=1, max_length=40, hint="24 位，如 2022-150203-44-03-012345"
    )
    name: str = Text("项目名称", rows=1, max_length=200)
    owner: str = Text("项目单位统一社会信用代码", required=False, rows=1, max_length=18)
    owner_name: str = Text("项目单位名称", required=False, rows=1, max_length=200)
    zone: int | None = Ref("开发区（园区）", required=False, hint="不填则按建设地点经纬度匹配")
    lng: str = Text("经度", required=False, rows=1, max_length=20)
    lat: str = Text("纬度", required=False, rows=1, max_length=20)
    address: str = Text("建设地点", required=False, rows=1, max_length=200)
    investment: Decimal | None = Money("总投资（万元）", noun="金额（万元）", hint="单位：万元")
    stage: str | None = Choice("阶段", ProjectStage.choices, required=False)
    hint: ClassVar[str] = "登记投资项目（按投资项目代码识别）。"


def _project_zone(args: ProjectIn, errors: dict[str, str]) -> tuple[Zone | None, Any]:
    point = None
    if args.lng or args.lat:
        point, bad = check_point(args.lng, args.lat)
        errors |= bad
    if args.zone is not None:
        zone = Zone.objects.filter(pk=args.zone, active=True).first()
        if zone is None:
            errors["zone"] = "未知的开发区（园区）"
        return zone, point
    if point is None:
        if "lng" not in errors and "lat" not in errors:
            errors["zone"] = "请选择开发区（园区），或填写建设地点的经纬度"
        return None, None
    found = zones_at(point, Zone.objects.filter(active=True).exclude(boundary=None))
    if not found:
        errors["zone"] = "该经纬度不在任何已登记边界的开发区（园区）内，请直接选择园区"
        return None, point
    return found[0], point


def project_create(*, user: User, data: dict[str, Any]) -> Project:
    """A project by its code, in the zone chosen or found from its location. Department
    staff, supervisors, the data bureau, or the owner enterprise (for itself)."""
    actor = actor_of(user)
    if actor.role not in (*DEPARTMENT_ROLES, Role.SUPERVISOR, Role.ENTERPRISE):
        raise Forbidden("投资项目由审批部门或项目单位登记")
    args = parse_input(ProjectIn, data)
    errors: dict[str, str] = {}
    code, why = check_project_code(args.code, this_year=local_today().year)
    if why:
        errors["code"] = why
    elif not Region.objects.filter(code=code[5:11]).exists():
        errors["code"] = f"项目代码中的区划代码 {code[5:11]} 不是本系统已知的行政区划"
    zone, point = _project_zone(args, errors)
    owner = None
    if actor.role == Role.ENTERPRISE:
        owner = Enterprise.objects.filter(pk=actor.enterprise_id or 0).first()
    elif args.owner:
        owner = Enterprise.objects.filter(credit_code=args.owner.upper()).first()
        if owner is None:
            errors["owner"] = "该统一社会信用代码的企业尚未在企业库登记（可只填项目单位名称）"
    owner_name = owner.name if owner is not None else args.owner_name
    if not owner_name:
        errors["owner_name"] = "请填写项目单位名称"
    if errors:
        raise ValidationFailed(fields=errors)
    assert zone is not None and args.investment is not None
    now = clock.now()
    try:
        with transaction.atomic():
            project = Project.objects.create(
                code=code,
                name=args.name,
                owner=owner,
                owner_name=owner_name,
                zone=zone,
                lng=None if point is None else Decimal(str(round(point[0], 6))),
                lat=None if point is None else Decimal(str(round(point[1], 6))),
                address=args.address,
                investment=args.investment,
                stage=args.stage or ProjectStage.PLANNING,
                created_by=user,
                created_at=now,
            )
            ledger_record(
                subject_type=PROJECT_SUBJECT,
                subject_id=project.pk,
                action="create",
                actor=user,
                payload={
                    "code": code,
                    "name": args.name,
                    "zone": zone.name,
                    "investment": str(args.investment),
                    "owner": owner_name,
                },
                at=now,
                new_subject=True,
            )
    except IntegrityError:
        raise Conflict(f"项目代码 {code} 已登记", code="project_exists") from None
    return project


# --- uses ---------------------------------------------------------------------------------------


class UseIn(Input):
    project: int = Ref("项目")
    result: int = Ref("评估成果")
    used_on: dt.date | None = Day("应用日期", required=False, hint="默认今天")
    approval: str = Text("服务的审批事项", rows=1, max_length=100, hint="如：环评审批")
    saved_days: int | None = Number("节省时间（日）", required=False, ge=0, le=3650)
    saved_money: Decimal | None = Money(
        "节省费用（万元）", required=False, noun="金额（万元）", hint="单位：万元"
    )
    basis: str = Text(
        "测算依据",
        required=False,
        rows=2,
        max_length=500,
        hint="如：同类项目单独评估的平均费用和周期",
    )
    hint: ClassVar[str] = "登记项目使用区域评估成果的情况。"


def _replayed_use(user: User, key: str, digest: str) -> Use | None:
    found = Use.objects.filter(recorded_by=user, idempotency_key=key).first()
    if found is not None and found.idempotency_digest != digest:
        raise idempotency.mismatch("成果应用")
    return found


def use_create(*, user: User, data: dict[str, Any], idempotency_key: str = "") -> tuple[Use, bool]:
    """A project's use of a result: the approving department's staff, or the project's owner.
    The result must be in force on the day (published or collected, within its validity) and
    belong to the project's zone."""
    actor = actor_of(user)
    a = acting(actor)
    if actor.role not in (*DEPARTMENT_ROLES, Role.ENTERPRISE):
        raise Forbidden("成果应用由审批部门或项目单位登记")
    key = idempotency.checked_key(idempotency_key)
    digest = idempotency.request_digest(data, ()) if key else ""
    if key and (replayed := _replayed_use(user, key, digest)):
        return replayed, False
    args = parse_input(UseIn, data)
    errors: dict[str, str] = {}
    project = projects_visible_to(a).select_related("zone").filter(pk=args.project).first()
    if project is None or (
        actor.role == Role.ENTERPRISE and project.owner_id != actor.enterprise_id
    ):
        errors["project"] = "未知的项目，或不是本单位的项目"
    result = results_visible_to(a).select_related("zone", "type").filter(pk=args.result).first()
    today = local_today()
    day = args.used_on or today
    if day > today:
        errors["used_on"] = "应用日期不能晚于今天"
    if result is None:
        errors["result"] = "未知的评估成果"
    else:
        label = result.get_state_display()
        if result.state not in LIVE_STATES:
            errors["result"] = f"该成果{label}，不能使用"
        elif not result.approved_on <= day <= result.valid_until:
            errors["result"] = (
                f"该成果在 {day:%Y-%m-%d} 不在有效期内（{result.approved_on:%Y-%m-%d} 至 {result.valid_until:%Y-%m-%d}）"
            )
        elif result.published_on and day < result.published_on:
            errors["used_on"] = f"应用日期早于成果公示日期 {result.published_on:%Y-%m-%d}"
        if project is not None and result.zone_id != project.zone_id and "result" not in errors:
            errors["result"] = f"该成果属于{result.zone.name}，项目在{project.zone.name}"
    if errors:
        raise ValidationFailed(fields=errors)
    assert project is not None and result is not None
    now = clock.now()
    try:
        with transaction.atomic():
            use = Use.objects.create(
                project=project,
                result=result,
                used_on=day,
                approval=args.approval,
                saved_days=args.saved_days or 0,
                saved_money=args.saved_money or Decimal(0),
                basis=args.basis,
                recorded_as=RecordedBy.OWNER
                if actor.role == Role.ENTERPRISE
                else RecordedBy.DEPARTMENT,
                recorded_by=user,
                department_id=actor.department_id,
                created_at=now,
                idempotency_key=key,
                idempotency_digest=digest,
            )
            ledger_record(
                subject_type=USE_SUBJECT,
                subject_id=use.pk,
                action="create",
                actor=user,
                payload={
                    **args.recorded(),
                    "project": project.code,
                    "result": result.number,
                    "used_on": day.isoformat(),
                },
                at=now,
                new_subject=True,
            )
    except IntegrityError:
        if key and (replayed := _replayed_use(user, key, digest)):
            return replayed, False
        raise Conflict("该项目已登记使用这项成果", code="use_exists") from None
    return use, True


def valid_results(zone: Zone, day: dt.date | None = None) -> Any:
    """What a project in `zone` may use on `day`: its published or collected results in date."""
    day = day or local_today()
    return (
        Result.objects.filter(
            zone=zone, state__in=sorted(LIVE_STATES), approved_on__lte=day, valid_until__gte=day
        )
        .filter(Q(published_on__isnull=True) | Q(published_on__lte=day))
        .select_related("type", "department")
        .prefetch_related("files")
        .order_by("type__sort_order")
    )
