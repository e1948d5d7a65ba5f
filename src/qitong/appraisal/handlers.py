"""The round's and the objection's handlers (appraisal.transitions), run inside the workflow
skeleton's transaction. Scores change only here, by an action whose ledger event records
what moved (each unit's total at compute and publish, the old and the new value and total of
an upheld objection)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qitong.accounts.actor import SYSTEM
from qitong.appraisal.compute import compute, manual_figure, rescore, totals, units_for
from qitong.appraisal.models import ManualValue, Objection, Round, RoundUnit, Scheme
from qitong.appraisal.rules import DEFAULT_BANDS, Plan
from qitong.appraisal.schemes import parse_bands, snapshot_of
from qitong.appraisal.selectors import objections_in_reach, rounds_in_reach
from qitong.appraisal.sources import SOURCES
from qitong.appraisal.states import ObjectionState
from qitong.appraisal.transitions import (
    OBJECTION,
    ROUND,
    BandsIn,
    CorrectIn,
    OpenReviewIn,
    PublishIn,
    RejectIn,
    UpholdIn,
    ValueIn,
    WithdrawIn,
)
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import LOCAL_TZ, add_working_days, load_calendar
from qitong.ledger.services import ledger_record
from qitong.workflow.skeleton import Action, Subject, act


def unit_staff(unit: Any) -> Any:
    """Who answers for a unit: its department's staff, or the supervisors of its region."""
    from qitong.accounts.models import User
    from qitong.accounts.roles import DEPARTMENT_ROLES, Role

    if unit.department_id is not None:
        return User.objects.filter(
            role__in=sorted(DEPARTMENT_ROLES), department_id=unit.department_id, is_active=True
        )
    return User.objects.filter(role=Role.SUPERVISOR, region_id=unit.region_id, is_active=True)


def _tell_units(rnd: Round, rows: list[RoundUnit], text: Any) -> None:
    """A note to each unit's staff (written in the action's transaction: the outbox)."""
    from qitong.notifications.services import Note, notify_all

    notify_all(
        [
            Note(
                kind="appraisal",
                subject=(ROUND.name, rnd.pk),
                users=unit_staff(r.unit),
                text=text(r),
            )
            for r in rows
        ]
    )


ROUNDS = Subject(
    machine=ROUND,
    scope=rounds_in_reach,
    version_field="revision",
    touched_field="updated_at",
    stale_message="该轮考核刚被他人处理过，请刷新后查看最新状态",
    related=("scheme",),
)
OBJECTIONS = Subject(
    machine=OBJECTION,
    scope=objections_in_reach,
    version_field="version",
    stale_message="该异议刚被他人处理过，请刷新后查看最新状态",
    related=("round", "unit__region"),
)


def _plan_of(rnd: Round) -> dict[str, Any]:
    return rnd.snapshot if rnd.snapshot else snapshot_of(rnd.scheme)


def _ranking(rows: list[RoundUnit]) -> list[dict[str, Any]]:
    return [{"unit": r.name, "total": str(r.total), "rank": r.rank, "grade": r.grade} for r in rows]


@ROUND.handles("compute")
def _compute(ctx: Action[Round]) -> None:
    rnd = ctx.subject
    snapshot = snapshot_of(rnd.scheme)
    ctx.set(snapshot=snapshot, computed_at=ctx.now)
    if not rnd.bands:
        ctx.set(bands=rnd.scheme.bands or DEFAULT_BANDS)
    rnd.save(update_fields=["snapshot", "bands"])  # what compute() scores with
    rows = compute(rnd, snapshot, ctx.now)
    ctx.payload |= {"units": len(rows), "totals": totals(rows)}


@ROUND.handles("record_value")
def _record_value(ctx: Action[Round]) -> None:
    args = ctx.args(ValueIn)
    rnd = ctx.subject
    snapshot = _plan_of(rnd)
    plan = Plan.of(snapshot)
    manual = {
        n.code for n in [*plan.leaves(), *plan.adjustments] if SOURCES[n.source].fetch is None
    }
    if args.indicator not in manual:
        raise ValidationFailed(fields={"indicator": f"{args.indicator} 不是本体系的人工录入指标"})
    unit = next((u for u in units_for(snapshot["scope"]) if u.pk == args.unit), None)
    if unit is None:
        raise ValidationFailed(fields={"unit": "该单位不在本轮考核范围内"})
    assert args.value is not None and ctx.user is not None
    mv = ManualValue.objects.create(
        round=rnd,
        unit=unit,
        indicator=args.indicator,
        value=args.value,
        evidence=args.evidence,
        entered_by=ctx.user,
        entered_at=ctx.now,
    )
    ctx.payload |= {"unit_name": unit.name}
    row = rnd.units.filter(unit=unit).first()
    if row is not None:  # computed: the stored input changes, the round is rescored
        old = row.total
        row.inputs[args.indicator] = manual_figure(mv).as_dict()
        row.save(update_fields=["inputs"])
        rows = rescore(rnd)
        new = next(r.total for r in rows if r.pk == row.pk)
        ctx.payload |= {"old_total": str(old), "new_total": str(new)}


@ROUND.handles("set_bands")
def _set_bands(ctx: Action[Round]) -> None:
    bands = parse_bands(ctx.args(BandsIn).bands)
    ctx.set(bands=bands)
    ctx.payload["bands"] = bands
    if ctx.subject.units.exists():
        ctx.subject.save(update_fields=["bands"])
        rescore(ctx.subject)


