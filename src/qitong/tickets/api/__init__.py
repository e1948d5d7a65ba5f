"""Ticket API (a contract with integrators: keep these paths and semantics).

POST /tickets (Idempotency-Key honoured), GET /tickets (scoped, filtered, cursor pages),
GET /tickets/{id} (with timeline), POST /tickets/{id}/actions/<action> (one documented
operation per action of the ticket machine), GET /categories, GET /specialists.
"""

from qitong.tickets.api import (  # noqa: F401 — they add operations
    actions,
    catalogue,
    specialists,
    tickets,
)
from qitong.tickets.api.router import router

__all__ = ["router"]
