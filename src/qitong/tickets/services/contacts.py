"""显示号码: the caller's whole phone number for those who must call back, as a personal-data
view written to the ticket's ledger (who, when, which ticket; the auditor lists them).

Who may: the desk (operator, desk lead) within its jurisdiction, the lead department's staff
(承办人, 部门领导) and the assigned specialist; never for a confidential ticket's department
(it does not know who complained). Everyone else sees the number masked.
"""

from __future__ import annotations

from django.db import transaction

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES, Role
from qitong.core.errors import Forbidden, NotFound
from qitong.ledger.services import ledger_record
from qitong.tickets.models import Ticket
from qitong.tickets.presenters import hides_identity
from qitong.tickets.selectors import tickets_visible_to
from qitong.tickets.transitions import TICKET


def may_reveal_phone(ticket: Ticket, actor: Actor) -> bool:
    """Whether `actor` may show the ticket's whole number (it already reads the ticket)."""
    if not ticket.contact_phone or hides_identity(ticket, actor):
        return False
    if actor.role in DESK_ROLES:
        return actor.covers(ticket.region_code)
    if actor.role in DEPARTMENT_ROLES:
        return actor.department_id is not None and actor.department_id == ticket.lead_department_id
    if actor.role == Role.SPECIALIST:
        return actor.specialist_id is not None and actor.specialist_id == ticket.specialist_id
    return False


def ticket_phone_reveal(*, user: User, ticket_id: int) -> str:
    """The whole number, once the view is on the ticket's ledger. NotFound out of scope;
    Forbidden for a role that may not."""
    actor = actor_of(user)
    with transaction.atomic():
        # Locked like an action, so the view and a concurrent action append to the chain in turn.
        ticket = tickets_visible_to(actor).select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound()
        if not may_reveal_phone(ticket, actor):
            raise Forbidden("您的角色不能查看该工单的完整联系电话")
        ledger_record(
            subject_type=TICKET.name,
            subject_id=ticket.pk,
            action="phone_reveal",
            actor=user,
            from_state=ticket.state,
            to_state=ticket.state,
            payload={"field": "contact_phone", "number": ticket.number},
        )
    return ticket.contact_phone
