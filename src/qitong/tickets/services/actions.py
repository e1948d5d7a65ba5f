"""Every lifecycle action after intake, through one function, `ticket_act`.

One transaction per action, in STYLE habit 1's order: lock the ticket row, check the
transition (tickets.transitions) and the caller's version, validate the action's fields,
change the ticket with save(update_fields=...), append one ledger event; notifications are
rows written in the same transaction whose SMS delivery runs after commit.
"""

from __future__ import annotations

from typing import Any

from django.core.files import File
from django.db import transaction

from qitong.accounts.actor import SYSTEM, actor_of
from qitong.accounts.models import User
from qitong.core import clock
from qitong.core.errors import Conflict, NotFound, ValidationFailed
from qitong.ledger.services import ledger_record
from qitong.routing.models import Offer, OfferState
from qitong.tickets.models import Assignment, PendingDecision, Ticket
from qitong.tickets.selectors import tickets_visible_to
from qitong.tickets.services.attachments import check_uploads, store_attachments
from qitong.tickets.services.consulting import CONSULTING_HANDLERS
from qitong.tickets.services.context import (
    SUBJECT,
    Ctx,
    Handler,
    department_staff,
    desk_leads,
    tell,
    tell_enterprise,
    whole,
)
from qitong.tickets.services.departments import DEPARTMENT_HANDLERS
from qitong.tickets.states import (
    DEPARTMENT_STATES,
    FINAL_STATES,
    Milestone,
    Satisfaction,
    TicketState,
)
from qitong.tickets.transitions import check_transition

SATISFIED_FROM = Satisfaction.FAIRLY_SATISFIED  # 3 基本满意 and above closes the ticket


# Files brought by these actions are the enterprise's or meant for it; others are internal.
PUBLIC_FILE_ACTIONS = frozenset({"supplement", "reply", "answer", "specialist_reply"})


def ticket_act(
    *,
    ticket_id: int,
    action: str,
    user: User | None,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    files: list[File[Any]] | None = None,
) -> Ticket:
    """Take `action` on a ticket as `user` (None = the system sweep).

    NotFound if the ticket is outside the user's scope; Forbidden if the role may never take
    the action; Conflict if the state, a pending request or the version forbids it now;
    ValidationFailed naming each bad field. Nothing is written unless everything passes.
    """
    actor = actor_of(user) if user is not None else SYSTEM
    checked = check_uploads(list(files or []))
    with transaction.atomic():
        ticket = tickets_visible_to(actor).select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound()
        if expected_version is not None and ticket.version != expected_version:
            raise Conflict("该工单刚被他人处理过，请刷新后查看最新状态", code="stale_version")
        transition = check_transition(ticket, actor, action)
        ctx = Ctx(
            ticket=ticket,
            user=user,
            actor=actor,
            transition=transition,
            data=dict(data or {}),
            now=clock.now(),
            to_state=transition.target,
        )
        from_state = ticket.state
        HANDLERS[action](ctx)
        if checked and user is not None:
            ctx.payload["attachments"] = store_attachments(
                ticket=ticket,
                files=checked,
                user=user,
                internal=action not in PUBLIC_FILE_ACTIONS or ctx.draft is not None,
            )
            if ctx.draft is not None:
                ctx.draft.attachment_ids = [a["id"] for a in ctx.payload["attachments"]]
                ctx.draft.save(update_fields=["attachment_ids"])
        if ctx.to_state and ctx.to_state != from_state:
            ctx.set(state=ctx.to_state)
            if ctx.to_state in FINAL_STATES:
                ctx.set(closed_at=ctx.now, milestone="", due_at=None, warn_at=None)
        ctx.set(version=ticket.version + 1, updated_at=ctx.now)
        ticket.save(update_fields=sorted(ctx.changed))
        ledger_record(
            subject_type=SUBJECT,
            subject_id=ticket.pk,
            action=action,
            actor=user,
            from_state=from_state,
            to_state=ticket.state,
            payload=ctx.payload,
            at=ctx.now,
        )
    return ticket


def _register(ctx: Ctx) -> None:
    if ctx.user is not None and ctx.user.desk_id and not ctx.ticket.desk_id:
        ctx.set(desk_id=ctx.user.desk_id)
    ctx.start_milestone(Milestone.DISPATCH, due_field="due_dispatch_at")
    tell_enterprise(ctx, "ticket_registered", "您的诉求已受理，我们将尽快办理。")


def _reject(ctx: Ctx) -> None:
    reason = ctx.text("reason", "不予受理的理由")
    tell_enterprise(ctx, "ticket_rejected", f"您的诉求未予受理，理由：{reason}")


def _accept_reply(ctx: Ctx) -> None:
    ctx.text("note", "审核意见", required=False)
    ctx.start_milestone(Milestone.CALLBACK, due_field="due_callback_at")
    tell_enterprise(ctx, "ticket_answered", "您的诉求已办理答复，我们将进行回访。")


def _redo_round(ctx: Ctx, label: str) -> None:
    ctx.text("note", label)
    ctx.set(redo_count=ctx.ticket.redo_count + 1, callback_dissatisfied=False)
    ctx.start_milestone(Milestone.REPLY, due_field="due_reply_at")
    tell(
        department_staff(ctx.ticket.lead_department_id),
        ctx,
        "ticket_redo",
        f"工单需重新办理：{ctx.payload['note']}",
    )


def _send_back(ctx: Ctx) -> None:
    _redo_round(ctx, "退回重办的理由")


