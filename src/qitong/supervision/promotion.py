"""A ticket becomes a supervision problem (issue 13 "From tickets"): the handlers of the ticket
machine's `promote` and `problem_result` actions, declared in tickets.transitions and handled
here, where the problem lives. Both run inside the ticket's action on the workflow core, so
the ticket's event and the problem's first event are written in one transaction.
"""

from __future__ import annotations

from typing import Any

from qitong.supervision.inputs import ProblemIn
from qitong.supervision.services import _insert, _record_create, category_by_code
from qitong.tickets.inputs import ProblemResultIn, PromoteIn
from qitong.tickets.services.context import Ctx, tell_enterprise
from qitong.tickets.transitions import TICKET
from qitong.workflow.inputs import parse_input

FALLBACK_CATEGORY = "other"


@TICKET.handles("promote")
def _promote(ctx: Ctx) -> None:
    """The problem starts `registered` with the ticket's appeal as its description and the
    ticket's enterprise involved; a confidential ticket makes a confidential problem."""
    ticket = ctx.ticket
    given = ctx.args(PromoteIn)
    full: dict[str, Any] = ctx.extra.get("problem") or {}
    base: ProblemIn | None = full.get("args")
    code = given.category or ticket.problem_category or FALLBACK_CATEGORY
    category_by_code(code)  # an unknown category names the field before anything is written
    args = parse_input(
        ProblemIn,
        {
            **(base.model_dump() if base is not None else {}),
            "ticket": None,
            "unit_department": given.unit_department,
            "problem_class": given.problem_class,
            "category": code,
            "title": given.title or ticket.title,
            "description": (base.description if base is not None else "") or ticket.content,
            "leader": given.leader,
        },
    )
    problem = _insert(actor=ctx.actor, user=ctx.user, args=args, source=ticket, now=ctx.now)
    key, digest = full.get("idempotency") or ("", "")
    if key:
        problem.idempotency_key, problem.idempotency_digest = key, digest
        problem.save(update_fields=["idempotency_key", "idempotency_digest"])
    _record_create(
        problem,
        ctx.user,
        "promote",
        files=full.get("files") or (),
        extra={"ticket": ticket.pk, "ticket_number": ticket.number, "note": given.note},
    )
    ctx.set(promoted_at=ctx.now)
    ctx.payload.update(problem=problem.pk, problem_number=problem.number)
    ctx.extra["promoted"] = problem


@TICKET.handles("problem_result")
def _problem_result(ctx: Ctx) -> None:
    result = ctx.args(ProblemResultIn).result
    tell_enterprise(ctx, "problem_result", f"您反映的问题已整改销号。{result}")
