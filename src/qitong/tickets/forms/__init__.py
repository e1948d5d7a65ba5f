"""Page forms for tickets (see core.forms for how they relate to the services)."""

from qitong.core.forms import ServiceForm, new_idempotency_key
from qitong.tickets.forms.actions import ActionForm, action_form
from qitong.tickets.forms.intake import EnterpriseCreateForm, EnterpriseTicketForm, IntakeForm

__all__ = [
    "ActionForm",
    "EnterpriseCreateForm",
    "EnterpriseTicketForm",
    "IntakeForm",
    "ServiceForm",
    "action_form",
    "new_idempotency_key",
]
