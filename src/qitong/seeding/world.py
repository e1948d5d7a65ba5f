"""The plain values a ticket's story is drawn from: departments, desks, people, enterprises,
SLA policies. Built once from the database (qitong.seeding.reference), then shared read-only by
the generator processes, which never touch the database.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from qitong.core.workdays import LOCAL_TZ, WorkCalendar, deadline
from qitong.tickets.deadlines import Limit


@dataclass(frozen=True)
class Person:
    """A ledger actor as `ledger.services._actor_fields` freezes it."""

    id: int | None
    display: str
    role: str


SYSTEM = Person(None, "系统", "system")


@dataclass(frozen=True)
class Dept:
    id: int
    name: str
    kind: str
    region_code: str
    handler: Person
    business_env: bool


@dataclass(frozen=True)
class DeskRef:
    id: int
    region_code: str
    lead: Person
    operators: tuple[Person, ...]


@dataclass(frozen=True)
class SpecialistRef:
    id: int
    name: str
    region_code: str
    person: Person


@dataclass(frozen=True)
class EntRef:
    id: int
    credit_code: str
    name: str
    county_code: str
    county_name: str
    city_code: str
    contact_name: str
    phone: str
    user: Person | None


@dataclass(frozen=True)
class CategoryRef:
    id: int
    code: str
    top: str


@dataclass
class World:
    now: dt.datetime
    categories: dict[str, list[CategoryRef]]  # by top-level code
    departments: dict[tuple[str, str], Dept]  # (region code, kind) → department
    desks: dict[str, list[DeskRef]]  # region code → desks (province 150000 and each city)
    online_desk: dict[str, DeskRef]  # city code → the desk `intake._desk_for` picks
    specialists: dict[str, list[SpecialistRef]]  # region code → specialists with an account
    enterprises: list[EntRef]
    enterprise_cum_weights: list[float]
    demo_enterprise: int | None  # index into `enterprises` of the demo `enterprise` account
    policies: Mapping[tuple[str, str, str], Limit]
    overrides: dict[dt.date, bool] = field(default_factory=dict)
    enterprises_by_id: dict[int, EntRef] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.enterprises_by_id = {e.id: e for e in self.enterprises}

    def pick_enterprise(self, u: float) -> EntRef:
        """The enterprise at cumulative weight position u in [0, 1)."""
        i = bisect_right(self.enterprise_cum_weights, u * self.enterprise_cum_weights[-1])
        return self.enterprises[min(i, len(self.enterprises) - 1)]


class Deadlines:
    """`tickets.deadlines.compute_due` with a cache: a working-day limit depends only on the
    local start date, and the seeder asks for the same few hundred dates millions of times."""

    def __init__(self, policies: Mapping[tuple[str, str, str], Limit], calendar: WorkCalendar):
        self.policies = policies
        self.calendar = calendar
        self._by_day = lru_cache(maxsize=65536)(self._working_days_due)

    def _working_days_due(self, day: dt.date, days: int) -> dt.datetime:
        start = dt.datetime.combine(day, dt.time(12, 0), LOCAL_TZ)
        return deadline(start, days, "working_days", self.calendar)

    def due(
        self, start: dt.datetime, ticket_type: str, urgency: str, milestone: str
    ) -> tuple[dt.datetime, dt.datetime]:
        """(due_at, warn_at) exactly as compute_due gives them."""
        limit = self.policies[(ticket_type, urgency, milestone)]
        if limit.unit == "working_days" and limit.amount == int(limit.amount):
            due = self._by_day(start.astimezone(LOCAL_TZ).date(), int(limit.amount))
        else:
            due = deadline(start, float(limit.amount), limit.unit, self.calendar)
        warn = start + (due - start) * float(limit.warn_ratio)
        return due, warn

    def ratio(self, ticket_type: str, urgency: str, milestone: str) -> Decimal:
        return self.policies[(ticket_type, urgency, milestone)].warn_ratio
