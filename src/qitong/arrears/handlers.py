"""The claim machine's handlers (arrears.transitions), run inside the workflow skeleton's
transaction. Figures change only here, by an action whose ledger event records the old and
the new value; the balance and the interest's stored terms move with every repayment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max, QuerySet

from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.arrears import rules
from qitong.arrears.models import Claim, ClaimFile, Repayment
from qitong.arrears.selectors import claims_visible_to
from qitong.arrears.states import (
    DISPUTE_STATES,
    NON_CASH,
    ClaimState,
    FileKind,
    RepaymentMethod,
    RepaymentStatus,
)
from qitong.arrears.tally import (
    claim_apply,
    claim_contribution,
    is_outstanding,
    paid_apply,
    paid_contribution,
)
from qitong.arrears.transitions import (
    CLAIM,
    AnswerComplaintIn,
    ComplainIn,
    ConfirmRepaymentIn,
    CorrectIn,
    DisputeIn,
    ExtendComplaintIn,
    LitigateIn,
    PlanIn,
    RejectRepaymentIn,
    RepayIn,
    ResolveDisputeIn,
    TransferComplaintIn,
    VerifyIn,
    WriteOffIn,
)
from qitong.core.errors import ValidationFailed
from qitong.core.uploads import CheckedFile, save_checked
from qitong.core.workdays import LOCAL_TZ, load_calendar
from qitong.directory.models import Department
from qitong.notifications.services import Note, notify_all
from qitong.workflow.skeleton import Action, Subject

C = ClaimState
FILE_KINDS = {
    "repay": FileKind.EVIDENCE,
    "confirm_repayment": FileKind.CONFIRMATION,
    "reject_repayment": FileKind.CONFIRMATION,
    "dispute": FileKind.DISPUTE,
    "litigate": FileKind.DISPUTE,
    "resolve_dispute": FileKind.DOCUMENT,
    "write_off": FileKind.DOCUMENT,
    "urge": FileKind.DOCUMENT,
}


@dataclass
class ClaimAction(Action[Claim]):
    """The action context of a claim: what it counted in the KPIs' tally before the action
    (arrears.tally), applied as a difference when it finishes."""

    tallied_before: dict[Any, Any] = field(default_factory=dict)
    paid_before: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tallied_before = claim_contribution(self.subject)
        self.paid_before = paid_contribution(self.subject)

    @property
    def claim(self) -> Claim:
        return self.subject

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(LOCAL_TZ).date()

    @property
    def notes(self) -> list[Note]:
        found: list[Note] = self.extra.setdefault("notes", [])
        return found


def _finish(ctx: ClaimAction) -> None:
    """The files brought with the action (digests in the event), then the notes."""
    checked: list[CheckedFile] = ctx.extra.get("files") or []
    if checked and ctx.user is not None and "files" not in ctx.payload:
        ctx.payload["files"] = store_files(
            ctx.claim,
            checked,
            user=ctx.user,
            now=ctx.now,
            kind=FILE_KINDS.get(ctx.transition.name, FileKind.OTHER),
            action=ctx.transition.name,
        )
    if ctx.claim.state in (C.CLOSED, C.WRITTEN_OFF) and ctx.from_state != ctx.claim.state:
        ctx.set(closed_at=ctx.now)
    if ctx.claim.outstanding != is_outstanding(ctx.claim):
        ctx.set(outstanding=is_outstanding(ctx.claim))
    claim_apply(ctx.tallied_before, claim_contribution(ctx.claim))
    paid_apply(ctx.paid_before, paid_contribution(ctx.claim))
    if ctx.notes:
        notify_all(ctx.notes)


CLAIMS: Subject[Claim] = Subject(
    machine=CLAIM,
    scope=claims_visible_to,
    context=ClaimAction,
    version_field="version",
    touched_field="updated_at",
    stale_message="该欠款刚被他人处理过，请刷新后查看最新状态",
    finish=_finish,
    related=("debtor", "creditor"),
)


def store_files(
    claim: Claim,
    files: Sequence[CheckedFile],
    *,
    user: User,
    now: dt.datetime,
    kind: str,
    action: str = "",
    repayment: Repayment | None = None,
) -> list[dict[str, str]]:
    stored = []
    for checked in files:
        row = ClaimFile.objects.create(
            claim=claim,
            repayment=repayment,
            kind=kind,
            action=action,
            **save_checked(checked, folder="arrears", user=user, now=now),
        )
        stored.append({"name": row.original_name, "sha256": row.sha256})
    return stored


# --- who is told ------------------------------------------------------------------------------


def creditor_users(claim: Claim) -> QuerySet[User]:
    return User.objects.filter(
        role=Role.ENTERPRISE, enterprise_id=claim.creditor_id, is_active=True
    )


def department_staff(department_id: int | None) -> QuerySet[User]:
    if department_id is None:
        return User.objects.none()
    return User.objects.filter(
        department_id=department_id, role__in=DEPARTMENT_ROLES, is_active=True
    )


def supervisors_of(claim: Claim) -> QuerySet[User]:
    """The supervisors of the debtor's region and of the 盟市 above it."""
    codes = {claim.region_code, claim.region_code[:4] + "00"}
    return User.objects.filter(role=Role.SUPERVISOR, is_active=True, region__code__in=codes)


