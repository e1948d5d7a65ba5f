"""Two people acting on the same ticket at once: exactly one wins, the other gets a clear
conflict and nothing is half-applied (on SQLite and PostgreSQL, real threads and connections)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from qitong.core.errors import Conflict, DomainError
from qitong.ledger.services import events_for, ledger_verify
from qitong.tickets.models import Assignment, Ticket
from qitong.tickets.services import TicketInput, ticket_act, ticket_create
from qitong.tickets.states import TicketState as S
from tests.factories import World, department, user
from tests.ticket_factories import ticket_in_state

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_operators_dispatch_the_same_ticket(world: World) -> None:
    ticket = ticket_in_state(world, S.REGISTERED)
    other_dept = department("呼和浩特市住房和城乡建设局", world.hohhot)
    other_operator = user("operator_b", "operator", desk=world.desk)
    results = race(
        lambda: ticket_act(
            ticket_id=ticket.pk,
            action="dispatch",
            user=world.users["operator"],
            data={"department": world.dept.pk},
        ),
        lambda: ticket_act(
            ticket_id=ticket.pk,
            action="dispatch",
            user=other_operator,
            data={"department": other_dept.pk},
        ),
    )
    winners = [r for r in results if isinstance(r, Ticket)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict), repr(losers[0])
    assert "不能执行“派单”" in losers[0].message
    ticket.refresh_from_db()
    assert (
        ticket.state == S.DISPATCHED and ticket.lead_department_id == winners[0].lead_department_id
    )
    assert Assignment.objects.filter(ticket=ticket, active=True).count() == 1
    assert events_for("tickets.ticket", ticket.pk).filter(action="dispatch").count() == 1
    assert ledger_verify().broken is None


def test_sign_and_return_request_race(world: World) -> None:
    ticket = ticket_in_state(world, S.DISPATCHED)
    leader = world.users["dept_leader"]
    results = race(
        lambda: ticket_act(
            ticket_id=ticket.pk,
            action="sign",
            user=world.users["handler"],
            expected_version=ticket.version,
        ),
        lambda: ticket_act(
            ticket_id=ticket.pk,
            action="request_return",
            user=leader,
            data={"reason": "非本单位职责", "legal_basis": "三定方案"},
            expected_version=ticket.version,
        ),
    )
    assert sum(isinstance(r, Ticket) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) and r.status == 409 for r in results) == 1, results
    ticket.refresh_from_db()
    assert ticket.version == 4  # created at 1; register, dispatch, then exactly one of the two
    assert events_for("tickets.ticket", ticket.pk).count() == 4


def test_double_submit_with_one_key_creates_one_ticket(world: World) -> None:
    data = TicketInput(
        type="consultation",
        category="tax.policy",
        urgency="normal",
        channel="phone",
        content="留抵退税怎么申请？",
        credit_code=world.ent.credit_code,
        contact_phone="13800000001",
    )
    operator = world.users["operator"]
    results = race(
        *(lambda: ticket_create(data=data, user=operator, idempotency_key="dbl") for _ in range(3))
    )
    tickets = {r[0].pk for r in results if isinstance(r, tuple)}
    assert len(tickets) == 1, results
    assert sorted(r[1] for r in results if isinstance(r, tuple)) == [False, False, True]
    assert Ticket.objects.count() == 1
