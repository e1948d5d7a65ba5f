"""Every write of the appraisal domain (issue 15). A scheme is saved by
appraisal.schemes.scheme_create; a round is created here (`round_create`, state draft) and
every later change is an action on the workflow core (`round_act`): lock, check the
transition and the version, validate, handle (appraisal.handlers), save, ledger event in the
same transaction. A unit's objection is filed here (`objection_file`) and decided by
`objection_act`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.core.files import File
from django.db import IntegrityError, transaction

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.models import User
from qitong.appraisal.models import Objection, ObjectionFile, Round, Scheme
from qitong.appraisal.periods import parse_quarter, quarter_of
from qitong.appraisal.rules import Plan
from qitong.appraisal.schemes import snapshot_of
from qitong.appraisal.selectors import rounds_visible_to, units_of
from qitong.appraisal.states import RoundState
from qitong.appraisal.transitions import is_assessor
from qitong.core import clock, idempotency
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.uploads import check_uploads, save_checked
from qitong.core.workdays import local_today
from qitong.ledger.services import ledger_record
from qitong.workflow.inputs import Input, Money, Text, parse_input
from qitong.workflow.skeleton import act, take

OPEN_ROUND = (RoundState.DRAFT, RoundState.COMPUTED, RoundState.IN_REVIEW)


def round_create(*, user: User | None, scheme: Any, period: Any) -> Round:
    """A draft round of a scheme (its latest version) for a quarter that has begun."""
    if user is not None and not is_assessor(None, actor_of(user)):
        raise Forbidden("只有自治区营商环境办（全区督查人员）可以组织考核")
    errors: dict[str, str] = {}
    found = None
    if isinstance(scheme, bool) or not isinstance(scheme, int | str) or not str(scheme).isdigit():
        errors["scheme"] = "请选择指标体系（编号）"
    else:
        found = Scheme.objects.filter(pk=int(scheme)).first() if len(str(scheme)) < 12 else None
        if found is None:
            errors["scheme"] = "未知的指标体系"
        elif not found.is_latest:
            newest = Scheme.objects.filter(code=found.code).order_by("-version").first()
            assert newest is not None
            errors["scheme"] = (
                f"该体系已有第 {newest.version} 版，请使用最新版本（编号 {newest.pk}）"
            )
    quarter = None
    try:
        quarter = parse_quarter(period)
    except ValueError as exc:
        errors["period"] = str(exc)
    today = local_today()
    if quarter is not None and quarter > quarter_of(today):
        errors["period"] = f"考核期间 {quarter.key} 尚未开始（本季度为 {quarter_of(today).key}）"
    if errors:
        raise ValidationFailed(fields=errors)
    assert found is not None and quarter is not None
    existing = Round.objects.filter(family=found.code, period=quarter.key)
    if existing.filter(state__in=OPEN_ROUND).exists():
        raise Conflict(f"{quarter.key} 已有进行中的考核", code="round_exists")
    if existing.exists():
        raise Conflict(
            f"{quarter.key} 的考核已发布；如需纠正，请对已发布的考核发起更正", code="round_exists"
        )
    now = clock.now()
    try:
        with transaction.atomic():
            rnd = Round.objects.create(
                scheme=found,
                family=found.code,
                period=quarter.key,
                bands=found.bands,
                created_by=user,
                created_at=now,
                updated_at=now,
            )
            ledger_record(
                subject_type="appraisal.round",
                subject_id=rnd.pk,
                action="create",
                actor=user,
                to_state=rnd.state,
                payload={"scheme": found.pk, "version": found.version, "period": quarter.key},
                at=now,
                new_subject=True,
            )
    except IntegrityError:
        raise Conflict(f"{quarter.key} 已有进行中的考核", code="round_exists") from None
    return rnd


def round_act(
    *,
    pk: int,
    action: str,
    user: User | None,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    actor: Actor | None = None,
) -> Round:
    """An action on a round. NotFound outside the user's scope; Forbidden if the role may
    never take it; Conflict if the state, a guard or the version forbids it now;
    ValidationFailed naming each field."""
    from qitong.appraisal.handlers import ROUNDS

    ctx = act(
        ROUNDS,
        pk=pk,
        action=action,
        actor=actor or actor_of(user),
        user=user,
        data=data,
        expected_version=expected_version,
    )
    return ctx.extra.get("correction") or ctx.subject


def round_get(actor: Actor, pk: int) -> Round:
    """The round if the actor may read it; out of role or scope is a 404 like a missing one."""
    try:
        visible = rounds_visible_to(actor)
    except Forbidden:
        raise NotFound() from None
    found = visible.select_related("scheme", "corrects").filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


# --- objections -------------------------------------------------------------------------------


class ObjectionIn(Input):
    indicator: str = Text("异议指标", rows=1, max_length=20, hint="指标编码，如 B1.2")
    reason: str = Text("异议理由", rows=4, max_length=5000, hint="说明数据有误之处及依据")
    claimed_value: Decimal | None = Money(
        "本单位认为的数值", required=False, noun="数值", hint="可不填"
    )
    unit: int | None = None  # the unit objecting, where a reader answers for several
    hint: ClassVar[str] = "在异议期内对本单位某项指标的数据提出异议，附佐证材料。"


def _replayed(user: User, key: str, digest: str) -> Objection | None:
    found = Objection.objects.filter(filed_by=user, idempotency_key=key).first()
    if found is not None and found.idempotency_digest != digest:
        raise idempotency.mismatch("异议")
    return found


def objection_file(
    *,
    user: User,
    round_id: int,
    data: dict[str, Any],
    files: Sequence[File[Any]] = (),
    idempotency_key: str = "",
) -> tuple[Objection, bool]:
    """A unit's objection to one of its figures (round under review, within the window):
    (the objection, created). A retry under the same Idempotency-Key answers with the first."""
    actor = actor_of(user)
    rnd = round_get(actor, round_id)
    key = idempotency.checked_key(idempotency_key)
    digest = idempotency.request_digest(data, files) if key else ""
    if key and (replayed := _replayed(user, key, digest)):
        return replayed, False
    mine = list(units_of(actor).filter(pk__in=rnd.units.values("unit")))
    if not mine:
        raise Forbidden("只有本轮被考核单位的联络人员可以提出异议")
    if rnd.state != RoundState.IN_REVIEW:
        raise Conflict(
            f"考核当前状态为“{rnd.get_state_display()}”，不受理异议", code="invalid_transition"
        )
    args = parse_input(ObjectionIn, data)
    errors: dict[str, str] = {}
    today = local_today()
    if rnd.objection_due is not None and today > rnd.objection_due:
        errors["round"] = f"异议期已于 {rnd.objection_due:%Y-%m-%d} 截止，不再受理异议"
    plan = Plan.of(rnd.snapshot or snapshot_of(rnd.scheme))
    codes = {n.code: n for n in [*plan.leaves(), *plan.adjustments]}
    if args.indicator not in codes:
        errors["indicator"] = f"本轮考核没有编码为 {args.indicator} 的末级指标或加减分项"
    unit = mine[0]
    if args.unit is not None:
        chosen = next((u for u in mine if u.pk == args.unit), None)
        if chosen is None:
            errors["unit"] = "您不能代该单位提出异议"
        else:
            unit = chosen
    if errors:
        raise ValidationFailed(fields=errors)
    checked = check_uploads(list(files), field="attachments") if files else []
    now = clock.now()
    try:
        with transaction.atomic():
            if rnd.objections.filter(unit=unit, indicator=args.indicator, state="open").exists():
                raise Conflict("该指标已有待处理的异议", code="objection_exists")
            objection = Objection.objects.create(
                round=rnd,
                unit=unit,
                indicator=args.indicator,
                reason=args.reason,
                claimed_value=args.claimed_value,
                filed_by=user,
                filed_at=now,
                idempotency_key=key,
                idempotency_digest=digest,
            )
            stored = [
                ObjectionFile.objects.create(
                    objection=objection,
                    **save_checked(c, folder="appraisal", user=user, now=now),
                )
                for c in checked
            ]
            ledger_record(
                subject_type="appraisal.objection",
                subject_id=objection.pk,
                action="create",
                actor=user,
                to_state=objection.state,
                payload={
                    "round": rnd.pk,
                    "unit": unit.name,
                    "indicator": args.indicator,
                    "reason": args.reason,
                    **({"claimed_value": str(args.claimed_value)} if args.claimed_value else {}),
                    **({"files": [f.sha256 for f in stored]} if stored else {}),
                },
                at=now,
                new_subject=True,
            )
    except IntegrityError:
        if key and (replayed := _replayed(user, key, digest)):
            return replayed, False
        raise
    return objection, True


def objection_act(
    *,
    pk: int,
    action: str,
    user: User,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Objection:
    from qitong.appraisal.handlers import OBJECTIONS

    return take(
        OBJECTIONS,
        pk=pk,
        action=action,
        actor=actor_of(user),
        user=user,
        data=data,
        expected_version=expected_version,
    ).subject


# --- the optional boundary map ----------------------------------------------------------------

MAX_GEOJSON = 8 * 1024 * 1024
GEOMETRIES = {"Polygon", "MultiPolygon"}


def boundary_upload(*, user: User, name: str, raw: bytes) -> tuple[Any, list[str], list[str]]:
    """Store a GeoJSON of the 盟市 boundaries for the ranking's choropleth: (the map, the
    feature names that match no unit, the units it has no feature for). Only the assessor or
    an administrator; a file that is not a FeatureCollection of named polygons is refused."""
    import json

    from qitong.accounts.roles import Role
    from qitong.appraisal.models import BoundaryMap
    from qitong.reforms.models import ReportingUnit
    from qitong.reforms.states import UnitKind

    actor = actor_of(user)
    if not (is_assessor(None, actor) or actor.role == Role.ADMIN):
        raise Forbidden("只有自治区营商环境办或系统管理员可以上传边界数据")
    if len(raw) > MAX_GEOJSON:
        raise ValidationFailed(fields={"file": "边界文件最大 8 MB"})
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed(fields={"file": "文件不是 UTF-8 编码的 GeoJSON（JSON）"}) from None
    features = data.get("features") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(features, list)
        or not features
    ):
        raise ValidationFailed(fields={"file": "应为 GeoJSON 的 FeatureCollection，至少含一个区域"})
    names = []
    for i, f in enumerate(features):
        geometry = f.get("geometry") if isinstance(f, dict) else None
        props = f.get("properties") if isinstance(f, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
            raise ValidationFailed(
                fields={"file": f"第 {i + 1} 个区域的几何类型应为 Polygon 或 MultiPolygon"}
            )
        if (
            not isinstance(props, dict)
            or not isinstance(props.get("name"), str)
            or not props["name"].strip()
        ):
            raise ValidationFailed(
                fields={
                    "file": f"第 {i + 1} 个区域缺少名称（properties.name），名称须与盟市名称一致"
                }
            )
        names.append(props["name"].strip())
    units = set(
        ReportingUnit.objects.exclude(kind=UnitKind.DEPARTMENT).values_list("name", flat=True)
    )
    label = (name or "").strip()[:100] or "盟市边界"
    with transaction.atomic():
        stored = BoundaryMap.objects.create(
            name=label, geojson=data, uploaded_by=user, uploaded_at=clock.now()
        )
        ledger_record(
            subject_type="appraisal.boundary",
            subject_id=stored.pk,
            action="upload",
            actor=user,
            payload={"name": label, "features": len(names), "bytes": len(raw)},
            at=stored.uploaded_at,
            new_subject=True,
        )
    return stored, sorted(set(names) - units), sorted(units - set(names))