def tell(ctx: ClaimAction, users: QuerySet[User], kind: str, text: str) -> None:
    ctx.notes.append(
        Note(
            kind=kind,
            subject=(CLAIM.name, ctx.claim.pk),
            users=users,
            text=f"欠款 {ctx.claim.number}（{ctx.claim.debtor.name}）：{text}",
        )
    )


# --- the money --------------------------------------------------------------------------------


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _settle_state(ctx: ClaimAction) -> str:
    """Where the figures put an undisputed claim: repaid once nothing is owed and every
    payment is confirmed; else partly repaid, planned or verified."""
    claim = ctx.claim
    if claim.balance == 0 and claim.confirmed == claim.repaid:
        return C.REPAID
    if claim.repaid > 0:
        return C.PARTLY_REPAID
    if claim.plan:
        return C.PLANNED
    return C.VERIFIED if claim.verified_at is not None else C.REGISTERED


def _set_owed(ctx: ClaimAction, owed: Decimal, field: str) -> None:
    claim = ctx.claim
    if owed < claim.repaid:
        raise ValidationFailed(fields={field: f"不能少于已登记的清偿 {_yuan(claim.repaid)} 元"})
    if owed > claim.contract_amount:
        raise ValidationFailed(
            fields={field: f"不能超过合同金额 {_yuan(claim.contract_amount)} 元"}
        )
    ctx.payload["from_owed"] = str(claim.owed)
    ctx.payload["owed"] = str(owed)
    ctx.set(owed=owed, balance=owed - claim.repaid)


def _repayment_of(ctx: ClaimAction, pk: int | None) -> Repayment:
    found = (
        Repayment.objects.filter(claim=ctx.claim, pk=pk, status=RepaymentStatus.RECORDED).first()
        if pk
        else None
    )
    if found is None:
        raise ValidationFailed(fields={"repayment": f"不是本欠款待确认的清偿记录：{pk}"})
    return found


# --- the handlers -----------------------------------------------------------------------------


@CLAIM.handles("verify")
def _verify(ctx: ClaimAction) -> None:
    args = ctx.args(VerifyIn)
    if args.owed is not None and args.owed != ctx.claim.owed:
        _set_owed(ctx, args.owed, "owed")
    ctx.set(verified_at=ctx.now)
    ctx.payload["by_debtor"] = ctx.actor.role in DEPARTMENT_ROLES
    ctx.payload["on_time"] = ctx.claim.confirm_due is None or ctx.today <= ctx.claim.confirm_due


@CLAIM.handles("plan")
def _plan(ctx: ClaimAction) -> None:
    args = ctx.args(PlanIn)
    early = [s for s in args.plan if dt.date.fromisoformat(s["due_on"]) < ctx.today]
    if early:
        raise ValidationFailed(
            fields={"plan": f"计划节点“{early[0]['title']}”早于今天 {ctx.today:%Y-%m-%d}"}
        )
    ctx.payload["revised"] = bool(ctx.claim.plan)
    ctx.set(plan=args.plan)
    if ctx.from_state == C.VERIFIED:
        ctx.go(C.PLANNED)
    else:
        ctx.stay()
    tell(ctx, creditor_users(ctx.claim), "arrears_plan", "债务人已制定还款计划。")


