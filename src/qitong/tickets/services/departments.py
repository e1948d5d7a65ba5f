"""The departments' part of the loop: dispatch and reassignment, signing, return and
extension requests and their decisions, suspension, assisting opinions (协办), the reply and
its optional sign-off by the department leader (审签). Handlers of the ticket machine."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from qitong.core.errors import ValidationFailed
from qitong.core.workdays import add_working_days, working_minutes
from qitong.directory.models import Department
from qitong.tickets import inputs as I
from qitong.tickets.deadlines import compute_due
from qitong.tickets.models import Assignment, Attachment, PendingDecision
from qitong.tickets.services.context import (
    Ctx,
    active_department,
    department_leaders,
    department_staff,
    desk_leads,
    tell,
    tell_enterprise,
)
from qitong.tickets.states import Milestone, RequestKind
from qitong.tickets.transitions import TICKET, reply_needs_signoff


def _assign(ctx: Ctx, lead: Department, assisting: list[Department]) -> None:
    """A fresh division of work (dispatch): the lead and the assisting departments, each
    notified; the previous assignments end. (Active assignments exist only while there is a
    lead department: whatever clears it ends them too, so a first dispatch has none to end.)"""
    if ctx.ticket.lead_department_id is not None:
        Assignment.objects.filter(ticket=ctx.ticket, active=True).update(active=False)
    Assignment.objects.bulk_create(
        Assignment(ticket=ctx.ticket, department=d, role=role, dispatched_at=ctx.now)
        for d, role in [
            (lead, Assignment.Role.LEAD),
            *[(d, Assignment.Role.ASSISTING) for d in assisting],
        ]
    )
    ctx.set(lead_department=lead, assist_pending=[d.pk for d in assisting])
    if ctx.ticket.dispatched_at is None:
        ctx.set(dispatched_at=ctx.now)
    _new_lead(ctx)
    ctx.payload.update(
        department=lead.pk, department_name=lead.name, assisting=[d.pk for d in assisting]
    )
    _start_sign_clock(ctx)
    tell(department_staff(lead.pk), ctx, "ticket_dispatched", "有新派发的工单，请及时签收办理")
    for department in assisting:
        tell(
            department_staff(department.pk),
            ctx,
            "ticket_dispatched",
            f"有新派发的协办工单（主办：{lead.name}），请在答复时限前向主办单位反馈协办意见",
        )


_LEAD_FACTS = ("signed_at", "signed_on_time", "replied_at", "replied_on_time", "reply_minutes")


def _new_lead(ctx: Ctx) -> None:
    """A (new) lead department: what the hotline counts of the lead starts again."""
    ctx.set(lead_since=ctx.now, **dict.fromkeys(_LEAD_FACTS))


def _no_lead(ctx: Ctx) -> None:
    ctx.set(lead_since=None, **dict.fromkeys(_LEAD_FACTS))


def _start_sign_clock(ctx: Ctx) -> None:
    """Sign, then reply: both deadlines run from the moment of (re-)dispatch."""
    ctx.start_milestone(Milestone.SIGN, due_field="due_sign_at")
    reply = compute_due(
        start=ctx.now,
        ticket_type=ctx.ticket.type,
        urgency=ctx.ticket.urgency,
        milestone=Milestone.REPLY,
        policies=ctx.policies,
        calendar=ctx.calendar,
        working=ctx.working_hours,
    )
    ctx.set(due_reply_at=reply.due_at)
    ctx.payload["due"]["reply"] = reply.due_at.isoformat()


@TICKET.handles("dispatch")
def _dispatch(ctx: Ctx) -> None:
    given = ctx.args(I.DispatchIn)
    lead = active_department(given.department, "department")
    assisting: list[Department] = []
    for i, raw in enumerate(given.assisting):
        department = active_department(raw, f"assisting.{i}")
        if department.pk == lead.pk or department in assisting:
            raise ValidationFailed(
                fields={f"assisting.{i}": "协办单位不能与主办单位或其他协办单位重复"}
            )
        assisting.append(department)
    _assign(ctx, lead, assisting)
    tell_enterprise(ctx, "ticket_dispatched", f"您的诉求已转 {lead.name} 办理。")


@TICKET.handles("sign")
def _sign(ctx: Ctx) -> None:
    assert ctx.actor.department_id is not None  # the transition's relation guarantees it
    Assignment.objects.filter(
        ticket=ctx.ticket,
        active=True,
        department_id=ctx.actor.department_id,
        signed_at__isnull=True,
    ).update(signed_at=ctx.now)
    due = ctx.ticket.due_sign_at
    ctx.set(signed_at=ctx.now, signed_on_time=due is None or ctx.now <= due)
    ctx.resume_milestone(Milestone.REPLY, ctx.ticket.due_reply_at)


def _open_request(ctx: Ctx, kind: RequestKind, reason: str, **extra: Any) -> None:
    assert ctx.user is not None
    PendingDecision.objects.create(
        ticket=ctx.ticket,
        kind=kind,
        reason=reason,
        requested_by=ctx.user,
        requested_at=ctx.now,
        **extra,
    )
    ctx.set(pending_request=kind)
    tell(desk_leads(ctx.ticket), ctx, f"{kind}_requested", f"承办单位提交了{kind.label}，请审批")


@TICKET.handles("request_return")
def _request_return(ctx: Ctx) -> None:
    given = ctx.args(I.RequestReturnIn)
    _open_request(ctx, RequestKind.RETURN, given.reason, legal_basis=given.legal_basis)


@TICKET.handles("request_extension")
def _request_extension(ctx: Ctx) -> None:
    given = ctx.args(I.RequestExtensionIn)
    ctx.payload["days"] = given.days
    _open_request(ctx, RequestKind.EXTENSION, given.reason, days=given.days)


def _decide(ctx: Ctx, kind: RequestKind, approved: bool) -> PendingDecision:
    """Decide the pending request (the refusals' schemas require the note)."""
    request = PendingDecision.objects.select_for_update().get(
        ticket=ctx.ticket, kind=kind, decided_at__isnull=True
    )
    note = str(ctx.payload.get("note", ""))
    request.approved, request.decided_by, request.decided_at = approved, ctx.user, ctx.now
    request.decision_note = note
    request.save(update_fields=["approved", "decided_by", "decided_at", "decision_note"])
    ctx.set(pending_request="")
    ctx.payload["request"] = request.pk
    verdict = "已同意" if approved else f"未同意（{note}）"
    tell(
        department_staff(ctx.ticket.lead_department_id),
        ctx,
        f"{kind}_decided",
        f"您的{kind.label}{verdict}",
    )
    return request


@TICKET.handles("approve_return")
def _approve_return(ctx: Ctx) -> None:
    _decide(ctx, RequestKind.RETURN, True)
    Assignment.objects.filter(ticket=ctx.ticket, active=True).update(active=False)
    ctx.set(lead_department=None, assist_pending=[], due_sign_at=None, due_reply_at=None)
    ctx.set(returned_count=ctx.ticket.returned_count + 1)
    _no_lead(ctx)
    ctx.start_milestone(Milestone.DISPATCH, due_field="due_dispatch_at")


@TICKET.handles("refuse_return")
def _refuse_return(ctx: Ctx) -> None:
    _decide(ctx, RequestKind.RETURN, False)


@TICKET.handles("approve_extension")
def _approve_extension(ctx: Ctx) -> None:
    request = _decide(ctx, RequestKind.EXTENSION, True)
    days = request.days or 0
    ticket = ctx.ticket
    base = ticket.due_reply_at or ctx.now
    new_due = add_working_days(base, days, ctx.calendar)
    ctx.set(due_reply_at=new_due, extension_days=ticket.extension_days + days)
    if ticket.milestone == Milestone.REPLY:
        ctx.resume_milestone(Milestone.REPLY, new_due)
    ctx.payload.update(days=days, due_reply_at=new_due.isoformat())
    tell_enterprise(
        ctx, "ticket_extended", f"办理期限经批准延长 {days} 个工作日，至 {new_due:%Y-%m-%d}。"
    )


@TICKET.handles("refuse_extension")
def _refuse_extension(ctx: Ctx) -> None:
    _decide(ctx, RequestKind.EXTENSION, False)


@TICKET.handles("suspend")
def _suspend(ctx: Ctx) -> None:
    ctx.set(suspended_at=ctx.now)
    tell_enterprise(ctx, "ticket_suspended", f"办理需要您补充材料：{ctx.payload['reason']}")


@TICKET.handles("resume")
def _resume(ctx: Ctx) -> None:
    """The clock was paused: every running deadline moves by the time spent suspended."""
    ticket = ctx.ticket
    paused = ctx.now - (ticket.suspended_at or ctx.now)
    shifted = {
        name: getattr(ticket, name) + paused
        for name in ("due_reply_at", "due_at", "warn_at")
        if getattr(ticket, name) is not None
    }
    ctx.set(suspended_at=None, **shifted)
    ctx.payload["paused_seconds"] = int(paused.total_seconds())


@TICKET.handles("assist")
def _assist(ctx: Ctx) -> None:
    """An assisting department's opinion to the lead; the ticket stays where it is."""
    department_id = ctx.actor.department_id
    assert department_id is not None  # the transition's relation guarantees it
    opinion = ctx.args(I.AssistIn).opinion
    Assignment.objects.filter(
        ticket=ctx.ticket,
        active=True,
        department_id=department_id,
        role=Assignment.Role.ASSISTING,
    ).update(replied_at=ctx.now, reply_text=opinion)
    ctx.set(assist_pending=[d for d in ctx.ticket.assist_pending if d != department_id])
    name = Department.objects.values_list("name", flat=True).get(pk=department_id)
    ctx.payload.update(department=department_id, department_name=name)
    tell(
        department_staff(ctx.ticket.lead_department_id),
        ctx,
        "ticket_assisted",
        f"协办单位 {name} 已反馈协办意见",
    )


@TICKET.handles("reply")
def _reply(ctx: Ctx) -> None:
    given = ctx.args(I.ReplyIn)
    result, explanation = str(given.result), given.explanation
    ctx.payload["result"] = result
    lead = ctx.ticket.lead_department
    assert lead is not None  # the transition's relation guarantees it
    if reply_needs_signoff(ctx.actor, lead.reply_needs_signoff):
        # Held for the leader: the ticket stays in progress and its clock keeps running.
        assert ctx.user is not None
        ctx.draft = PendingDecision.objects.create(
            ticket=ctx.ticket,
            kind=RequestKind.SIGNOFF,
            reason="",
            reply_result=result,
            reply_text=explanation,
            requested_by=ctx.user,
            requested_at=ctx.now,
        )
        ctx.set(pending_request=RequestKind.SIGNOFF)
        ctx.payload["signoff"] = "requested"
        ctx.stay()
        tell(department_leaders(lead.pk), ctx, "signoff_requested", "承办人提交了答复稿，请审签")
        return
    _replied(ctx, result, explanation)


def _replied(ctx: Ctx, result: str, explanation: str) -> None:
    ctx.set(reply_result=result, reply_text=explanation)
    ticket, due = ctx.ticket, ctx.ticket.due_reply_at
    start = ticket.lead_since or ticket.dispatched_at or ctx.now
    ctx.set(
        replied_at=ctx.now,
        replied_on_time=due is None or ctx.now <= due,
        reply_minutes=working_minutes(start, ctx.now, ctx.calendar, ctx.working_hours),
    )
    Assignment.objects.filter(ticket=ctx.ticket, active=True, role=Assignment.Role.LEAD).update(
        replied_at=ctx.now
    )
    ctx.stop_clock()
    tell(desk_leads(ctx.ticket), ctx, "ticket_replied", "承办单位已答复，请审核")


@TICKET.handles("approve_reply")
def _approve_reply(ctx: Ctx) -> None:
    """The leader signs the draft off (optionally amending its text): it becomes the reply."""
    draft = _decide(ctx, RequestKind.SIGNOFF, True)
    explanation = ctx.args(I.ApproveReplyIn).explanation or draft.reply_text
    if explanation != draft.reply_text:
        ctx.payload["amended"] = True
    ctx.payload["result"] = draft.reply_result
    Attachment.objects.filter(ticket=ctx.ticket, pk__in=draft.attachment_ids).update(internal=False)
    if draft.attachment_ids:
        ctx.payload["published_attachments"] = list(draft.attachment_ids)
    _replied(ctx, draft.reply_result, explanation)


@TICKET.handles("refuse_reply")
def _refuse_reply(ctx: Ctx) -> None:
    _decide(ctx, RequestKind.SIGNOFF, False)


@TICKET.handles("reassign")
def _reassign(ctx: Ctx) -> None:
    lead = active_department(ctx.args(I.ReassignIn).department, "department")
    if lead.pk == ctx.ticket.lead_department_id:
        raise ValidationFailed(fields={"department": "改派的单位与当前主办单位相同"})
    ticket = ctx.ticket
    previous = ticket.lead_department_id
    # Only the lead changes: assisting departments keep their part and their opinions, except
    # one that now leads.
    Assignment.objects.filter(ticket=ticket, active=True).filter(
        Q(role=Assignment.Role.LEAD) | Q(department=lead)
    ).update(active=False)
    Assignment.objects.create(
        ticket=ticket, department=lead, role=Assignment.Role.LEAD, dispatched_at=ctx.now
    )
    ctx.set(lead_department=lead, assist_pending=[d for d in ticket.assist_pending if d != lead.pk])
    _new_lead(ctx)
    ctx.payload.update(department=lead.pk, department_name=lead.name)
    _start_sign_clock(ctx)
    tell(
        department_staff(lead.pk), ctx, "ticket_dispatched", "有改派给本单位的工单，请及时签收办理"
    )
    tell(department_staff(previous), ctx, "ticket_reassigned", f"该工单已改派至 {lead.name}")
