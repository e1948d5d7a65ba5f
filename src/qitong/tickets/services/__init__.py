"""Every write to tickets (STYLE habit 1): lock, check the transition, change, ledger, then
side effects after commit."""

from qitong.tickets.services.actions import ticket_act, ticket_act_changes
from qitong.tickets.services.bulk import BULK_ACTIONS, MAX_BULK, BulkResult, ticket_bulk_act
from qitong.tickets.services.contacts import may_reveal_phone, ticket_phone_reveal
from qitong.tickets.services.intake import TicketInput, ticket_create

__all__ = [
    "BULK_ACTIONS",
    "MAX_BULK",
    "BulkResult",
    "TicketInput",
    "may_reveal_phone",
    "ticket_act",
    "ticket_act_changes",
    "ticket_bulk_act",
    "ticket_create",
    "ticket_phone_reveal",
]
