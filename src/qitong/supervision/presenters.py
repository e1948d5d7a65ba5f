"""A problem as a reader may see it: one flat mapping the API's ProblemOut and the pages
share. A confidential problem hides the enterprise from the unit it is about (its ticket's
enterprise, the enterprises involved), as a confidential ticket does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from qitong.accounts.actor import Actor
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.ledger.models import Event
from qitong.supervision.deadlines import days_between
from qitong.supervision.models import Problem
from qitong.supervision.selectors import hides_enterprise
from qitong.supervision.states import Escalation, FileKind, ProblemSource
from qitong.supervision.transitions import PROBLEM, event_label

HIDDEN = "（保密）"

# Other apps show what they link to a problem (the arrears ledger's claims, issue 14) by
# registering a function (problem, actor) → [{"kind", "id", "label", "url"}].
LINKERS: list[Callable[[Problem, Actor], list[dict[str, Any]]]] = []


def links_for(problem: Problem, actor: Actor) -> list[dict[str, Any]]:
    return [link for linker in LINKERS for link in linker(problem, actor)]


def warning(problem: Problem, now: dt.datetime) -> str:
    """red = overdue, yellow = inside the warning window, green = on time, "" = no clock."""
    if not problem.clocked or problem.deadline is None:
        return ""
    if now > problem.deadline:
        return "red"
    if problem.warn_at is not None and now >= problem.warn_at:
        return "yellow"
    return "green"


def _day(value: dt.datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).date().isoformat() if value else ""


def present(problem: Problem, actor: Actor, *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    hidden = hides_enterprise(problem, actor)
    level = warning(problem, now)
    days_left = (
        days_between(now, problem.deadline) if problem.clocked and problem.deadline else None
    )
    return {
        "id": problem.pk,
        "number": problem.number,
        "title": problem.title,
        "description": problem.description,
        "source": problem.source,
        "source_label": ProblemSource(problem.source).label,
        "activity": (
            {"id": problem.activity_id, "title": problem.activity.title}
            if problem.activity_id and problem.activity
            else None
        ),
        "ticket_id": problem.ticket_id,
        "unit": {
            "id": problem.unit_department_id,
            "name": problem.unit_department.name,
            "region_code": problem.region_code,
        },
        "leader": problem.leader,
        "category": {"code": problem.category.code, "name": problem.category.name},
        "problem_class": problem.problem_class,
        "amount": str(problem.amount) if problem.amount is not None else None,
        "amount_display": f"{problem.amount:,.2f}" if problem.amount is not None else "",
        "public": problem.public,
        "confidential": problem.confidential,
        "enterprise_names": HIDDEN
        if hidden and problem.enterprise_names
        else problem.enterprise_names,
        "recurrence_of": problem.recurrence_of_id,
        "state": problem.state,
        "state_label": problem.get_state_display(),
        "version": problem.version,
        "deadline": problem.deadline,
        "deadline_day": _day(problem.deadline),
        "first_deadline": problem.first_deadline,
        "overdue": level == "red",
        "warning": level,
        "days_left": days_left,
        "overdue_days": -days_left if level == "red" and days_left is not None else 0,
        "escalation": problem.escalation,
        "escalation_label": Escalation(problem.escalation).label,
        "extension_requested": problem.extension_requested,
        "long_term": problem.long_term,
        "plan": problem.plan,
        "returned_count": problem.returned_count,
        "objection_due": problem.objection_due,
        "registered_at": problem.registered_at,
        "assigned_at": problem.assigned_at,
        "accepted_at": problem.accepted_at,
        "claimed_at": problem.claimed_at,
        "closed_at": problem.closed_at,
        "on_time": problem.on_time,
        "days_to_close": problem.days_to_close,
        "allowed_actions": PROBLEM.allowed(problem, actor),
        "enterprise_hidden": hidden,
    }


def present_detail(problem: Problem, actor: Actor) -> dict[str, Any]:
    """The problem page and GET /problems/{id}: plus its ticket, enterprises, plan
    milestones, files, links and the whole history."""
    out = present(problem, actor)
    hidden = out["enterprise_hidden"]
    out["enterprises"] = (
        [] if hidden else [{"id": e.pk, "name": e.name} for e in problem.enterprises.all()]
    )
    out["ticket"] = _ticket(problem, hidden)
    out["milestones"] = [
        {
            "id": m.pk,
            "title": m.title,
            "due_on": m.due_on,
            "done_on": m.done_on,
            "superseded": m.superseded,
        }
        for m in problem.milestones.order_by("position", "id")
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
        for f in problem.files.order_by("uploaded_at", "id")
    ]
    out["links"] = links_for(problem, actor)
    out["timeline"] = timeline(problem)
    return out


def _ticket(problem: Problem, hidden: bool) -> dict[str, Any] | None:
    ticket = problem.ticket
    if ticket is None:
        return None
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "type": ticket.type,
        "type_label": ticket.get_type_display(),
        "title": ticket.title,
        "content": ticket.content,
        "state_label": ticket.get_state_display(),
        "created_at": ticket.created_at,
        "enterprise": HIDDEN if hidden else ticket.enterprise.name,
        "contact_name": HIDDEN if hidden else ticket.contact_name,
    }


NOTE_KEYS = ("note", "reason", "comment", "summary", "plan", "result")


def timeline(problem: Problem) -> list[dict[str, Any]]:
    events = Event.objects.filter(subject_type=PROBLEM.name, subject_id=str(problem.pk)).order_by(
        "seq"
    )
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
                "actor": e.actor_display,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": note,
                "deadline": str(payload.get("deadline", "")),
                "files": payload.get("files", []),
            }
        )
    return out


def _label(action: str, payload: dict[str, Any]) -> str:
    if action == "escalate":
        return str(payload.get("level_name") or "督办") + (
            "（逾期自动）" if payload.get("overdue") else ""
        )
    if action == "decide_objection":
        return "答复异议：" + ("异议成立" if payload.get("upheld") else "异议不成立")
    if action == "plan" and payload.get("revised"):
        return "修订整改方案"
    return event_label(action)


def days_since(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    return days_between(moment, now) if moment else None
