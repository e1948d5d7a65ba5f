"""The mechanics of simulating one ticket without the database: the row as the services would
have left it, its ledger events, assignments and open requests (qitong.seeding.lifecycle
drives it through the steps).

The ticket walks the real lifecycle (DESIGN "The ticket lifecycle") from its creation time,
each step after a delay drawn from a plausible distribution, and stops at the seeding moment
(`World.now`): old tickets are closed (or rejected, withdrawn, merged), recent ones sit in
whatever state they have reached. Every step sets the fields the corresponding handler in
`tickets.services.actions` sets (milestone, due times, warning time, version, ...), so a seeded
ticket cannot be told from one that went through the service. Open tickets get the tail that
real ones have: reminders and escalations by the sweep, pending return and extension
requests, suspensions.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qitong.seeding import text
from qitong.seeding.world import Deadlines, Dept, DeskRef, EntRef, Person, World
from qitong.tickets.states import FINAL_STATES as FINAL
from qitong.tickets.transitions import SUPERVISED, WITHDRAWABLE

SUBJECT = "tickets.ticket"
__all__ = ["FINAL", "SUBJECT", "SUPERVISED", "WITHDRAWABLE", "Ev", "Result", "Story"]


def hours(rng: random.Random, median: float, sigma: float, cap: float = 24 * 60) -> dt.timedelta:
    """A log-normal delay: most steps are quick, a few take very long."""
    return dt.timedelta(hours=min(cap, median * math.exp(sigma * rng.gauss(0.0, 1.0))))


def weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


@dataclass
class Ev:
    at: dt.datetime
    action: str
    actor: Person
    from_state: str
    to_state: str
    payload: dict[str, Any]


@dataclass
class Result:
    ticket: dict[str, Any]
    events: list[Ev]
    assignments: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)


class Story:
    """The ticket being lived; `act` applies one step unless the story already ended."""

    def __init__(
        self,
        world: World,
        deadlines: Deadlines,
        rng: random.Random,
        *,
        ticket_id: int,
        number: str,
        created_at: dt.datetime,
        enterprise: EntRef,
    ) -> None:
        self.world, self.deadlines, self.rng = world, deadlines, rng
        self.enterprise = enterprise
        self.ended = False
        self.withdraw_at: dt.datetime | None = None
        self.state = ""
        self.events: list[Ev] = []
        self.assignments: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.desk: DeskRef | None = None
        self.top = ""  # the top-level category code
        self.category_code = ""
        self.lead_dept: Dept | None = None
        self.f: dict[str, Any] = {
            "id": ticket_id,
            "number": number,
            "type": "",
            "problem_category": "",
            "urgency": "normal",
            "channel": "phone",
            "title": "",
            "content": "",
            "confidential": False,
            "contact_name": enterprise.contact_name,
            "contact_phone": enterprise.phone,
            "region_code": enterprise.county_code,
            "state": "",
            "version": 0,
            "pending_request": "",
            "assist_pending": [],
            "specialist_accepted": False,
            "route_domain": "",
            "route_language": "",
            "routed_at": None,
            "reply_result": "",
            "reply_text": "",
            "satisfaction": None,
            "resolved": None,
            "callback_dissatisfied": False,
            "redo_count": 0,
            "extension_days": 0,
            "first_contact_resolution": False,
            "dispatched_at": None,
            "lead_since": None,
            "signed_at": None,
            "signed_on_time": None,
            "replied_at": None,
            "replied_on_time": None,
            "reply_minutes": None,
            "returned_count": 0,
            "enterprise_rating": None,
            "enterprise_comment": "",
            "due_register_at": None,
            "due_dispatch_at": None,
            "due_sign_at": None,
            "due_reply_at": None,
            "due_callback_at": None,
            "milestone": "",
            "due_at": None,
            "warn_at": None,
            "suspended_at": None,
            "reminded_for": "",
            "escalated_for": "",
            "promoted_at": None,  # the seeded history promotes no ticket to a problem
            "idempotency_key": "",
            "idempotency_digest": "",
            "search_words": "",
            "created_at": created_at,
            "updated_at": created_at,
            "closed_at": None,
            "category_id": None,
            "created_by_id": None,
            "desk_id": None,
            "enterprise_id": enterprise.id,
            "lead_department_id": None,
            "merged_into_id": None,
            "specialist_id": None,
        }

    # --- the mechanics of one step ---------------------------------------------------------

    @property
    def last_at(self) -> dt.datetime:
        return self.events[-1].at

    def act(
        self,
        at: dt.datetime,
        action: str,
        actor: Person,
        to_state: str | None = None,
        change: Callable[[dt.datetime, dict[str, Any]], None] | None = None,
    ) -> bool:
        """Take `action` at `at`; False (and the story ends) if that moment is in the future or
        the enterprise withdrew the appeal first."""
        if self.ended:
            return False
        withdraw_at = self.withdraw_at
        if (
            withdraw_at is not None
            and withdraw_at < min(at, self.world.now)
            and self.state in WITHDRAWABLE
        ):
            self.withdraw_at = None
            self._withdraw(max(withdraw_at, self.last_at + dt.timedelta(seconds=1)))
            self.ended = True
            return False
        if at >= self.world.now:
            self.ended = True
            return False
        self._apply(at, action, actor, to_state, change)
        return True

    def _apply(
        self,
        at: dt.datetime,
        action: str,
        actor: Person,
        to_state: str | None,
        change: Callable[[dt.datetime, dict[str, Any]], None] | None,
    ) -> None:
        payload: dict[str, Any] = {}
        if change is not None:
            change(at, payload)
        from_state = self.state
        if to_state and to_state != from_state:
            self.state = to_state
            if to_state in FINAL:
                self.f.update(closed_at=at, milestone="", due_at=None, warn_at=None)
        self.f["version"] += 1
        self.f["updated_at"] = at
        self.events.append(Ev(at, action, actor, from_state, self.state, payload))

    def start(
        self, milestone: str, at: dt.datetime, payload: dict[str, Any], due_field: str = ""
    ) -> None:
        """Ctx.start_milestone: a fresh clock for `milestone` from `at`."""
        due, warn = self.deadlines.due(at, self.f["type"], self.f["urgency"], milestone)
        self.f.update(
            milestone=milestone, due_at=due, warn_at=warn, reminded_for="", escalated_for=""
        )
        if due_field:
            self.f[due_field] = due
        payload.setdefault("due", {})[milestone] = due.isoformat()

    def resume(self, milestone: str, due: dt.datetime, at: dt.datetime) -> None:
        """Ctx.resume_milestone: run towards an already computed due time."""
        ratio = float(self.deadlines.ratio(self.f["type"], self.f["urgency"], milestone))
        if milestone != self.f["milestone"]:
            self.f.update(reminded_for="", escalated_for="")
        self.f.update(
            milestone=milestone, due_at=due, warn_at=at + (due - at) * ratio if due > at else due
        )

    def stop(self) -> None:
        self.f.update(milestone="", due_at=None, warn_at=None)

    # --- people --------------------------------------------------------------------------

    def operator(self) -> Person:
        assert self.desk is not None
        return self.rng.choice(self.desk.operators)

    def lead(self) -> Person:
        assert self.desk is not None
        return self.desk.lead

    def _withdraw(self, at: dt.datetime) -> None:
        actor = self.enterprise.user if self.enterprise.user is not None else self.operator()
        held_by = [a for a in self.assignments if a["active"]]

        def change(at: dt.datetime, payload: dict[str, Any]) -> None:
            for assignment in held_by:
                assignment["active"] = False
            if self.rng.random() < 0.7:
                payload["reason"] = self.rng.choice(text.WITHDRAW_REASONS)
            for decision in self.decisions:
                if decision["decided_at"] is None:
                    decision.update(decided_at=at, approved=False, decision_note="工单已撤销")
            self.f["pending_request"] = ""
            self.f["assist_pending"] = []

        self._apply(at, "withdraw", actor, "withdrawn", change)

    def result(self) -> Result:
        self.f["state"] = self.state
        return Result(self.f, self.events, self.assignments, self.decisions)
