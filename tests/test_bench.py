"""The bench seeder at tiny scale, so bench/ never silently rots: what it writes must look like
what the services write (counts, states, deadlines, assignments, numbering) and its ledger
chains must verify."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Count, F, Max, Q

from qitong.accounts.models import User
from qitong.demo import DEMO_ENTERPRISES
from qitong.demo.loader import load_demo
from qitong.enterprises.models import Enterprise
from qitong.enterprises.validators import validate_credit_code
from qitong.ledger.models import Event
from qitong.ledger.services import ledger_verify
from qitong.seeding.reference import BENCH_SUFFIX
from qitong.seeding.run import demo_enterprise_share, seed_tickets
from qitong.tickets.models import Assignment, PendingDecision, Ticket, TicketCounter
from qitong.tickets.services import TicketInput, ticket_create
from qitong.tickets.states import FINAL_STATES, TicketState

pytestmark = pytest.mark.django_db

TICKETS = 200
ENTERPRISES = 40


def test_bench_seeder_at_tiny_scale() -> None:
    """One seeding (the demo load dominates the time), then each aspect checked in turn."""
    load_demo()
    report = seed_tickets(
        tickets=TICKETS, enterprises=ENTERPRISES, workers=0, analyze=False, out=lambda _: None
    )
    assert report.tickets == TICKETS
    check_counts_and_ledger()
    check_states_types_and_fields()
    check_numbers_continue_after_the_seed()


def check_counts_and_ledger() -> None:
    assert Ticket.objects.count() == TICKETS
    bench = Enterprise.objects.filter(name__endswith=BENCH_SUFFIX)
    assert bench.count() == ENTERPRISES
    for code in bench.values_list("credit_code", flat=True):
        validate_credit_code(code)
    assert User.objects.filter(enterprise__in=bench, role="enterprise").count() == ENTERPRISES
    events = Event.objects.filter(subject_type="tickets.ticket")
    assert events.values("subject_id").distinct().count() == TICKETS
    assert events.filter(seq=1).exclude(action="create").count() == 0
    demo = DEMO_ENTERPRISES["enterprise"].credit_code
    assert Ticket.objects.filter(enterprise__credit_code=demo).count() >= demo_enterprise_share(
        TICKETS
    )

    result = ledger_verify()
    assert result.broken is None, result.broken and result.broken.describe()
    assert result.verified == Event.objects.count()


def check_states_types_and_fields() -> None:
    states = Counter(dict(Ticket.objects.values_list("state").annotate(n=Count("id"))))
    assert set(states) <= set(TicketState.values)
    assert states[TicketState.CLOSED] > TICKETS * 0.6  # a year of history: mostly closed
    types = Counter(dict(Ticket.objects.values_list("type").annotate(n=Count("id"))))
    assert types.most_common(1)[0][0] == "consultation"

    final = Ticket.objects.filter(state__in=FINAL_STATES)
    assert not final.filter(closed_at__isnull=True).exists()
    assert not final.exclude(milestone="").exists()
    running = Ticket.objects.exclude(state__in=FINAL_STATES).exclude(milestone="")
    assert not running.filter(Q(due_at__isnull=True) | Q(warn_at__isnull=True)).exists()
    assert not Ticket.objects.filter(due_at__lt=F("warn_at")).exists()
    dispatched = Ticket.objects.filter(lead_department__isnull=False)
    for ticket in dispatched.exclude(state__in=FINAL_STATES):
        assert Assignment.objects.filter(
            ticket=ticket, department=ticket.lead_department, role="lead", active=True
        ).exists()
    assert not Ticket.objects.filter(state="merged", merged_into__isnull=True).exists()
    pending = Ticket.objects.exclude(pending_request="").count()
    assert PendingDecision.objects.filter(decided_at__isnull=True).count() == pending

    # version counts the ticket's own actions (a master's "merged_in" does not change it)
    own = dict(
        Event.objects.filter(subject_type="tickets.ticket")
        .exclude(action="merged_in")
        .values_list("subject_id")
        .annotate(n=Count("id"))
    )
    assert all(
        own[str(pk)] == version for pk, version in Ticket.objects.values_list("pk", "version")
    )


def check_numbers_continue_after_the_seed() -> None:
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    latest = TicketCounter.objects.aggregate(day=Max("day"))["day"]
    assert latest is not None
    operator = User.objects.get(username="operator")
    code = Enterprise.objects.filter(name__endswith=BENCH_SUFFIX).first().credit_code  # type: ignore[union-attr]
    ticket, created = ticket_create(
        data=TicketInput(
            type="consultation",
            category="tax.policy",
            urgency="normal",
            channel="phone",
            content="压测后新建的工单",
            credit_code=code,
            contact_phone="13900001111",
        ),
        user=operator,
    )
    assert created and ticket.number not in numbers


@pytest.mark.parametrize("table", ["TICKET", "ASSIGNMENT", "DECISION", "EVENT"])
def test_the_bench_writer_covers_every_column(table: str) -> None:
    """A column added to a model must be added to the bench writer too (the seeder writes
    raw COPY/INSERT rows: a missing NOT NULL column only fails at a scale the tiny seeding
    above may not reach)."""
    from django.apps import apps

    from qitong.seeding import writer

    spec = getattr(writer, table)
    model = next(m for m in apps.get_models() if m._meta.db_table == spec.name)
    columns = {f.column for f in model._meta.concrete_fields}
    assert set(spec.names) <= columns
    assert columns - set(spec.names) <= {"id"}, sorted(columns - set(spec.names))
