"""How a ticket is shown to a given actor: masking, confidentiality, the timeline in words the
reader understands. Shared by the API and the pages so both show the same thing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core import clock
from qitong.core.privacy import mask_phone
from qitong.core.workdays import deadline_provisional
from qitong.ledger.models import Event
from qitong.tickets.deadlines import warning_level
from qitong.tickets.models import Assignment, Attachment, Offer, Ticket
from qitong.tickets.states import Milestone, RequestKind, TicketState
from qitong.tickets.transitions import TICKET, allowed_actions, event_label, public_label

# The reply reaches the enterprise once the desk has accepted it (or answered itself): before
# that it is the department's draft for the desk's review, which may send it back.
REPLY_VISIBLE = frozenset({TicketState.AWAITING_CALLBACK, TicketState.CLOSED})


def hides_identity(ticket: Ticket, actor: Actor) -> bool:
    """A confidential ticket never shows the enterprise to the departments handling it."""
    return ticket.confidential and actor.role in DEPARTMENT_ROLES


def deadlines(ticket: Ticket) -> dict[str, dt.datetime | None]:
    return {
        Milestone.REGISTER: ticket.due_register_at,
        Milestone.DISPATCH: ticket.due_dispatch_at,
        Milestone.SIGN: ticket.due_sign_at,
        Milestone.REPLY: ticket.due_reply_at,
        Milestone.CALLBACK: ticket.due_callback_at,
    }


def warning(ticket: Ticket, now: dt.datetime | None = None) -> str:
    if ticket.state == TicketState.SUSPENDED:
        return "green"
    return warning_level(
        now=now or clock.now(),
        due_at=ticket.due_at,
        warn_at=ticket.warn_at,
        reminded=bool(ticket.milestone) and ticket.reminded_for == ticket.milestone,
    )


def reply_visible(ticket: Ticket, actor: Actor) -> bool:
    """Staff read a reply as soon as it is written; the enterprise once the desk accepted it."""
    return actor.role != Role.ENTERPRISE or ticket.state in REPLY_VISIBLE


def _problem(ticket: Ticket) -> dict[str, Any]:
    """The supervision problem a ticket was promoted to (the reverse side of the problem's
    link to its ticket; read only for a promoted ticket)."""
    if ticket.promoted_at is None:
        return {"promoted_at": None, "problem_id": None, "problem_number": ""}
    problem = getattr(ticket, "problem", None)
    return {
        "promoted_at": ticket.promoted_at,
        "problem_id": problem.pk if problem is not None else None,
        "problem_number": problem.number if problem is not None else "",
    }


def present(ticket: Ticket, actor: Actor) -> dict[str, Any]:
    """The ticket as this actor may see it (masking, confidentiality, the reply's visibility):
    one flat mapping the API's TicketOut and the pages share, so it lists every shown field."""
    hidden = hides_identity(ticket, actor)
    reply = reply_visible(ticket, actor)
    enterprise = (
        None
        if hidden
        else {
            "id": ticket.enterprise_id,
            "credit_code": ticket.enterprise.credit_code,
            "name": ticket.enterprise.name,
        }
    )
    own = actor.role == Role.ENTERPRISE
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "type": ticket.type,
        "type_label": ticket.get_type_display(),
        "category": {"code": ticket.category.code, "name": ticket.category.name},
        "problem_category": ticket.problem_category,
        "urgency": ticket.urgency,
        "channel": ticket.channel,
        "title": ticket.title,
        "content": ticket.content,
        "state": ticket.state,
        "state_label": ticket.get_state_display(),
        "confidential": ticket.confidential,
        **_problem(ticket),
        "enterprise": enterprise,
        "contact_name": "" if hidden else ticket.contact_name,
        "contact_phone": ""
        if hidden
        else (ticket.contact_phone if own else mask_phone(ticket.contact_phone)),
        "lead_department": (
            {"id": ticket.lead_department.pk, "name": ticket.lead_department.name}
            if ticket.lead_department
            else None
        ),
        "specialist": (
            {"id": ticket.specialist.pk, "name": ticket.specialist.name}
            if ticket.specialist
            else None
        ),
        "specialist_accepted": ticket.specialist_accepted,
        "pending_request": ticket.pending_request,
        "reply_result": ticket.reply_result if reply else "",
        "reply_text": ticket.reply_text if reply else "",
        "satisfaction": ticket.satisfaction,
        "resolved": ticket.resolved,
        "redo_count": ticket.redo_count,
        "extension_days": ticket.extension_days,
        "merged_into": ticket.merged_into_id,
        "version": ticket.version,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "closed_at": ticket.closed_at,
        "milestone": ticket.milestone,
        "due_at": ticket.due_at,
        # Counted plain weekends: the year's holidays are not loaded yet (recomputed when they are).
        "due_provisional": deadline_provisional(ticket.due_at),
        "warning": warning(ticket),
        "deadlines": deadlines(ticket),
        "allowed_actions": allowed_actions(ticket, actor),
    }


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: dt.datetime
    action: str
    label: str
    actor: str
    role: str
    from_state: str
    to_state: str
    note: str


