"""Page forms for tickets (see forms.base for how they relate to the services)."""

from qitong.tickets.forms.actions import ACTION_FORMS, ActionForm, action_form
from qitong.tickets.forms.base import ServiceForm, new_idempotency_key
from qitong.tickets.forms.intake import EnterpriseCreateForm, EnterpriseTicketForm, IntakeForm

__all__ = [
    "ACTION_FORMS",
    "ActionForm",
    "EnterpriseCreateForm",
    "EnterpriseTicketForm",
    "IntakeForm",
    "ServiceForm",
    "action_form",
    "new_idempotency_key",
]
