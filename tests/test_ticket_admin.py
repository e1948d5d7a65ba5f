"""Administrators edit SLA policies and holidays through the admin, ledgered; tickets are read-only."""

from __future__ import annotations

import pytest

from qitong.ledger.models import Event
from qitong.tickets.models import SlaPolicy
from qitong.tickets.states import TicketState as S
from tests.factories import World
from tests.matrix import client_for
from tests.ticket_factories import ticket_in_state

pytestmark = pytest.mark.django_db


def test_sla_policy_change_is_ledgered(world: World) -> None:
    policy = SlaPolicy.objects.get(ticket_type="complaint", urgency="normal", milestone="reply")
    client = client_for(world, "admin")
    response = client.post(
        f"/admin/tickets/slapolicy/{policy.pk}/change/",
        {
            "ticket_type": "complaint",
            "urgency": "normal",
            "milestone": "reply",
            "amount": "10",
            "unit": "working_days",
            "warn_ratio": "0.8",
        },
    )
    assert response.status_code == 302, response.content[:500]
    policy.refresh_from_db()
    assert policy.amount == 10
    event = Event.objects.filter(subject_type="tickets.slapolicy", subject_id=str(policy.pk)).last()
    assert event is not None, "the change must be ledgered"
    old, new = event.payload["changes"]["amount"]
    assert (float(old), float(new)) == (13.0, 10.0)


def test_holiday_override_added_in_admin(world: World) -> None:
    client = client_for(world, "admin")
    response = client.post(
        "/admin/core/holidayoverride/add/", {"date": "2027-01-01", "is_workday": "", "name": "元旦"}
    )
    assert response.status_code == 302
    assert Event.objects.filter(subject_type="core.holidayoverride").count() == 1


def test_tickets_are_read_only_in_the_admin(world: World) -> None:
    ticket = ticket_in_state(world, S.REGISTERED)
    client = client_for(world, "admin")
    assert client.get("/admin/tickets/ticket/").status_code == 200
    assert client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").status_code == 200  # view only
    before = ticket.title
    client.post(f"/admin/tickets/ticket/{ticket.pk}/change/", {"title": "改掉标题"})
    ticket.refresh_from_db()
    assert ticket.title == before


@pytest.mark.parametrize(
    ("admin_name", "model_path"),
    [
        ("tickets_ticket", "qitong.tickets.models.Ticket"),
        ("ledger_event", "qitong.ledger.models.Event"),
        ("notifications_notification", "qitong.notifications.models.Notification"),
    ],
)
def test_records_cannot_be_deleted_in_the_admin(
    world: World, admin_name: str, model_path: str
) -> None:
    """Deletion refused means the row is still there — not only a 403 page."""
    from importlib import import_module

    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from tests.ticket_factories import ticket_in_state

    ticket_in_state(world, "registered")
    module, name = model_path.rsplit(".", 1)
    model = getattr(import_module(module), name)
    row = model.objects.order_by("pk").first()
    assert row is not None
    before = model.objects.count()
    client = Client()
    client.force_login(world.users["admin"])
    try:
        url = reverse(f"admin:{admin_name}_delete", args=[row.pk])
    except NoReverseMatch:
        url = None
    if url:
        assert client.post(url, {"post": "yes"}).status_code in (403, 404)
    changelist = reverse(f"admin:{admin_name}_changelist")
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert model.objects.filter(pk=row.pk).exists()
    assert model.objects.count() == before