def _check_repayment(ctx: ClaimAction, args: RepayIn) -> None:
    claim = ctx.claim
    assert args.paid_on is not None and args.amount is not None and args.method is not None
    errors: dict[str, str] = {}
    if args.paid_on < claim.signed_on:
        errors["paid_on"] = f"清偿日期不能早于合同签订日期 {claim.signed_on:%Y-%m-%d}"
    elif args.paid_on > ctx.today:
        errors["paid_on"] = f"清偿日期不能晚于今天 {ctx.today:%Y-%m-%d}"
    if args.amount <= 0:
        errors["amount"] = "清偿金额应大于 0"
    elif args.amount > claim.balance:
        errors["amount"] = (
            f"清偿金额 {_yuan(args.amount)} 元超过未清偿余额 {_yuan(claim.balance)} 元"
        )
    if args.method == RepaymentMethod.OFFSET and not args.offset_detail:
        errors["offset_detail"] = "抵顶清偿请写明抵顶的内容（如抵顶土地出让金）"
    if args.method in NON_CASH and not claim.non_cash_agreed:
        errors["method"] = (
            f"合同未约定以{RepaymentMethod(args.method).label}支付；非现金支付须经合同约定"
            "（条例第十一条）"
        )
    if args.matures_on is not None:
        if args.method not in NON_CASH:
            errors["matures_on"] = "只有商业汇票、应收账款电子凭证有到期日"
        elif args.matures_on < args.paid_on:
            errors["matures_on"] = "票据到期日不能早于清偿日期"
    if errors:
        raise ValidationFailed(fields=errors)


@CLAIM.handles("repay")
def _repay(ctx: ClaimAction) -> None:
    args = ctx.args(RepayIn)
    _check_repayment(ctx, args)
    if ctx.actor.role in DEPARTMENT_ROLES and not ctx.extra.get("files"):
        # the debtor's own side records its payment only with the proof of it
        raise ValidationFailed(
            fields={"attachments": "请上传清偿凭证（转账记录、抵顶协议、票据等）"}
        )
    assert args.paid_on is not None and args.amount is not None and args.method is not None
    claim = ctx.claim
    counts_on = rules.effective_day(args.paid_on, args.matures_on)
    effective = max(counts_on, claim.due_on)
    repayment = Repayment.objects.create(
        claim=claim,
        paid_on=args.paid_on,
        matures_on=args.matures_on,
        effective_day=effective.toordinal(),
        days_overdue=rules.overdue_days(claim.due_on, counts_on),
        amount=args.amount,
        method=args.method,
        offset_detail=args.offset_detail,
        document=args.document,
        note=args.note,
        recorded_by=ctx.user,
        recorded_at=ctx.now,
    )
    ctx.set(
        repaid=claim.repaid + args.amount,
        balance=claim.balance - args.amount,
        paid_weighted=claim.paid_weighted + args.amount * effective.toordinal(),
        last_paid_day=max(claim.last_paid_day or 0, effective.toordinal()),
    )
    ctx.payload.update(
        repayment=repayment.pk,
        balance=str(claim.balance),
        days_overdue=repayment.days_overdue,
    )
    checked: list[CheckedFile] = ctx.extra.get("files") or []
    if checked and ctx.user is not None:
        ctx.payload["files"] = store_files(
            claim,
            checked,
            user=ctx.user,
            now=ctx.now,
            kind=FileKind.EVIDENCE,
            action="repay",
            repayment=repayment,
        )
    if ctx.from_state in DISPUTE_STATES:
        ctx.stay()
    else:
        ctx.go(C.PARTLY_REPAID)
    tell(
        ctx,
        creditor_users(claim),
        "arrears_repayment",
        f"已登记一笔清偿 {_yuan(args.amount)} 元（{RepaymentMethod(args.method).label}），"
        "请在企业端确认是否收到。",
    )


