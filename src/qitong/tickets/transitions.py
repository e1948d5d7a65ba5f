"""The ticket state machine as data (STYLE habit 3): each action's source states, target, the
roles that may take it with the relation each role needs to the ticket, and an extra guard.

No ORM here: guards read plain attributes of the ticket (`TicketFacts` protocol) and an
`Actor`, so every state x action x role is tested without a database, and the UI shows
exactly `allowed_actions(ticket, actor)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from qitong.accounts.actor import SYSTEM_ROLE, Actor
from qitong.accounts.roles import Role
from qitong.core.errors import Conflict, Forbidden
from qitong.tickets.states import CLOCK_RUNNING_STATES, OPEN_STATES, RequestKind, TicketState

S = TicketState


class TicketFacts(Protocol):
    """What guards read of a ticket (a Ticket model instance satisfies it)."""

    @property
    def state(self) -> str: ...
    @property
    def region_code(self) -> str: ...
    @property
    def enterprise_id(self) -> int | None: ...
    @property
    def lead_department_id(self) -> int | None: ...
    @property
    def specialist_id(self) -> int | None: ...
    @property
    def pending_request(self) -> str: ...  # "" or a RequestKind
    @property
    def assist_pending(self) -> list[int]: ...  # assisting departments yet to give an opinion
    @property
    def specialist_accepted(self) -> bool: ...  # the offered specialist took the consultation
    @property
    def callback_dissatisfied(self) -> bool: ...
    @property
    def enterprise_rating(self) -> int | None: ...


Relation = Callable[[TicketFacts, Actor], bool]
Guard = Callable[[TicketFacts], str | None]  # None = passes, else the reason (Chinese)


def in_jurisdiction(t: TicketFacts, a: Actor) -> bool:
    """Desk staff and supervisors act on tickets of their region subtree."""
    return a.covers(t.region_code)


def lead_department(t: TicketFacts, a: Actor) -> bool:
    return a.department_id is not None and a.department_id == t.lead_department_id


def assisting_department(t: TicketFacts, a: Actor) -> bool:
    """An assisting department (协办) whose opinion to the lead is still awaited."""
    return a.department_id is not None and a.department_id in (t.assist_pending or [])


def own_enterprise(t: TicketFacts, a: Actor) -> bool:
    return a.enterprise_id is not None and a.enterprise_id == t.enterprise_id


def assigned_specialist(t: TicketFacts, a: Actor) -> bool:
    return a.specialist_id is not None and a.specialist_id == t.specialist_id


def anyone(t: TicketFacts, a: Actor) -> bool:
    return True


def no_pending_request(t: TicketFacts) -> str | None:
    if not t.pending_request:
        return None
    if t.pending_request == RequestKind.SIGNOFF:
        return "答复稿正待部门领导审签"
    return f"已有待班长审批的{RequestKind(t.pending_request).label}"


def pending(kind: RequestKind) -> Guard:
    def guard(t: TicketFacts) -> str | None:
        return None if t.pending_request == kind else f"没有待审批的{kind.label}"

    return guard


def dissatisfied_callback(t: TicketFacts) -> str | None:
    return None if t.callback_dissatisfied else "只有回访不满意的工单才能重办或说明理由后办结"


def offer_open(t: TicketFacts) -> str | None:
    return "政策专员已接受该咨询" if t.specialist_accepted else None


def offer_taken(t: TicketFacts) -> str | None:
    return None if t.specialist_accepted else "请先接受该咨询"


def not_rated(t: TicketFacts) -> str | None:
    return "该工单已评价过" if t.enterprise_rating is not None else None


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    roles: Mapping[str, Relation]
    guard: Guard | None = None

    def relation_ok(self, ticket: TicketFacts, actor: Actor) -> bool:
        relation = self.roles.get(actor.role)
        return relation is not None and relation(ticket, actor)


DESK: dict[str, Relation] = {Role.OPERATOR: in_jurisdiction, Role.DESK_LEAD: in_jurisdiction}
LEAD_ONLY: dict[str, Relation] = {Role.DESK_LEAD: in_jurisdiction}
DEPT: dict[str, Relation] = {Role.HANDLER: lead_department, Role.DEPT_LEADER: lead_department}
DEPT_LEADER_ONLY: dict[str, Relation] = {Role.DEPT_LEADER: lead_department}
ASSISTING: dict[str, Relation] = {
    Role.HANDLER: assisting_department,
    Role.DEPT_LEADER: assisting_department,
}
OVERSIGHT: dict[str, Relation] = {
    Role.DESK_LEAD: in_jurisdiction,
    Role.SUPERVISOR: in_jurisdiction,
    SYSTEM_ROLE: anyone,
}
HELD_BY_DEPARTMENT = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED})
BEFORE_DISPATCH = frozenset({S.SUBMITTED, S.REGISTERED})
WITHDRAWABLE = frozenset(OPEN_STATES - {S.AWAITING_CALLBACK})
# Reminders and escalations apply wherever a clock runs (not while suspended).
SUPERVISED = CLOCK_RUNNING_STATES


def _t(
    action: str,
    label: str,
    sources: frozenset[str] | set[str],
    target: str | None,
    roles: dict[str, Relation],
    guard: Guard | None = None,
) -> Transition:
    return Transition(action, label, frozenset(sources), target, roles, guard)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("register", "受理", {S.SUBMITTED}, S.REGISTERED, DESK),
        _t("reject", "不予受理", {S.SUBMITTED}, S.REJECTED, DESK),
        _t("answer", "即时解答", {S.REGISTERED}, S.AWAITING_CALLBACK, DESK),
        _t("refer", "转政策专员", {S.REGISTERED}, S.WITH_SPECIALIST, DESK),
        _t(
            "accept_offer",
            "接受咨询",
            {S.WITH_SPECIALIST},
            None,
            {Role.SPECIALIST: assigned_specialist},
            offer_open,
        ),
        # → the next specialist, or back to the desk (registered) when nobody is left
        _t(
            "decline_offer",
            "谢绝咨询",
            {S.WITH_SPECIALIST},
            None,
            {Role.SPECIALIST: assigned_specialist},
            offer_open,
        ),
        _t(
            "reroute",
            "改派专员",
            {S.WITH_SPECIALIST},
            None,
            {SYSTEM_ROLE: anyone, Role.DESK_LEAD: in_jurisdiction},
            offer_open,
        ),
        _t(
            "specialist_reply",
            "专员答复",
            {S.WITH_SPECIALIST},
            S.AWAITING_CALLBACK,
            {Role.SPECIALIST: assigned_specialist},
            offer_taken,
        ),
        _t("dispatch", "派单", {S.REGISTERED}, S.DISPATCHED, DESK),
        _t("sign", "签收", {S.DISPATCHED}, S.IN_PROGRESS, DEPT, no_pending_request),
        _t(
            "request_return",
            "申请退单",
            {S.DISPATCHED, S.IN_PROGRESS},
            None,
            DEPT,
            no_pending_request,
        ),
        _t(
            "approve_return",
            "同意退单",
            {S.DISPATCHED, S.IN_PROGRESS},
            S.REGISTERED,
            LEAD_ONLY,
            pending(RequestKind.RETURN),
        ),
        _t(
            "refuse_return",
            "驳回退单",
            {S.DISPATCHED, S.IN_PROGRESS},
            None,
            LEAD_ONLY,
            pending(RequestKind.RETURN),
        ),
        _t(
            "request_extension",
            "申请延期",
            {S.IN_PROGRESS, S.SUSPENDED},
            None,
            DEPT,
            no_pending_request,
        ),
        _t(
            "approve_extension",
            "同意延期",
            {S.IN_PROGRESS, S.SUSPENDED},
            None,
            LEAD_ONLY,
            pending(RequestKind.EXTENSION),
        ),
        _t(
            "refuse_extension",
            "驳回延期",
            {S.IN_PROGRESS, S.SUSPENDED},
            None,
            LEAD_ONLY,
            pending(RequestKind.EXTENSION),
        ),
        _t("suspend", "挂起", {S.IN_PROGRESS}, S.SUSPENDED, DEPT, no_pending_request),
        _t("resume", "恢复办理", {S.SUSPENDED}, S.IN_PROGRESS, DEPT),
        _t("assist", "协办意见", HELD_BY_DEPARTMENT, None, ASSISTING),
        # → replied, or stays in progress awaiting sign-off where the department requires it
        _t("reply", "答复", {S.IN_PROGRESS}, S.REPLIED, DEPT, no_pending_request),
        _t(
            "approve_reply",
            "审签通过",
            {S.IN_PROGRESS},
            S.REPLIED,
            DEPT_LEADER_ONLY,
            pending(RequestKind.SIGNOFF),
        ),
        _t(
            "refuse_reply",
            "审签退回",
            {S.IN_PROGRESS},
            None,
            DEPT_LEADER_ONLY,
            pending(RequestKind.SIGNOFF),
        ),
        _t("accept_reply", "审核通过", {S.REPLIED}, S.AWAITING_CALLBACK, LEAD_ONLY),
        _t("send_back", "退回重办", {S.REPLIED}, S.IN_PROGRESS, LEAD_ONLY),
        _t("callback", "回访", {S.AWAITING_CALLBACK}, None, DESK),  # → closed unless dissatisfied
        _t("redo", "重办", {S.AWAITING_CALLBACK}, S.IN_PROGRESS, DESK, dissatisfied_callback),
        _t(
            "close",
            "说明理由后办结",
            {S.AWAITING_CALLBACK},
            S.CLOSED,
            LEAD_ONLY,
            dissatisfied_callback,
        ),
        _t("merge", "并单", BEFORE_DISPATCH, S.MERGED, DESK),
        _t(
            "withdraw", "撤单", WITHDRAWABLE, S.WITHDRAWN, {Role.ENTERPRISE: own_enterprise, **DESK}
        ),
        _t("supplement", "补充材料", {S.SUSPENDED}, None, {Role.ENTERPRISE: own_enterprise}),
        _t("rate", "评价", {S.CLOSED}, None, {Role.ENTERPRISE: own_enterprise}, not_rated),
        _t("remind", "催办", SUPERVISED, None, OVERSIGHT),
        _t("escalate", "督办", SUPERVISED, None, OVERSIGHT),
        _t(
            "reassign",
            "改派",
            {S.DISPATCHED, S.IN_PROGRESS},
            S.DISPATCHED,
            LEAD_ONLY,
            no_pending_request,
        ),
    ]
}


def allowed_actions(ticket: TicketFacts, actor: Actor) -> list[str]:
    """Actions this actor may take on this ticket now, in table order."""
    return [
        t.action
        for t in TRANSITIONS.values()
        if ticket.state in t.sources
        and t.relation_ok(ticket, actor)
        and (t.guard is None or t.guard(ticket) is None)
    ]


def check_transition(ticket: TicketFacts, actor: Actor, action: str) -> Transition:
    """The transition if allowed; Forbidden if the role/relation never allows it,
    Conflict if the ticket's current state or a pending request forbids it now."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Conflict(f"未知的操作：{action}", code="unknown_action")
    if not transition.relation_ok(ticket, actor):
        raise Forbidden(f"您不能对该工单执行“{transition.label}”")
    if ticket.state not in transition.sources:
        raise Conflict(
            f"工单当前状态为“{TicketState(ticket.state).label}”，不能执行“{transition.label}”",
            code="invalid_transition",
        )
    if transition.guard is not None and (reason := transition.guard(ticket)):
        raise Conflict(reason, code="guard_failed")
    return transition