@ROUND.handles("open_review")
def _open_review(ctx: Action[Round]) -> None:
    args = ctx.args(OpenReviewIn)
    days = args.days or ctx.subject.scheme.objection_days
    due = add_working_days(ctx.now, days, load_calendar()).astimezone(LOCAL_TZ).date()
    ctx.set(review_opened_at=ctx.now, objection_due=due)
    ctx.payload |= {"objection_days": days, "objection_due": due.isoformat()}
    rnd = ctx.subject
    _tell_units(
        rnd,
        list(rnd.units.select_related("unit")),
        lambda r: (
            f"{rnd.scheme.name} {rnd.period} 已公示：{r.name}总分 {r.total}，"
            f"请于 {due:%Y年%-m月%-d日} 前核对，对数据有异议可在本单位得分页提出。"
        ),
    )


@ROUND.handles("publish")
def _publish(ctx: Action[Round]) -> None:
    args = ctx.args(PublishIn)
    rnd = ctx.subject
    waiting = rnd.objections.filter(state=ObjectionState.OPEN).count()
    if waiting:
        raise ValidationFailed(
            fields={"objections": f"尚有 {waiting} 条异议未处理，处理后才能发布"}
        )
    today = ctx.now.astimezone(LOCAL_TZ).date()
    if rnd.objection_due is not None and today <= rnd.objection_due and not args.note:
        raise ValidationFailed(
            fields={"note": f"异议期至 {rnd.objection_due:%Y-%m-%d} 截止，提前发布须说明理由"}
        )
    ctx.set(published_at=ctx.now, publish_note=args.note)
    rows = list(rnd.units.select_related("unit").order_by("position"))
    ctx.payload["ranking"] = _ranking(rows)
    _tell_units(
        rnd,
        rows,
        lambda r: (
            f"{rnd.scheme.name} {rnd.period} 结果已发布：{r.name}总分 {r.total}"
            + (f"，第 {r.rank} 名，{r.grade}。" if r.rank else "，无数据未参与排名。")
        ),
    )
    if rnd.corrects_id is not None:
        ctx.payload["supersedes"] = rnd.corrects_id
        old = rnd.corrects_id
        act(
            ROUNDS,
            pk=old,
            action="supersede",
            actor=SYSTEM,
            user=None,
            data={},
            extra={"by": rnd.pk},
        )


@ROUND.handles("supersede")
def _supersede(ctx: Action[Round]) -> None:
    ctx.payload["by"] = ctx.extra.get("by")


@ROUND.handles("correct")
def _correct(ctx: Action[Round]) -> None:
    args = ctx.args(CorrectIn)
    old = ctx.subject
    scheme = Scheme.objects.filter(code=old.scheme.code).order_by("-version").first()
    assert scheme is not None
    new = Round.objects.create(
        scheme=scheme,
        family=old.family,
        period=old.period,
        version=old.version + 1,
        corrects=old,
        correction_reason=args.reason,
        bands=old.bands,
        created_by=ctx.user,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    kept = [
        ManualValue(
            round=new,
            unit_id=mv.unit_id,
            indicator=mv.indicator,
            value=mv.value,
            evidence=mv.evidence,
            entered_by=mv.entered_by,
            entered_at=mv.entered_at,
        )
        for mv in old.manual_values.all()
    ]
    ManualValue.objects.bulk_create(kept)
    ledger_record(
        subject_type=ROUND.name,
        subject_id=new.pk,
        action="create",
        actor=ctx.user,
        to_state=new.state,
        payload={"corrects": old.pk, "reason": args.reason, "period": new.period},
        at=ctx.now,
        new_subject=True,
    )
    ctx.payload["correction"] = new.pk
    ctx.extra["correction"] = new


# --- objections -------------------------------------------------------------------------------


def _decided(ctx: Action[Objection], decision: str) -> None:
    from qitong.notifications.services import notify

    ctx.set(decision=decision, decided_by=ctx.user, decided_at=ctx.now)
    o = ctx.subject
    verdict = "成立" if ctx.transition.name == "uphold" else "不成立"
    notify(
        kind="appraisal",
        subject=(OBJECTION.name, o.pk),
        users=[o.filed_by],
        text=f"您对 {o.round.period} 考核指标 {o.indicator} 的异议{verdict}：{decision}",
    )


@OBJECTION.handles("uphold")
def _uphold(ctx: Action[Objection]) -> None:
    args = ctx.args(UpholdIn)
    objection = ctx.subject
    # The round is locked first: two objections upheld at once rescore one after the other.
    rnd = Round.objects.select_for_update().get(pk=objection.round_id)
    row = rnd.units.get(unit_id=objection.unit_id)
    figure = dict(row.inputs.get(objection.indicator) or {})
    old_value = figure.get("value")
    assert args.corrected_value is not None
    figure |= {
        "value": float(args.corrected_value),
        "original": old_value,
        "objection": objection.pk,
        "note": f"异议成立，按核定数值 {args.corrected_value} 计",
    }
    old_total = row.total
    row.inputs[objection.indicator] = figure
    row.save(update_fields=["inputs"])
    rows = rescore(rnd)
    new_total = next(r.total for r in rows if r.pk == row.pk)
    _decided(ctx, args.decision)
    ctx.set(
        corrected_value=args.corrected_value,
        old_value=None if old_value is None else Decimal(str(old_value)).quantize(Decimal("0.01")),
        old_total=old_total,
        new_total=new_total,
    )
    ctx.payload |= {
        "unit": row.name,
        "indicator": objection.indicator,
        "old_value": old_value,
        "old_total": str(old_total),
        "new_total": str(new_total),
    }


@OBJECTION.handles("reject")
def _reject(ctx: Action[Objection]) -> None:
    _decided(ctx, ctx.args(RejectIn).decision)


@OBJECTION.handles("withdraw")
def _withdraw(ctx: Action[Objection]) -> None:
    ctx.args(WithdrawIn)
    ctx.set(decided_at=ctx.now)
