"""显示号码: who may see a ticket's whole number, the ledger record of each view (who, when,
which ticket), the auditor's list of them, and the API."""

from __future__ import annotations

import pytest

from qitong.ledger.models import Event
from qitong.tickets.states import TicketState as S
from tests.factories import World
from tests.matrix import client_for
from tests.test_ticket_pages import _baotou
from tests.ticket_factories import act, file_by_phone, ticket_in_state

HX = {"HX-Request": "true"}


def _views(ticket_pk: int) -> list[Event]:
    return list(Event.objects.filter(action="phone_reveal", subject_id=str(ticket_pk)))


@pytest.mark.parametrize("role", ["operator", "desk_lead", "handler", "dept_leader"])
def test_the_callback_step_reveals_the_number_and_ledgers_the_view(world: World, role: str) -> None:
    ticket = ticket_in_state(world, S.AWAITING_CALLBACK)
    client = client_for(world, role)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "显示号码" in page and "13800000001" not in page  # masked until shown
    response = client.post(f"/tickets/{ticket.pk}/phone/", headers=HX)
    assert response.status_code == 200
    assert 'href="tel:13800000001"' in response.content.decode()
    [view] = _views(ticket.pk)
    assert view.actor_id == world.users[role].pk and view.payload["number"] == ticket.number
    assert "查看完整联系电话" in client.get(f"/tickets/{ticket.pk}/").content.decode()  # timeline


@pytest.mark.parametrize("role", ["supervisor", "auditor", "admin"])
def test_readers_without_a_call_to_make_cannot_reveal(world: World, role: str) -> None:
    ticket = ticket_in_state(world, S.AWAITING_CALLBACK)
    client = client_for(world, role)
    assert "显示号码" not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert client.post(f"/tickets/{ticket.pk}/phone/", headers=HX).status_code == 403
    assert _views(ticket.pk) == []


def test_out_of_scope_is_404_and_a_confidential_ticket_stays_hidden(world: World) -> None:
    outside = _baotou(world, S.REGISTERED)
    assert client_for(world, "operator").post(f"/tickets/{outside.pk}/phone/").status_code == 404
    secret = file_by_phone(
        world, type="complaint", category="enforcement.inspection", confidential=True
    )
    act(world, secret, "dispatch", "operator", department=world.dept.pk)
    handler = client_for(world, "handler")
    assert handler.post(f"/tickets/{secret.pk}/phone/", headers=HX).status_code == 403
    assert _views(secret.pk) == []


def test_the_api_reveals_and_the_auditor_lists_the_views(world: World) -> None:
    ticket = ticket_in_state(world, S.AWAITING_CALLBACK)
    response = client_for(world, "operator").post(f"/api/v1/tickets/{ticket.pk}/phone/reveal")
    assert response.status_code == 200 and response.json() == {"contact_phone": "13800000001"}
    assert (
        client_for(world, "supervisor")
        .post(f"/api/v1/tickets/{ticket.pk}/phone/reveal")
        .status_code
        == 403
    )
    page = client_for(world, "auditor").get("/audit/?action=phone_reveal").content.decode()
    assert "查看工单完整联系电话" in page and ticket.number in page
