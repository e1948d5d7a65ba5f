"""The ticket state machine as data on the workflow core (STYLE habit 3): each action's
source states, possible targets, the roles that may take it with the relation each role needs
to the ticket, a guard, its typed input (tickets.inputs) and how pages show it.

No ORM here: guards read plain attributes of the ticket (`TicketFacts` protocol) and an
`Actor`, so every state x action x role is tested without a database, and the UI shows
exactly `allowed_actions(ticket, actor)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from qitong.accounts.actor import SYSTEM_ROLE, Actor
from qitong.accounts.roles import Role
from qitong.tickets import inputs as I
from qitong.tickets.states import CLOCK_RUNNING_STATES, OPEN_STATES, RequestKind, TicketState
from qitong.workflow.machine import STAY, Handler, Machine, Transition, anyone, transition

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
    @property
    def promoted_at(self) -> object | None: ...  # promoted to a supervision problem


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


def reply_needs_signoff(actor: Actor, department_requires_signoff: bool) -> bool:
    """A handler's reply is a draft for the department leader where the department asks for
    sign-off (答复审签); a leader's own reply needs none."""
    return department_requires_signoff and actor.role == Role.HANDLER


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


def not_promoted(t: TicketFacts) -> str | None:
    return "该工单已转为督查问题" if t.promoted_at is not None else None


def not_rated(t: TicketFacts) -> str | None:
    return "该工单已评价过" if t.enterprise_rating is not None else None


DESK: dict[str, Relation] = {Role.OPERATOR: in_jurisdiction, Role.DESK_LEAD: in_jurisdiction}
LEAD_ONLY: dict[str, Relation] = {Role.DESK_LEAD: in_jurisdiction}
DEPT: dict[str, Relation] = {Role.HANDLER: lead_department, Role.DEPT_LEADER: lead_department}
DEPT_LEADER_ONLY: dict[str, Relation] = {Role.DEPT_LEADER: lead_department}
SPECIALIST: dict[str, Relation] = {Role.SPECIALIST: assigned_specialist}
ASSISTING: dict[str, Relation] = {
    Role.HANDLER: assisting_department,
    Role.DEPT_LEADER: assisting_department,
}
OVERSIGHT: dict[str, Relation] = {
    Role.DESK_LEAD: in_jurisdiction,
    Role.SUPERVISOR: in_jurisdiction,
    SYSTEM_ROLE: anyone,
}
SYSTEM_ONLY: dict[str, Relation] = {SYSTEM_ROLE: anyone}
# A desk lead or a supervisor promotes a ticket to a supervision problem (issue 13).
PROMOTERS: dict[str, Relation] = {Role.DESK_LEAD: in_jurisdiction, Role.SUPERVISOR: in_jurisdiction}
PROMOTABLE = frozenset(set(S) - {S.SUBMITTED, S.REJECTED, S.WITHDRAWN, S.MERGED})
HELD_BY_DEPARTMENT = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED})
BEFORE_DISPATCH = frozenset({S.SUBMITTED, S.REGISTERED})
WITHDRAWABLE = frozenset(OPEN_STATES - {S.AWAITING_CALLBACK})
# Reminders and escalations apply wherever a clock runs (not while suspended).
SUPERVISED = CLOCK_RUNNING_STATES


# What the ledger holds beyond the machine's actions: (staff label, enterprise's words).
OTHER_EVENTS = {
    "create": ("提交诉求", "诉求已提交"),
    "merged_in": ("合并了重复工单", ""),
    "phone_reveal": ("查看完整联系电话", ""),  # a personal-data view (services.contacts)
}

