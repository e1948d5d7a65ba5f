"""What every ticket action shares: the context `Ctx` the workflow skeleton hands to the
handlers (the locked ticket, the actor, the validated input, the clock, plus the deadline
helpers) and the helpers that find whom to tell and tell them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet

from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import WorkCalendar, WorkingHours, load_calendar
from qitong.directory.models import Department
from qitong.directory.selectors import active_department_by_id
from qitong.notifications.services import Note
from qitong.tickets.deadlines import Limit, compute_due, load_policies
from qitong.tickets.models import PendingDecision, Ticket
from qitong.tickets.rollup import Contribution, contribution
from qitong.tickets.transitions import TICKET
from qitong.workflow.inputs import whole
from qitong.workflow.skeleton import Action

SUBJECT = TICKET.name


@dataclass
class Ctx(Action[Ticket]):
    """A ticket action's context: the workflow core's, plus the deadline helpers."""

    # A reply held for the department leader's sign-off: its files stay internal until then.
    draft: PendingDecision | None = None
    # Whom the action tells: written together, in one statement, when the handler is done.
    notes: list[Note] = field(default_factory=list)
    _calendar: WorkCalendar | None = None
    _policies: Mapping[tuple[str, str, str], Limit] | None = None
    # What the ticket contributed to the hotline rollup before this action (tickets.rollup).
    counted_before: Contribution | None = None

    def __post_init__(self) -> None:
        self.counted_before = contribution(self.subject)

    @property
    def ticket(self) -> Ticket:
        return self.subject

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = load_calendar()
        return self._calendar

    @property
    def working_hours(self) -> WorkingHours:
        desk = self.ticket.desk
        return WorkingHours.from_config(desk.working_hours if desk else None)

    @property
    def policies(self) -> Mapping[tuple[str, str, str], Limit]:
        if self._policies is None:
            self._policies = load_policies()
        return self._policies

    def start_milestone(self, milestone: str, *, due_field: str | None = None) -> None:
        due = compute_due(
            start=self.now,
            ticket_type=self.ticket.type,
            urgency=self.ticket.urgency,
            milestone=milestone,
            policies=self.policies,
            calendar=self.calendar,
            working=self.working_hours,
        )
        self.set(
            milestone=milestone,
            due_at=due.due_at,
            warn_at=due.warn_at,
            reminded_for="",
            escalated_for="",
        )
        if due_field:
            self.set(**{due_field: due.due_at})
        self.payload.setdefault("due", {})[milestone] = due.due_at.isoformat()

    def resume_milestone(self, milestone: str, due: dt.datetime | None) -> None:
        """Run the clock towards an already computed due time (reply after signing or an
        approved extension); the warning window is the policy's ratio of what remains."""
        if due is None:
            return self.start_milestone(milestone)
        ratio = self.policies[(self.ticket.type, self.ticket.urgency, milestone)].warn_ratio
        if milestone != self.ticket.milestone:
            self.set(reminded_for="", escalated_for="")
        self.set(
            milestone=milestone,
            due_at=due,
            warn_at=self.now + (due - self.now) * float(ratio) if due > self.now else due,
        )

    def stop_clock(self) -> None:
        self.set(milestone="", due_at=None, warn_at=None)


Handler = Callable[[Ctx], None]


Recipients = QuerySet[User] | list[User]


def department_staff(department_id: int | None) -> QuerySet[User]:
    """Whom to tell in a department (a queryset: `notify` writes their rows without loading
    them; nobody when there is no department)."""
    if department_id is None:
        return User.objects.none()
    return User.objects.filter(
        department_id=department_id, role__in=DEPARTMENT_ROLES, is_active=True
    )


def department_leaders(department_id: int | None) -> QuerySet[User]:
    if department_id is None:
        return User.objects.none()
    return User.objects.filter(department_id=department_id, role=Role.DEPT_LEADER, is_active=True)


def desk_leads(ticket: Ticket) -> QuerySet[User]:
    if ticket.desk_id is None:
        return User.objects.none()
    return User.objects.filter(desk_id=ticket.desk_id, role=Role.DESK_LEAD, is_active=True)


def tell_enterprise(ctx: Ctx, kind: str, text: str) -> None:
    ticket = ctx.ticket
    ctx.notes.append(
        Note(
            kind=kind,
            subject=(SUBJECT, ticket.pk),
            phone=ticket.contact_phone,
            users=User.objects.filter(enterprise_id=ticket.enterprise_id, is_active=True),
            text=f"工单 {ticket.number}：{text}",
        )
    )


def tell(users: Recipients, ctx: Ctx, kind: str, text: str) -> None:
    """Tell `users` about the ticket (a list or a queryset; nobody: nothing is written)."""
    ctx.notes.append(
        Note(
            kind=kind,
            subject=(SUBJECT, ctx.ticket.pk),
            users=users,
            text=f"工单 {ctx.ticket.number}：{text}",
        )
    )


def active_department(raw: object, field: str) -> Department:
    pk = whole(raw)
    department = active_department_by_id(pk) if pk is not None else None
    if department is None:
        raise ValidationFailed(fields={field: f"未知或已停用的承办单位：{raw}"})
    return department
