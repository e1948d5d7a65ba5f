"""The desk's and the enterprise's steps of the loop (register, review, callback, merge,
withdraw, supplement, rate, oversight), and `ticket_act`, which runs every ticket action on
the workflow core (workflow.skeleton): lock, check the transition and the version, validate
the input (tickets.inputs), run the handler, save, ledger; notifications are rows written in
the same transaction whose SMS delivery runs after commit. The departments' handlers are in
tickets.services.departments, the consultations' in tickets.services.consulting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files import File

from qitong.accounts.actor import SYSTEM, actor_of
from qitong.accounts.models import User
from qitong.core.errors import ValidationFailed
from qitong.core.uploads import CheckedFile, check_uploads
from qitong.core.workdays import LOCAL_TZ, add_working_days
from qitong.ledger.models import Event
from qitong.ledger.services import ledger_record
from qitong.notifications.services import notify_all
from qitong.tickets import inputs as I
from qitong.tickets.deadlines import compute_due
from qitong.tickets.models import Assignment, Offer, OfferState, PendingDecision, Ticket
from qitong.tickets.rollup import contribution, rollup_apply
from qitong.tickets.selectors import tickets_visible_to
from qitong.tickets.services import consulting, departments  # noqa: F401 — their handlers register
from qitong.tickets.services.attachments import store_attachments
from qitong.tickets.services.context import (
    SUBJECT,
    Ctx,
    Recipients,
    department_staff,
    desk_leads,
    tell,
    tell_enterprise,
)
from qitong.tickets.states import (
    CLOCK_RUNNING_STATES,
    DEPARTMENT_STATES,
    FINAL_STATES,
    Milestone,
    Satisfaction,
    TicketState,
)
from qitong.tickets.transitions import TICKET
from qitong.workflow.skeleton import Subject, act

SATISFIED_FROM = Satisfaction.FAIRLY_SATISFIED  # 3 基本满意 and above closes the ticket


def _finish(ctx: Ctx) -> None:
    """The ticket's part of the skeleton, after its handler: the files brought with the action
    (the enterprise's, or meant for it, are public; a draft's stay internal until signed off),
    and a final state closes the clock; whom the handler told is written in one go."""
    if ctx.notes:
        notify_all(ctx.notes)
    checked: list[CheckedFile] = ctx.extra.get("files") or []
    if checked and ctx.user is not None:
        ctx.payload["attachments"] = store_attachments(
            ticket=ctx.ticket,
            files=checked,
            user=ctx.user,
            internal=not ctx.transition.public_files or ctx.draft is not None,
        )
        if ctx.draft is not None:
            ctx.draft.attachment_ids = [a["id"] for a in ctx.payload["attachments"]]
            ctx.draft.save(update_fields=["attachment_ids"])
    if ctx.ticket.state != ctx.from_state and ctx.ticket.state in FINAL_STATES:
        ctx.set(closed_at=ctx.now, milestone="", due_at=None, warn_at=None)
    rollup_apply(ctx.counted_before, contribution(ctx.ticket))


TICKETS: Subject[Ticket] = Subject(
    machine=TICKET,
    scope=tickets_visible_to,
    context=Ctx,
    version_field="version",
    touched_field="updated_at",
    stale_message="该工单刚被他人处理过，请刷新后查看最新状态",
    finish=_finish,
    related=("enterprise", "category", "lead_department", "desk", "specialist"),
)


def ticket_act(
    *,
    ticket_id: int,
    action: str,
    user: User | None,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    files: list[File[Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Ticket:
    """Take `action` on a ticket as `user` (None = the system sweep), on the workflow core.

    NotFound if the ticket is outside the user's scope; Forbidden if the role may never take
    the action; Conflict if the state, a pending request or the version forbids it now;
    ValidationFailed naming each bad field. Nothing is written unless everything passes.
    """
    return ticket_act_changes(
        ticket_id=ticket_id,
        action=action,
        user=user,
        data=data,
        expected_version=expected_version,
        files=files,
        extra=extra,
    )[0]


def ticket_act_changes(
    *,
    ticket_id: int,
    action: str,
    user: User | None,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    files: list[File[Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[Ticket, frozenset[str]]:
    """`ticket_act`, and the fields the action changed: the saved ticket (with what its page
    shows already loaded) answers the caller without being read again."""
    actor = actor_of(user) if user is not None else SYSTEM
    checked = check_uploads(list(files or []))
    ctx = act(
        TICKETS,
        pk=ticket_id,
        action=action,
        actor=actor,
        user=user,
        data=data,
        expected_version=expected_version,
        extra={**(extra or {}), "files": checked},
    )
    return ctx.subject, frozenset(ctx.changed)


@TICKET.handles("register")
def _register(ctx: Ctx) -> None:
    if ctx.user is not None and ctx.user.desk_id and not ctx.ticket.desk_id:
        ctx.set(desk_id=ctx.user.desk_id)
    ctx.start_milestone(Milestone.DISPATCH, due_field="due_dispatch_at")
    tell_enterprise(ctx, "ticket_registered", "您的诉求已受理，我们将尽快办理。")


@TICKET.handles("reject")
def _reject(ctx: Ctx) -> None:
    reason = ctx.args(I.RejectIn).reason
    tell_enterprise(ctx, "ticket_rejected", f"您的诉求未予受理，理由：{reason}")


@TICKET.handles("accept_reply")
def _accept_reply(ctx: Ctx) -> None:
    ctx.start_milestone(Milestone.CALLBACK, due_field="due_callback_at")
    tell_enterprise(ctx, "ticket_answered", "您的诉求已办理答复，我们将进行回访。")


@TICKET.handles("send_back", "redo")
def _redo_round(ctx: Ctx) -> None:
    """Back to the lead department for another round (the desk's review or the callback)."""
    ctx.set(redo_count=ctx.ticket.redo_count + 1, callback_dissatisfied=False)
    ctx.start_milestone(Milestone.REPLY, due_field="due_reply_at")
    tell(
        department_staff(ctx.ticket.lead_department_id),
        ctx,
        "ticket_redo",
        f"工单需重新办理：{ctx.payload['note']}",
    )


@TICKET.handles("callback")
def _callback(ctx: Ctx) -> None:
    given = ctx.args(I.CallbackIn)
    ctx.payload.update(satisfaction=given.satisfaction, resolved=given.resolved)
    ctx.set(satisfaction=given.satisfaction, resolved=given.resolved)
    if (given.satisfaction or 0) >= SATISFIED_FROM:
        ctx.go(TicketState.CLOSED)
        tell_enterprise(ctx, "ticket_closed", "您的诉求已办结，感谢您的评价。")
    else:
        ctx.stay()
        ctx.set(callback_dissatisfied=True)
        ctx.stop_clock()


@TICKET.handles("close")
def _close(ctx: Ctx) -> None:
    ctx.set(callback_dissatisfied=False)
    tell_enterprise(ctx, "ticket_closed", "您的诉求已办结。")


@TICKET.handles("merge")
def _merge(ctx: Ctx) -> None:
    pk = ctx.args(I.MergeIn).into
    assert pk is not None  # the schema requires it
    master = tickets_visible_to(ctx.actor).select_for_update().filter(pk=pk).first()
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


@TICKET.handles("withdraw")
def _withdraw(ctx: Ctx) -> None:
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


@TICKET.handles("supplement")
def _supplement(ctx: Ctx) -> None:
    tell(
        department_staff(ctx.ticket.lead_department_id),
        ctx,
        "ticket_supplemented",
        "企业已补充材料，请查看后恢复办理",
    )


@TICKET.handles("rate")
def _rate(ctx: Ctx) -> None:
    given = ctx.args(I.RateIn)
    ctx.payload["rating"] = given.rating
    ctx.set(enterprise_rating=given.rating, enterprise_comment=given.comment)


def _oversight(ctx: Ctx, flag: str, kind: str, text: str) -> None:
    ticket = ctx.ticket
    ctx.set(**{flag: ticket.milestone})
    ctx.payload["milestone"] = ticket.milestone
    target: Recipients
    if ticket.lead_department_id and ticket.state in DEPARTMENT_STATES:
        target = department_staff(ticket.lead_department_id)
    elif (
        ticket.state == TicketState.WITH_SPECIALIST and ticket.specialist and ticket.specialist.user
    ):
        target = [ticket.specialist.user]
    else:
        target = desk_leads(ticket)
    tell(target, ctx, kind, text)


@TICKET.handles("remind")
def _remind(ctx: Ctx) -> None:
    _oversight(ctx, "reminded_for", "ticket_reminded", "催办：请在时限内办理")


@TICKET.handles("escalate")
def _escalate(ctx: Ctx) -> None:
    _oversight(
        ctx, "escalated_for", "ticket_escalated", "督办：工单已超期或被督办，请立即办理并说明情况"
    )


DUE_FIELDS = {
    Milestone.REGISTER: "due_register_at",
    Milestone.DISPATCH: "due_dispatch_at",
    Milestone.SIGN: "due_sign_at",
    Milestone.REPLY: "due_reply_at",
    Milestone.CALLBACK: "due_callback_at",
}


@TICKET.handles("recompute_deadline")
def _recompute_deadline(ctx: Ctx) -> None:
    """The running milestone's deadline counted again from its start (the event that started
    it, which recorded it under payload.due) with the calendar as it is now; an approved
    extension is added again. A clock suspended since its start is left alone (the pause
    moved it; the reason is recorded)."""
    ticket = ctx.ticket
    milestone = ticket.milestone
    if not milestone or ticket.due_at is None:
        ctx.payload["unchanged"] = "no running clock"
        return
    events = Event.objects.filter(subject_type=SUBJECT, subject_id=str(ticket.pk)).order_by("-seq")
    start = None
    for event in events.only("occurred_at", "action", "payload"):
        if event.action == "resume":
            ctx.payload["unchanged"] = "suspended since the clock started"
            return
        if milestone in (event.payload or {}).get("due", {}):
            start = event.occurred_at
            break
    if start is None:
        ctx.payload["unchanged"] = "start of the clock not found"
        return
    due = compute_due(
        start=start,
        ticket_type=ticket.type,
        urgency=ticket.urgency,
        milestone=milestone,
        policies=ctx.policies,
        calendar=ctx.calendar,
        working=ctx.working_hours,
    )
    new_due, warn_at = due.due_at, due.warn_at
    if milestone == Milestone.REPLY and ticket.extension_days:
        new_due = add_working_days(new_due, ticket.extension_days, ctx.calendar)
    if new_due == ticket.due_at:
        ctx.payload["unchanged"] = "same deadline"
        return
    ctx.payload.update(
        milestone=milestone, before=ticket.due_at.isoformat(), due=new_due.isoformat()
    )
    ctx.set(due_at=new_due, warn_at=warn_at, **{DUE_FIELDS[Milestone(milestone)]: new_due})


def deadlines_recompute(*, year: int) -> int:
    """Every running clock due in `year` counted again (a system action each, on the ledger);
    how many deadlines moved. Run when the year's holidays are loaded."""
    start = dt.datetime(year, 1, 1, tzinfo=LOCAL_TZ)
    end = dt.datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
    ids = Ticket.objects.filter(
        state__in=CLOCK_RUNNING_STATES, due_at__gte=start, due_at__lt=end
    ).values_list("pk", flat=True)
    moved = 0
    for pk in list(ids):
        _, changed = ticket_act_changes(ticket_id=pk, action="recompute_deadline", user=None)
        moved += int("due_at" in changed)
    return moved