@CLAIM.handles("confirm_repayment")
def _confirm_repayment(ctx: ClaimAction) -> None:
    args = ctx.args(ConfirmRepaymentIn)
    repayment = _repayment_of(ctx, args.repayment)
    by_creditor = ctx.actor.role == Role.ENTERPRISE
    if not by_creditor and not ctx.extra.get("files"):
        raise ValidationFailed(fields={"attachments": "代债权企业确认须上传其书面确认书"})
    repayment.status = RepaymentStatus.CONFIRMED
    repayment.answered_by = ctx.user
    repayment.answered_at = ctx.now
    repayment.answer_note = args.note
    repayment.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
    ctx.set(confirmed=ctx.claim.confirmed + repayment.amount)
    ctx.payload.update(
        repayment=repayment.pk, amount=str(repayment.amount), by_creditor=by_creditor
    )
    if ctx.claim.balance == 0 and ctx.claim.confirmed == ctx.claim.repaid:
        ctx.go(C.REPAID)
        ctx.set(repaid_at=ctx.now)
        tell(ctx, supervisors_of(ctx.claim), "arrears_repaid", "已全部清偿并经债权企业确认。")
    else:
        ctx.stay()


@CLAIM.handles("reject_repayment")
def _reject_repayment(ctx: ClaimAction) -> None:
    args = ctx.args(RejectRepaymentIn)
    repayment = _repayment_of(ctx, args.repayment)
    if ctx.actor.role != Role.ENTERPRISE and not ctx.extra.get("files"):
        raise ValidationFailed(fields={"attachments": "代债权企业提出不认可须上传其书面意见"})
    repayment.status = RepaymentStatus.REJECTED
    repayment.answered_by = ctx.user
    repayment.answered_at = ctx.now
    repayment.answer_note = args.reason
    repayment.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
    claim = ctx.claim
    last = (
        Repayment.objects.filter(claim=claim)
        .exclude(status=RepaymentStatus.REJECTED)
        .aggregate(last=Max("effective_day"))["last"]
    )
    ctx.set(
        repaid=claim.repaid - repayment.amount,
        balance=claim.balance + repayment.amount,
        paid_weighted=claim.paid_weighted - repayment.amount * repayment.effective_day,
        last_paid_day=last,
    )
    ctx.payload.update(repayment=repayment.pk, amount=str(repayment.amount))
    if ctx.from_state in DISPUTE_STATES or claim.repaid > 0:
        ctx.stay()
    else:
        ctx.go(_settle_state(ctx))
    tell(
        ctx,
        supervisors_of(claim),
        "arrears_repayment_rejected",
        f"债权企业不认可一笔清偿（{_yuan(repayment.amount)} 元）：{args.reason}",
    )


@CLAIM.handles("dispute")
def _dispute(ctx: ClaimAction) -> None:
    args = ctx.args(DisputeIn)
    assert args.disputed is not None
    if args.disputed <= 0:
        raise ValidationFailed(fields={"disputed": "有争议金额应大于 0"})
    if args.disputed > ctx.claim.balance:
        raise ValidationFailed(
            fields={"disputed": f"有争议金额不能超过未清偿余额 {_yuan(ctx.claim.balance)} 元"}
        )
    if args.disputed != ctx.claim.disputed:
        ctx.payload["from_disputed"] = str(ctx.claim.disputed)
    ctx.set(disputed=args.disputed, dispute_from=ctx.from_state)
    ctx.payload["undisputed"] = str(ctx.claim.undisputed)


@CLAIM.handles("mediate")
def _mediate(ctx: ClaimAction) -> None:
    pass


@CLAIM.handles("litigate")
def _litigate(ctx: ClaimAction) -> None:
    ctx.args(LitigateIn)
    ctx.set(in_litigation=True)


@CLAIM.handles("resolve_dispute")
def _resolve_dispute(ctx: ClaimAction) -> None:
    args = ctx.args(ResolveDisputeIn)
    assert args.owed is not None
    _set_owed(ctx, args.owed, "owed")
    ctx.payload["from_disputed"] = str(ctx.claim.disputed)
    ctx.set(disputed=Decimal(0), in_litigation=False, dispute_from="")
    state = _settle_state(ctx)
    if state == C.REPAID:
        ctx.set(repaid_at=ctx.now)
    ctx.go(state)


@CLAIM.handles("close")
def _close(ctx: ClaimAction) -> None:
    pass