def timeline(ticket: Ticket, actor: Actor) -> list[TimelineEntry]:
    """The ticket's ledger as a timeline; an enterprise sees only public steps in its words,
    never internal notes or staff names."""
    events = Event.objects.filter(subject_type=TICKET.name, subject_id=str(ticket.pk)).order_by(
        "seq"
    )
    if actor.role == Role.ENTERPRISE:
        return [entry for event in events if (entry := _public_entry(event)) is not None]
    hidden = hides_identity(ticket, actor)
    return [_staff_entry(event, hidden) for event in events]


def _public_entry(event: Event) -> TimelineEntry | None:
    label = public_label(event.action)
    if not label:
        return None
    if event.action == "callback" and event.to_state == TicketState.CLOSED:
        label = "专席已回访，诉求已办结"
    return TimelineEntry(
        event.seq,
        event.occurred_at,
        event.action,
        label,
        "",
        "",
        event.from_state,
        event.to_state,
        _public_note(event),
    )


def _staff_entry(event: Event, hidden: bool) -> TimelineEntry:
    payload = event.payload or {}
    note = str(
        payload.get("note")
        or payload.get("reason")
        or payload.get("explanation")
        or payload.get("answer")
        or payload.get("opinion")
        or ""
    )
    actor_display = event.actor_display
    if hidden and event.actor_role == Role.ENTERPRISE:
        # The ledger froze the enterprise account's name on its own steps: mask it too.
        actor_display = "企业（保密）"
        if event.action == "create":
            note = ""
    return TimelineEntry(
        event.seq,
        event.occurred_at,
        event.action,
        _staff_label(event),
        actor_display,
        event.actor_role,
        event.from_state,
        event.to_state,
        note,
    )


def _staff_label(event: Event) -> str:
    payload = event.payload or {}
    if event.action == "reply" and payload.get("signoff") == "requested":
        return "提交答复稿（待部门领导审签）"
    if event.action == "reroute" and payload.get("back_to_desk"):
        return "改派专员：无人接收，退回专席"
    if event.action == "decline_offer" and payload.get("back_to_desk"):
        return "谢绝咨询：无人接收，退回专席"
    return event_label(event.action)


def _public_note(event: Event) -> str:
    payload = event.payload or {}
    if event.action == "dispatch":
        return str(payload.get("department_name", ""))
    if event.action in ("reject", "suspend"):
        return str(payload.get("reason", ""))
    if event.action in ("answer", "specialist_reply"):
        return str(payload.get("answer", ""))
    if event.action == "problem_result":
        return str(payload.get("result", ""))
    if event.action == "approve_extension":
        return f"延长 {payload.get('days', '')} 个工作日"
    return ""


def attachments_for(ticket: Ticket, actor: Actor) -> list[dict[str, Any]]:
    """Files the actor may see: an enterprise never sees internal files."""
    qs = ticket.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")
    if actor.role == Role.ENTERPRISE:
        qs = qs.filter(internal=False)
    hidden = hides_identity(ticket, actor)

    def uploader(a: Attachment) -> str:
        """Who uploaded it, as this reader may know (two files of one name tell apart)."""
        person = a.uploaded_by
        if person is None:
            return ""
        if person.role == Role.ENTERPRISE:
            return (
                "企业（保密）"
                if hidden
                else ("本企业" if actor.role == Role.ENTERPRISE else "企业")
            )
        if actor.role == Role.ENTERPRISE:
            return "办理单位"
        return f"{person.get_full_name()}（{Role(person.role).label}）"

    return [
        {
            "id": a.pk,
            "name": a.original_name,
            "content_type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
            "uploaded_at": a.uploaded_at,
            "internal": a.internal,
            "uploaded_by": uploader(a),
            "url": reverse("tickets:attachment", args=[ticket.pk, a.pk]),
        }
        for a in qs
    ]


