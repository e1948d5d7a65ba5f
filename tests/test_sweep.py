"""The sweep reminds before and escalates after each deadline, once per milestone run."""

from __future__ import annotations

import datetime as dt

import pytest

from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.ledger.services import events_for
from qitong.notifications.models import Notification
from qitong.tickets.states import TicketState as S
from qitong.tickets.tasks import sweep
from tests.factories import World
from tests.ticket_factories import act, ticket_in_state

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 26, 10, 0, tzinfo=LOCAL_TZ)


def test_remind_then_escalate_once_per_milestone(world: World) -> None:
    with clock.frozen(START):
        ticket = ticket_in_state(world, S.DISPATCHED)  # sign due Fri 27th 23:59:59
    assert ticket.milestone == "sign"
    with clock.frozen(START + dt.timedelta(hours=1)):
        assert sweep() == {"escalated": 0, "reminded": 0, "rerouted": 0, "skipped": 0}
    with clock.frozen(ticket.warn_at + dt.timedelta(minutes=1)):
        assert sweep()["reminded"] == 1
        assert sweep()["reminded"] == 0  # once per milestone
    with clock.frozen(ticket.due_at + dt.timedelta(minutes=1)):
        assert sweep()["escalated"] == 1
        assert sweep()["escalated"] == 0
    actions = list(events_for("tickets.ticket", ticket.pk).values_list("action", "actor_display"))
    assert actions[-2:] == [("remind", "系统"), ("escalate", "系统")]
    assert Notification.objects.filter(
        kind="ticket_escalated", user=world.users["handler"]
    ).exists()


def test_a_new_milestone_run_can_be_reminded_again(world: World) -> None:
    with clock.frozen(START):
        ticket = ticket_in_state(world, S.DISPATCHED)
    with clock.frozen(ticket.warn_at + dt.timedelta(minutes=1)):
        sweep()
        ticket = act(world, ticket, "sign", "handler")
    assert ticket.milestone == "reply" and ticket.reminded_for == ""
    with clock.frozen(ticket.warn_at + dt.timedelta(minutes=1)):
        assert sweep()["reminded"] == 1


def test_suspended_tickets_are_not_swept(world: World) -> None:
    with clock.frozen(START):
        ticket = ticket_in_state(world, S.SUSPENDED)
    with clock.frozen(START + dt.timedelta(days=60)):
        assert sweep() == {"escalated": 0, "reminded": 0, "rerouted": 0, "skipped": 0}
    assert ticket.state == S.SUSPENDED