T = transition
TICKET: Machine[Handler] = Machine(
    name="tickets.ticket",
    state_labels=dict(TicketState.choices),
    subject_label="工单",
    transitions=[
        T(
            "register",
            "受理",
            {S.SUBMITTED},
            S.REGISTERED,
            DESK,
            input=I.RegisterIn,
            primary=True,
            public="专席已受理",
        ),
        T(
            "reject",
            "不予受理",
            {S.SUBMITTED},
            S.REJECTED,
            DESK,
            input=I.RejectIn,
            danger=True,
            public="不予受理",
        ),
        T(
            "answer",
            "即时解答",
            {S.REGISTERED},
            S.AWAITING_CALLBACK,
            DESK,
            input=I.AnswerIn,
            primary=True,
            public="专席已答复",
            public_files=True,
        ),
        T(
            "refer",
            "转政策专员",
            {S.REGISTERED},
            S.WITH_SPECIALIST,
            DESK,
            input=I.ReferIn,
            public="已转政策专员答复",
        ),
        T(
            "accept_offer",
            "接受咨询",
            {S.WITH_SPECIALIST},
            STAY,
            SPECIALIST,
            input=I.AcceptOfferIn,
            guard=offer_open,
            primary=True,
        ),
        # → the next specialist, or back to the desk when nobody is left
        T(
            "decline_offer",
            "谢绝咨询",
            {S.WITH_SPECIALIST},
            (STAY, S.REGISTERED),
            SPECIALIST,
            input=I.DeclineOfferIn,
            guard=offer_open,
            public="正在转其他政策专员",
        ),
        T(
            "reroute",
            "改派专员",
            {S.WITH_SPECIALIST},
            (STAY, S.REGISTERED),
            {SYSTEM_ROLE: anyone, Role.DESK_LEAD: in_jurisdiction},
            input=I.RerouteIn,
            guard=offer_open,
        ),
        T(
            "specialist_reply",
            "专员答复",
            {S.WITH_SPECIALIST},
            S.AWAITING_CALLBACK,
            SPECIALIST,
            input=I.SpecialistReplyIn,
            guard=offer_taken,
            primary=True,
            public="政策专员已答复",
            public_files=True,
        ),
        T(
            "dispatch",
            "派单",
            {S.REGISTERED},
            S.DISPATCHED,
            DESK,
            input=I.DispatchIn,
            primary=True,
            public="已转承办单位办理",
        ),
        T(
            "sign",
            "签收",
            {S.DISPATCHED},
            S.IN_PROGRESS,
            DEPT,
            input=I.SignIn,
            guard=no_pending_request,
            primary=True,
            public="承办单位已签收",
        ),
        T(
            "request_return",
            "申请退单",
            {S.DISPATCHED, S.IN_PROGRESS},
            STAY,
            DEPT,
            input=I.RequestReturnIn,
            guard=no_pending_request,
        ),
        T(
            "approve_return",
            "同意退单",
            {S.DISPATCHED, S.IN_PROGRESS},
            S.REGISTERED,
            LEAD_ONLY,
            input=I.ApproveReturnIn,
            guard=pending(RequestKind.RETURN),
            primary=True,
        ),
        T(
            "refuse_return",
            "驳回退单",
            {S.DISPATCHED, S.IN_PROGRESS},
            STAY,
            LEAD_ONLY,
            input=I.RefuseReturnIn,
            guard=pending(RequestKind.RETURN),
        ),
        T(
            "request_extension",
            "申请延期",
            {S.IN_PROGRESS, S.SUSPENDED},
            STAY,
            DEPT,
            input=I.RequestExtensionIn,
            guard=no_pending_request,
        ),
        T(
            "approve_extension",
            "同意延期",
            {S.IN_PROGRESS, S.SUSPENDED},
            STAY,
            LEAD_ONLY,
            input=I.ApproveExtensionIn,
            guard=pending(RequestKind.EXTENSION),
            primary=True,
            public="办理期限已延长",
        ),
        T(
            "refuse_extension",
            "驳回延期",
            {S.IN_PROGRESS, S.SUSPENDED},
            STAY,
            LEAD_ONLY,
            input=I.RefuseExtensionIn,
            guard=pending(RequestKind.EXTENSION),
        ),
        T(
            "suspend",
            "挂起",
            {S.IN_PROGRESS},
            S.SUSPENDED,
            DEPT,
            input=I.SuspendIn,
            guard=no_pending_request,
            public="等待您补充材料",
        ),
        T(
            "resume",
            "恢复办理",
            {S.SUSPENDED},
            S.IN_PROGRESS,
            DEPT,
            input=I.ResumeIn,
            primary=True,
            public="已恢复办理",
        ),
        T(
            "assist",
            "协办意见",
            HELD_BY_DEPARTMENT,
            STAY,
            ASSISTING,
            input=I.AssistIn,
            primary=True,
        ),
        # → replied, or stays in progress awaiting sign-off where the department requires it
        T(
            "reply",
            "答复",
            {S.IN_PROGRESS},
            (S.REPLIED, STAY),
            DEPT,
            input=I.ReplyIn,
            guard=no_pending_request,
            primary=True,
            public_files=True,
        ),
        T(
            "approve_reply",
            "审签通过",
            {S.IN_PROGRESS},
            S.REPLIED,
            DEPT_LEADER_ONLY,
            input=I.ApproveReplyIn,
            guard=pending(RequestKind.SIGNOFF),
            primary=True,
        ),
        T(
            "refuse_reply",
            "审签退回",
            {S.IN_PROGRESS},
            STAY,
            DEPT_LEADER_ONLY,
            input=I.RefuseReplyIn,
            guard=pending(RequestKind.SIGNOFF),
        ),
        T(
            "accept_reply",
            "审核通过",
            {S.REPLIED},
            S.AWAITING_CALLBACK,
            LEAD_ONLY,
            input=I.AcceptReplyIn,
            primary=True,
            public="已答复，等待回访",
        ),
        T("send_back", "退回重办", {S.REPLIED}, S.IN_PROGRESS, LEAD_ONLY, input=I.SendBackIn),
        # → closed when satisfied, else stays for a redo or a documented close
        T(
            "callback",
            "回访",
            {S.AWAITING_CALLBACK},
            (S.CLOSED, STAY),
            DESK,
            input=I.CallbackIn,
            primary=True,
            public="专席已回访",
        ),
        T(
            "redo",
            "重办",
            {S.AWAITING_CALLBACK},
            S.IN_PROGRESS,
            DESK,
            input=I.RedoIn,
            guard=dissatisfied_callback,
            public="重新办理",
        ),
        T(
            "close",
            "说明理由后办结",
            {S.AWAITING_CALLBACK},
            S.CLOSED,
            LEAD_ONLY,
            input=I.CloseIn,
            guard=dissatisfied_callback,
            public="已办结",
        ),
        T(
            "merge",
            "并单",
            BEFORE_DISPATCH,
            S.MERGED,
            DESK,
            input=I.MergeIn,
            public="与其他工单合并办理",
        ),
        T(
            "withdraw",
            "撤单",
            WITHDRAWABLE,
            S.WITHDRAWN,
            {Role.ENTERPRISE: own_enterprise, **DESK},
            input=I.WithdrawIn,
            danger=True,
            public="诉求已撤回",
        ),
        T(
            "supplement",
            "补充材料",
            {S.SUSPENDED},
            STAY,
            {Role.ENTERPRISE: own_enterprise},
            input=I.SupplementIn,
            primary=True,
            public="您已补充材料",
            public_files=True,
        ),
        T(
            "rate",
            "评价",
            {S.CLOSED},
            STAY,
            {Role.ENTERPRISE: own_enterprise},
            input=I.RateIn,
            guard=not_rated,
            primary=True,
            public="您已评价",
        ),
        # The handlers of these two are the supervision app's (it owns the problem).
        T(
            "promote",
            "转为督查问题",
            PROMOTABLE,
            STAY,
            PROMOTERS,
            input=I.PromoteIn,
            guard=not_promoted,
            public="已转为督查问题，督促责任单位整改",
        ),
        T(
            "problem_result",
            "督查问题整改结果",
            set(S),
            STAY,
            SYSTEM_ONLY,
            input=I.ProblemResultIn,
            public="督查问题已整改销号",
        ),
        T("remind", "催办", SUPERVISED, STAY, OVERSIGHT, input=I.RemindIn),
        T("escalate", "督办", SUPERVISED, STAY, OVERSIGHT, input=I.EscalateIn),
        # When a year's holidays are loaded, a clock that counted plain weekends is counted again.
        T("recompute_deadline", "按节假日安排重算时限", SUPERVISED, STAY, SYSTEM_ONLY),
        T(
            "reassign",
            "改派",
            {S.DISPATCHED, S.IN_PROGRESS},
            S.DISPATCHED,
            LEAD_ONLY,
            input=I.ReassignIn,
            guard=no_pending_request,
            public="已改由其他单位办理",
        ),
    ],
)
# The enterprise's own actions: its portal offers these and nothing else.
PORTAL_ACTIONS = frozenset(t.name for t in TICKET if Role.ENTERPRISE in t.roles)


def allowed_actions(ticket: TicketFacts, actor: Actor) -> list[str]:
    """Actions this actor may take on this ticket now, in table order."""
    return TICKET.allowed(ticket, actor)


def check_transition(ticket: TicketFacts, actor: Actor, action: str) -> Transition:
    """The transition if allowed (Forbidden / Conflict otherwise: workflow.Machine.check)."""
    return TICKET.check(ticket, actor, action)


def event_label(action: str) -> str:
    """A ledger event's name for staff."""
    return OTHER_EVENTS[action][0] if action in OTHER_EVENTS else TICKET.label(action)


def public_label(action: str) -> str:
    """What the enterprise reads of a ledger event; "" = internal."""
    if action in OTHER_EVENTS:
        return OTHER_EVENTS[action][1]
    found = TICKET.get(action)
    return found.public if found else ""