def _callback(ctx: Ctx) -> None:
    satisfaction = whole(ctx.data.get("satisfaction"))
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(
            fields={"satisfaction": "满意度应为 1（非常不满意）到 5（非常满意）"}
        )
    resolved = ctx.data.get("resolved")
    if not isinstance(resolved, bool):
        raise ValidationFailed(fields={"resolved": "请选择问题是否解决"})
    ctx.text("note", "回访记录", required=False)
    ctx.payload.update(satisfaction=satisfaction, resolved=resolved)
    ctx.set(satisfaction=satisfaction, resolved=resolved)
    if satisfaction >= SATISFIED_FROM:
        ctx.to_state = TicketState.CLOSED
        tell_enterprise(ctx, "ticket_closed", "您的诉求已办结，感谢您的评价。")
    else:
        ctx.set(callback_dissatisfied=True)
        ctx.stop_clock()


def _redo(ctx: Ctx) -> None:
    _redo_round(ctx, "重办要求")


def _close(ctx: Ctx) -> None:
    ctx.text("reason", "不满意仍办结的理由")
    ctx.set(callback_dissatisfied=False)
    tell_enterprise(ctx, "ticket_closed", "您的诉求已办结。")


def _merge(ctx: Ctx) -> None:
    pk = whole(ctx.data.get("into"))
    visible = tickets_visible_to(ctx.actor).select_for_update()
    master = visible.filter(pk=pk).first() if pk is not None else None
    if master is None:
        raise ValidationFailed(fields={"into": "请填写要并入的主工单（须在您的辖区内）"})
    if master.pk == ctx.ticket.pk:
        raise ValidationFailed(fields={"into": "不能并入自身"})
    if master.state in FINAL_STATES:
        raise ValidationFailed(
            fields={"into": f"主工单 {master.number} 已{master.get_state_display()}，不能并入"}
        )
    ctx.set(merged_into=master)
    ctx.payload.update(into=master.pk, into_number=master.number)
    ledger_record(
        subject_type=SUBJECT,
        subject_id=master.pk,
        action="merged_in",
        actor=ctx.user,
        from_state=master.state,
        to_state=master.state,
        at=ctx.now,
        payload={"ticket": ctx.ticket.pk, "number": ctx.ticket.number},
    )
    tell_enterprise(ctx, "ticket_merged", f"您的诉求与工单 {master.number} 合并办理。")


def _withdraw(ctx: Ctx) -> None:
    ctx.text("reason", "撤单原因", required=False)
    held_by = [ctx.ticket.lead_department_id, *ctx.ticket.assist_pending]
    Assignment.objects.filter(ticket=ctx.ticket, active=True).update(active=False)
    PendingDecision.objects.filter(ticket=ctx.ticket, decided_at__isnull=True).update(
        decided_at=ctx.now, approved=False, decision_note="工单已撤销"
    )
    Offer.objects.filter(ticket=ctx.ticket, state=OfferState.PENDING).update(
        state=OfferState.WITHDRAWN, decided_at=ctx.now
    )
    ctx.set(pending_request="", assist_pending=[])
    for department_id in held_by:
        tell(
            department_staff(department_id),
            ctx,
            "ticket_withdrawn",
            "该诉求已撤回，无需继续办理",
        )


def _supplement(ctx: Ctx) -> None:
    ctx.text("note", "补充说明")
    tell(
        department_staff(ctx.ticket.lead_department_id),
        ctx,
        "ticket_supplemented",
        "企业已补充材料，请查看后恢复办理",
    )


def _rate(ctx: Ctx) -> None:
    rating = whole(ctx.data.get("rating"))
    if rating not in Satisfaction.values:
        raise ValidationFailed(fields={"rating": "评价应为 1（非常不满意）到 5（非常满意）"})
    ctx.text("comment", "评价意见", required=False)
    ctx.payload["rating"] = rating
    ctx.set(enterprise_rating=rating)


def _oversight(ctx: Ctx, flag: str, kind: str, text: str) -> None:
    ctx.text("note", "说明", required=False)
    ticket = ctx.ticket
    ctx.set(**{flag: ticket.milestone})
    ctx.payload["milestone"] = ticket.milestone
    if ticket.lead_department_id and ticket.state in DEPARTMENT_STATES:
        target = department_staff(ticket.lead_department_id)
    elif (
        ticket.state == TicketState.WITH_SPECIALIST and ticket.specialist and ticket.specialist.user
    ):
        target = [ticket.specialist.user]
    else:
        target = desk_leads(ticket)
    tell(target, ctx, kind, text)


def _remind(ctx: Ctx) -> None:
    _oversight(ctx, "reminded_for", "ticket_reminded", "催办：请在时限内办理")


def _escalate(ctx: Ctx) -> None:
    _oversight(
        ctx, "escalated_for", "ticket_escalated", "督办：工单已超期或被督办，请立即办理并说明情况"
    )


HANDLERS: dict[str, Handler] = {
    "register": _register,
    "reject": _reject,
    "accept_reply": _accept_reply,
    "send_back": _send_back,
    "callback": _callback,
    "redo": _redo,
    "close": _close,
    "merge": _merge,
    "withdraw": _withdraw,
    "supplement": _supplement,
    "rate": _rate,
    "remind": _remind,
    "escalate": _escalate,
    **CONSULTING_HANDLERS,
    **DEPARTMENT_HANDLERS,
}