def assisting_for(ticket: Ticket, actor: Actor) -> list[dict[str, Any]]:
    """The assisting departments of the current dispatch and their opinions (staff only)."""
    if actor.role == Role.ENTERPRISE:
        return []
    rows = ticket.assignments.filter(active=True, role=Assignment.Role.ASSISTING).select_related(
        "department"
    )
    return [
        {
            "department": {"id": a.department_id, "name": a.department.name},
            "replied_at": a.replied_at,
            "opinion": a.reply_text,
        }
        for a in rows.order_by("pk")
    ]


def reply_draft_for(ticket: Ticket, actor: Actor) -> dict[str, Any] | None:
    """A reply awaiting the department leader's sign-off, for the departments only."""
    if ticket.pending_request != RequestKind.SIGNOFF or actor.role not in DEPARTMENT_ROLES:
        return None
    draft = (
        ticket.requests.filter(kind=RequestKind.SIGNOFF, decided_at__isnull=True)
        .select_related("requested_by")
        .first()
    )
    if draft is None:
        return None
    return {
        "result": draft.reply_result,
        "explanation": draft.reply_text,
        "requested_by": draft.requested_by.get_full_name(),
        "requested_at": draft.requested_at,
        "attachments": list(draft.attachment_ids),
    }


def citations_for(ticket: Ticket) -> list[dict[str, Any]]:
    """Knowledge-base versions the answer was given from (public: published policy)."""
    rows = ticket.citations.select_related("version").order_by("cited_at", "pk")
    return [
        {
            "id": c.version.article_id,
            "version": c.version.number,
            "title": c.version.title,
            "url": reverse("knowledge:article", args=[c.version.article_id])
            + f"?version={c.version.number}",
        }
        for c in rows
    ]


def offer_for(ticket: Ticket, actor: Actor) -> dict[str, Any] | None:
    """The specialist the consultation is offered to or held by, with the offer's deadline
    (staff only: the enterprise sees "已转政策专员答复")."""
    if (
        actor.role == Role.ENTERPRISE
        or ticket.state != TicketState.WITH_SPECIALIST
        or ticket.specialist_id is None
    ):
        return None
    offer = (
        Offer.objects.filter(ticket=ticket, specialist_id=ticket.specialist_id)
        .select_related("specialist")
        .order_by("-offered_at")
        .first()
    )
    if offer is None:
        return None
    return {
        "specialist": {"id": offer.specialist_id, "name": offer.specialist.name},
        "step": offer.step,
        "state": offer.state,
        "state_label": offer.get_state_display(),
        "offered_at": offer.offered_at,
        "expires_at": offer.expires_at,
    }


# --- the enterprise's view of its appeal -------------------------------------------------
S = TicketState
# The state in words an enterprise understands (internal steps such as the desk's review of
# a reply read as "being handled").
PLAIN_STATE = {
    S.SUBMITTED: "已提交，等待受理",
    S.REGISTERED: "已受理",
    S.WITH_SPECIALIST: "政策专员答复中",
    S.DISPATCHED: "已转承办单位",
    S.IN_PROGRESS: "办理中",
    S.SUSPENDED: "待您补充材料",
    S.REPLIED: "办理中",
    S.AWAITING_CALLBACK: "已答复，等待回访",
    S.CLOSED: "已办结",
    S.REJECTED: "不予受理",
    S.WITHDRAWN: "已撤回",
    S.MERGED: "已合并办理",
}


def plain_state(ticket: Ticket) -> str:
    return PLAIN_STATE.get(TicketState(ticket.state), ticket.get_state_display())


@dataclass(frozen=True)
class Promise:
    at: dt.datetime
    what: str  # 受理 / 转交办理 / 答复 / 回访


STEP_WORDS = {
    Milestone.REGISTER: "受理",
    Milestone.DISPATCH: "转交办理",
    Milestone.SIGN: "答复",
    Milestone.REPLY: "答复",
    Milestone.CALLBACK: "回访",
}
ANSWER_DUE = frozenset({S.WITH_SPECIALIST, S.DISPATCHED, S.IN_PROGRESS, S.REPLIED})


def promised_due(ticket: Ticket) -> Promise | None:
    """What the enterprise may expect next and by when ("2026-12-16 前答复"); nothing while
    the ticket waits for the enterprise itself or is over."""
    if ticket.state in ANSWER_DUE and ticket.due_reply_at:
        return Promise(ticket.due_reply_at, "答复")
    if ticket.state == S.SUSPENDED or not (ticket.due_at and ticket.milestone):
        return None
    return Promise(ticket.due_at, STEP_WORDS.get(Milestone(ticket.milestone), "办理"))
