"""A claim as a reader may see it: one flat mapping the API's ClaimOut and the pages share.
Money is a decimal string (two places) beside a display form with thousands separators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from qitong.accounts.actor import Actor
from qitong.accounts.roles import Role
from qitong.arrears.handlers import interest_to
from qitong.arrears.models import Claim
from qitong.arrears.rules import overdue_days
from qitong.arrears.states import (
    OPEN_STATES,
    ClaimState,
    ContractKind,
    DebtorKind,
    DebtorLevel,
    FileKind,
    RepaymentMethod,
    RepaymentStatus,
)
from qitong.arrears.transitions import CLAIM, event_label
from qitong.core.workdays import local_today
from qitong.ledger.models import Event


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def rate_label(claim: Claim) -> str:
    if claim.agreed_rate is not None:
        return f"约定年利率 {claim.agreed_rate.normalize():f}%（按日计 1/365）"
    return "未约定，按每日万分之五（条例第十七条）"


def present(claim: Claim, actor: Actor, *, today: dt.date | None = None) -> dict[str, Any]:
    today = today or local_today()
    overdue = claim.is_overdue(today)
    interest = interest_to(claim, today) if claim.state != ClaimState.WRITTEN_OFF else None
    debtor = claim.debtor
    return {
        "id": claim.pk,
        "number": claim.number,
        "state": claim.state,
        "state_label": ClaimState(claim.state).label,
        "version": claim.version,
        "source": claim.source,
        "source_label": claim.get_source_display(),
        "debtor": {
            "id": debtor.pk,
            "name": debtor.name,
            "credit_code": debtor.credit_code,
            "kind": claim.debtor_kind,
            "kind_label": DebtorKind(claim.debtor_kind).label,
            "level": claim.debtor_level,
            "level_label": DebtorLevel(claim.debtor_level).label,
            "region_code": claim.region_code,
        },
        "department_id": claim.department_id,
        "creditor": {
            "id": claim.creditor_id,
            "name": claim.creditor.name,
            "credit_code": claim.creditor.credit_code,
        },
        "creditor_sme": claim.creditor_sme,
        "contract": {
            "number": claim.contract_number,
            "kind": claim.contract_kind,
            "kind_label": ContractKind(claim.contract_kind).label,
            "amount": money(claim.contract_amount),
            "signed_on": claim.signed_on,
            "delivered_on": claim.delivered_on,
            "accepted_on": claim.accepted_on,
            "acceptance_days": claim.acceptance_days,
            "settlement_confirmed_on": claim.settlement_confirmed_on,
            "agreed_days": claim.agreed_days,
            "agreed_rate": None if claim.agreed_rate is None else f"{claim.agreed_rate:.3f}",
            "lpr": None if claim.lpr is None else f"{claim.lpr:.2f}",
            "back_to_back": claim.back_to_back,
            "non_cash_agreed": claim.non_cash_agreed,
        },
        "due_on": claim.due_on,
        "due_rule": claim.due_rule,
        "overdue": overdue,
        "overdue_days": overdue_days(claim.due_on, today) if overdue else 0,
        "owed": money(claim.owed),
        "disputed": money(claim.disputed),
        "undisputed": money(claim.undisputed),
        "repaid": money(claim.repaid),
        "confirmed": money(claim.confirmed),
        "unconfirmed": money(claim.repaid - claim.confirmed),
        "balance": money(claim.balance),
        "interest": money(interest),
        "interest_as_of": today,
        "rate_label": rate_label(claim),
        "display": {
            "owed": yuan(claim.owed),
            "repaid": yuan(claim.repaid),
            "balance": yuan(claim.balance),
            "disputed": yuan(claim.disputed),
            "interest": yuan(interest),
            "contract_amount": yuan(claim.contract_amount),
        },
        "in_litigation": claim.in_litigation,
        "plan": claim.plan,
        "confirm_due": claim.confirm_due,
        "confirm_overdue": claim.state == ClaimState.REGISTERED
        and claim.confirm_due is not None
        and today > claim.confirm_due,
        "confirm_reminded": claim.confirm_reminded,
        "verified_at": claim.verified_at,
        "complaint": _complaint(claim, today),
        "registered_at": claim.registered_at,
        "repaid_at": claim.repaid_at,
        "closed_at": claim.closed_at,
        "allowed_actions": CLAIM.allowed(claim, actor),
    }


def _complaint(claim: Claim, today: dt.date) -> dict[str, Any] | None:
    if claim.complaint_accepted_on is None:
        return None
    waiting_transfer = claim.complaint_received_on is None
    due = claim.complaint_transfer_due if waiting_transfer else claim.complaint_result_due
    answered = claim.complaint_answered_on is not None
    return {
        "accepted_on": claim.complaint_accepted_on,
        "transfer_due": claim.complaint_transfer_due,
        "department_id": claim.complaint_department_id,
        "department": claim.complaint_department.name if claim.complaint_department else "",
        "received_on": claim.complaint_received_on,
        "result_due": claim.complaint_result_due,
        "result_latest": claim.complaint_result_latest,
        "answered_on": claim.complaint_answered_on,
        "urged_for": claim.complaint_urged_for,
        "stage": "answered" if answered else "transfer" if waiting_transfer else "handling",
        # a claim settled or written off carries no running complaint clock
        "overdue": claim.state in OPEN_STATES and not answered and due is not None and today > due,
    }


def present_detail(claim: Claim, actor: Actor) -> dict[str, Any]:
    """The claim page and GET /claims/{id}: plus repayments, files, links and history."""
    out = present(claim, actor)
    out["repayments"] = [
        {
            "id": r.pk,
            "paid_on": r.paid_on,
            "matures_on": r.matures_on,
            "amount": money(r.amount),
            "amount_display": yuan(r.amount),
            "method": r.method,
            "method_label": RepaymentMethod(r.method).label,
            "offset_detail": r.offset_detail,
            "document": r.document,
            "note": r.note,
            "days_overdue": r.days_overdue,
            "status": r.status,
            "status_label": RepaymentStatus(r.status).label,
            "answered_at": r.answered_at,
            "answer_note": r.answer_note,
            "files": [{"id": f.pk, "name": f.original_name} for f in r.files.all()],
        }
        for r in claim.repayments.prefetch_related("files").order_by("paid_on", "id")
    ]
    out["files"] = [
        {
            "id": f.pk,
            "name": f.original_name,
            "kind": f.kind,
            "kind_label": FileKind(f.kind).label,
            "size": f.size,
            "sha256": f.sha256,
            "uploaded_at": f.uploaded_at,
        }
        for f in claim.files.order_by("uploaded_at", "id")
    ]
    staff = actor.role != Role.ENTERPRISE
    out["tickets"] = [
        {"id": t.pk, "number": t.number, "title": t.title, "state_label": t.get_state_display()}
        for t in claim.tickets.all()
    ]
    out["problems"] = (
        [
            {"id": p.pk, "number": p.number, "title": p.title, "state_label": p.get_state_display()}
            for p in claim.problems.all()
        ]
        if staff
        else []
    )
    out["timeline"] = timeline(claim, staff=staff, me=actor.user_id)
    return out


NOTE_KEYS = ("note", "reason", "outcome", "result", "comment")


def timeline(claim: Claim, *, staff: bool = True, me: int | None = None) -> list[dict[str, Any]]:
    """The claim's ledger events; the creditor reads who acted as a role, not a name (its
    own steps as 本企业)."""
    events = Event.objects.filter(subject_type=CLAIM.name, subject_id=str(claim.pk)).order_by("seq")
    out = []
    for e in events:
        payload = e.payload or {}
        note = next((str(payload[k]) for k in NOTE_KEYS if payload.get(k)), "")
        out.append(
            {
                "seq": e.seq,
                "at": e.occurred_at,
                "action": e.action,
                "label": _label(e.action, payload),
                "actor": e.actor_display
                if staff
                else "本企业"
                if me is not None and e.actor_id == me
                else _role_only(e.actor_display),
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": note,
                "figures": _figures(payload),
                "files": payload.get("files", []),
            }
        )
    return out


def _role_only(display: str) -> str:
    return "工作人员" if display and display != "系统" else display


def _label(action: str, payload: dict[str, Any]) -> str:
    if action == "plan" and payload.get("revised"):
        return "修订还款计划"
    if action == "urge" and payload.get("overdue"):
        return "发督办书（逾期自动）"
    return event_label(action)


def _text(raw: Any) -> str:
    """A recorded amount ("2420000.00") with thousands separators."""
    try:
        return f"{Decimal(str(raw)):,.2f}"
    except ArithmeticError:
        return str(raw)


def _figures(payload: dict[str, Any]) -> str:
    """The money an event moved, worded (the old value kept beside the new one)."""
    parts = []
    if "from_owed" in payload:
        parts.append(f"欠款金额 {_text(payload['from_owed'])} → {_text(payload['owed'])} 元")
    if (
        "from_disputed" in payload
        and "disputed" in payload
        and (payload["from_disputed"] != payload["disputed"])
    ):
        parts.append(
            f"有争议金额 {_text(payload['from_disputed'])} → {_text(payload['disputed'])} 元"
        )
    if payload.get("amount") and "repayment" in payload:
        parts.append(f"金额 {_text(payload['amount'])} 元")
    if payload.get("corrects"):
        parts.append(f"更正第 {payload['corrects']} 条记录")
    return "；".join(parts)
