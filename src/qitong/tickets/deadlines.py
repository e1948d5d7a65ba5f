"""SLA policies and the due times they give (DESIGN "Clocks").

`DEFAULT_POLICIES` are the published norms, seeded into `SlaPolicy` by a migration and
editable by administrators; the table wins over the defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from qitong.core.refcache import ReferenceCache
from qitong.core.workdays import LimitUnit, WorkCalendar, WorkingHours, deadline
from qitong.tickets.models import SlaPolicy
from qitong.tickets.states import Milestone, TicketType, Urgency

CH, WH, WD = LimitUnit.CALENDAR_HOURS, LimitUnit.WORKING_HOURS, LimitUnit.WORKING_DAYS

REPLY_DAYS = {
    TicketType.CONSULTATION: 3,
    TicketType.HELP: 5,
    TicketType.COMPLAINT: 13,
    TicketType.REPORT: 13,
    TicketType.PROBLEM_REPORT: 13,
    TicketType.SUGGESTION: 13,
    TicketType.PRAISE: 5,
}


@dataclass(frozen=True)
class Limit:
    amount: Decimal
    unit: str
    warn_ratio: Decimal = Decimal("0.8")


def _defaults() -> dict[tuple[str, str, str], Limit]:
    table: dict[tuple[str, str, str], Limit] = {}
    for ticket_type in TicketType:
        for urgency in Urgency:
            urgent = urgency == Urgency.URGENT
            table[(ticket_type, urgency, Milestone.REGISTER)] = Limit(
                Decimal(1 if urgent else 24), CH
            )
            table[(ticket_type, urgency, Milestone.DISPATCH)] = Limit(
                Decimal(1 if urgent else 24), CH
            )
            table[(ticket_type, urgency, Milestone.SIGN)] = (
                Limit(Decimal(2), CH) if urgent else Limit(Decimal(1), WD)
            )
            table[(ticket_type, urgency, Milestone.REPLY)] = Limit(
                Decimal(REPLY_DAYS[ticket_type]), WD
            )
            table[(ticket_type, urgency, Milestone.CALLBACK)] = Limit(Decimal(1), WD)
    return table


DEFAULT_POLICIES = _defaults()


def _read_policies() -> dict[tuple[str, str, str], Limit]:
    table = dict(DEFAULT_POLICIES)
    for row in SlaPolicy.objects.all():
        table[(row.ticket_type, row.urgency, row.milestone)] = Limit(
            row.amount, row.unit, row.warn_ratio
        )
    return table


POLICY_CACHE = ReferenceCache(_read_policies)  # invalidated by SlaPolicy saves (tickets.apps)


def load_policies() -> Mapping[tuple[str, str, str], Limit]:
    """The SLA table (defaults overlaid with the administrator's rows), cached per process
    (core.refcache); read-only."""
    return POLICY_CACHE.get()


@dataclass(frozen=True)
class Due:
    milestone: str
    due_at: dt.datetime
    warn_at: dt.datetime


def compute_due(
    *,
    start: dt.datetime,
    ticket_type: str,
    urgency: str,
    milestone: str,
    policies: Mapping[tuple[str, str, str], Limit],
    calendar: WorkCalendar,
    working: WorkingHours | None = None,
) -> Due:
    """Due and warning times of one milestone begun at `start`.

    The warning time is when `warn_ratio` of the elapsed span has passed (e.g. 80 %)."""
    limit = policies[(ticket_type, urgency, milestone)]
    due = deadline(start, float(limit.amount), limit.unit, calendar, working or WorkingHours())
    warn = start + (due - start) * float(limit.warn_ratio)
    return Due(milestone, due, warn)


def warning_level(
    *,
    now: dt.datetime,
    due_at: dt.datetime | None,
    warn_at: dt.datetime | None,
    reminded: bool = False,
) -> str:
    """green on time; yellow inside the warning window or after a reminder; red overdue."""
    if due_at is None:
        return "green"
    if now > due_at:
        return "red"
    if reminded or (warn_at is not None and now >= warn_at):
        return "yellow"
    return "green"