@CLAIM.handles("write_off")
def _write_off(ctx: ClaimAction) -> None:
    ctx.args(WriteOffIn)
    if not ctx.extra.get("files"):
        raise ValidationFailed(fields={"attachments": "核销须上传依据文书"})
    ctx.payload["balance"] = str(ctx.claim.balance)


@CLAIM.handles("correct")
def _correct(ctx: ClaimAction) -> None:
    args = ctx.args(CorrectIn)
    claim = ctx.claim
    owed = args.owed if args.owed is not None else claim.owed
    disputed = args.disputed if args.disputed is not None else claim.disputed
    if owed == claim.owed and disputed == claim.disputed:
        raise ValidationFailed(fields={"owed": "请填写与现值不同的更正后金额"})
    if disputed > owed:
        raise ValidationFailed(fields={"disputed": "有争议金额不能超过欠款金额"})
    if owed != claim.owed:
        _set_owed(ctx, owed, "owed")
    if disputed != claim.disputed:
        ctx.payload["from_disputed"] = str(claim.disputed)
        ctx.payload["disputed"] = str(disputed)
        ctx.set(disputed=disputed)
    if args.corrects:
        ctx.payload["corrects"] = args.corrects
    if claim.state not in DISPUTE_STATES and _settle_state(ctx) == C.REPAID:
        ctx.set(repaid_at=ctx.now)
        ctx.go(C.REPAID)
    else:
        ctx.stay()


# --- the complaint's clocks -------------------------------------------------------------------


@CLAIM.handles("transfer_complaint")
def _transfer_complaint(ctx: ClaimAction) -> None:
    args = ctx.args(TransferComplaintIn)
    claim = ctx.claim
    department = (
        Department.objects.filter(pk=args.department, active=True).first()
        if args.department
        else None
    )
    if department is None:
        raise ValidationFailed(fields={"department": f"未知的处理部门：{args.department}"})
    received = args.received_on or ctx.today
    assert claim.complaint_accepted_on is not None  # the guard
    if received < claim.complaint_accepted_on or received > ctx.today:
        raise ValidationFailed(
            fields={
                "received_on": f"应在投诉受理日 {claim.complaint_accepted_on:%Y-%m-%d} 到今天之间"
            }
        )
    clock = rules.complaint_clock(claim.complaint_accepted_on, received, load_calendar())
    ctx.set(
        complaint_department=department,
        complaint_received_on=received,
        complaint_result_due=clock.result_due,
        complaint_result_latest=clock.result_latest,
    )
    on_time = claim.complaint_transfer_due is None or received <= claim.complaint_transfer_due
    ctx.payload.update(
        department=department.name,
        on_time=on_time,
        result_due=str(clock.result_due),
    )
    tell(
        ctx,
        department_staff(department.pk),
        "arrears_complaint",
        f"转来一件拖欠账款投诉，请于 {clock.result_due:%Y-%m-%d} 前将处理结果告知投诉企业。",
    )


@CLAIM.handles("extend_complaint")
def _extend_complaint(ctx: ClaimAction) -> None:
    args = ctx.args(ExtendComplaintIn)
    claim = ctx.claim
    assert args.result_due is not None and claim.complaint_result_due is not None
    latest = claim.complaint_result_latest
    if args.result_due <= claim.complaint_result_due:
        raise ValidationFailed(
            fields={"result_due": f"应晚于现处理期限 {claim.complaint_result_due:%Y-%m-%d}"}
        )
    if latest is not None and args.result_due > latest:
        raise ValidationFailed(
            fields={
                "result_due": f"最长不超过 {latest:%Y-%m-%d}（收到材料后 90 日，条例第二十五条）"
            }
        )
    ctx.payload["from_result_due"] = str(claim.complaint_result_due)
    ctx.set(complaint_result_due=args.result_due)


@CLAIM.handles("answer_complaint")
def _answer_complaint(ctx: ClaimAction) -> None:
    ctx.args(AnswerComplaintIn)
    claim = ctx.claim
    ctx.set(complaint_answered_on=ctx.today)
    ctx.payload["on_time"] = (
        claim.complaint_result_due is None or ctx.today <= claim.complaint_result_due
    )
    tell(ctx, creditor_users(claim), "arrears_complaint_answered", "投诉处理结果已答复。")


@CLAIM.handles("remind_confirmation")
def _remind_confirmation(ctx: ClaimAction) -> None:
    claim = ctx.claim
    if claim.confirm_due is not None and ctx.today <= claim.confirm_due:
        raise ValidationFailed(
            fields={"note": f"确认期限 {claim.confirm_due:%Y-%m-%d} 未到，无需催告（条例第十六条）"}
        )
    ctx.set(confirm_reminded=True)
    ctx.payload["confirm_due"] = str(claim.confirm_due) if claim.confirm_due else ""
    tell(
        ctx,
        department_staff(claim.department_id),
        "arrears_confirm_overdue",
        f"确认期限 {claim.confirm_due:%Y-%m-%d} 已过，请尽快核实确认该笔欠款（条例第十六条）。",
    )


@CLAIM.handles("complain")
def _complain(ctx: ClaimAction) -> None:
    """The creditor's complaint becomes a 12345 ticket (反映问题 · 拖欠企业账款) linked to
    the claim; the complaint's clocks start on the day it is filed."""
    from qitong.tickets.services import TicketInput, ticket_create

    args = ctx.args(ComplainIn)
    claim = ctx.claim
    assert ctx.user is not None
    ticket, _ = ticket_create(
        data=TicketInput(
            type="problem_report",
            category="payments.government",
            urgency="normal",
            channel="web",
            title=f"{claim.debtor.name}拖欠账款（合同 {claim.contract_number}）"[:200],
            content=f"{args.content}\n\n（清欠台账 {claim.number}：欠款 {_yuan(claim.owed)} 元，"
            f"未清偿 {_yuan(claim.balance)} 元，法定付款期限 {claim.due_on:%Y-%m-%d}）",
            contact_phone=ctx.user.phone or "",
            contact_name=ctx.user.display_name or "",
            problem_category="arrears",
        ),
        user=ctx.user,
    )
    claim.tickets.add(ticket)
    clock = rules.complaint_clock(ctx.today, None, load_calendar())
    ctx.set(
        complaint_accepted_on=ctx.today,
        complaint_transfer_due=clock.transfer_due,
        complaint_department=None,
        complaint_received_on=None,
        complaint_result_due=None,
        complaint_result_latest=None,
        complaint_answered_on=None,
        complaint_urged_for=None,
    )
    ctx.payload.update(ticket=ticket.pk, ticket_number=ticket.number)
    tell(
        ctx,
        supervisors_of(claim),
        "arrears_complaint_filed",
        f"债权企业投诉拖欠（工单 {ticket.number}）。",
    )


@CLAIM.handles("urge")
def _urge(ctx: ClaimAction) -> None:
    claim = ctx.claim
    due = (
        claim.complaint_transfer_due
        if claim.complaint_received_on is None
        else claim.complaint_result_due
    )
    if ctx.actor.is_system:
        ctx.set(complaint_urged_for=due)
        ctx.payload["overdue"] = True
    ctx.payload["due"] = str(due) if due else ""
    target = claim.complaint_department_id or claim.department_id
    tell(ctx, department_staff(target), "arrears_urged", f"督办：{ctx.payload.get('note', '')}")


def interest_to(
    claim: Claim, as_of: dt.date, payments: Sequence[rules.Payment] | None = None
) -> Decimal:
    """The claim's late interest to `as_of`: from its stored terms when every repayment
    counts by then, else from the repayments themselves."""
    if payments is None and (claim.last_paid_day or 0) <= as_of.toordinal():
        days = as_of.toordinal()
        if days <= claim.due_day:
            return Decimal("0.00")
        total = claim.balance * days - claim.owed * claim.due_day + claim.paid_weighted
        return (total * claim.daily_rate).quantize(rules.CENT)
    if payments is None:
        payments = [
            rules.Payment(dt.date.fromordinal(r.effective_day), r.amount)
            for r in claim.repayments.exclude(status=RepaymentStatus.REJECTED)
        ]
    return rules.interest(
        owed=claim.owed, due_on=claim.due_on, rate=claim.daily_rate, payments=payments, as_of=as_of
    )
