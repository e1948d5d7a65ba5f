"""The transition table, exhaustively: every state x action x role, written out from DESIGN.md
independently of tickets/transitions.py, with and without the relations and guards."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest

from qitong.accounts.actor import SYSTEM, Actor
from qitong.core.errors import Conflict, Forbidden
from qitong.tickets.states import TicketState as S
from qitong.tickets.transitions import TICKET, allowed_actions, check_transition


@dataclass
class FakeTicket:
    state: str
    region_code: str = "150102"
    enterprise_id: int | None = 7
    lead_department_id: int | None = 3
    specialist_id: int | None = 5
    pending_request: str = ""
    callback_dissatisfied: bool = False
    enterprise_rating: int | None = None
    specialist_accepted: bool = True
    # Department 4 assists and has not given its opinion yet.
    assist_pending: list[int] = field(default_factory=lambda: [4])
    promoted_at: object | None = None  # not yet promoted to a supervision problem


# Actors related to the ticket: desk/supervisor of its region, handler of its lead department,
# its own enterprise, its assigned specialist.
RELATED = {
    "operator": Actor(role="operator", user_id=1, desk_id=1, region_prefix="1501"),
    "desk_lead": Actor(role="desk_lead", user_id=2, desk_id=1, region_prefix="15"),
    "handler": Actor(role="handler", user_id=3, department_id=3, region_prefix="15"),
    "dept_leader": Actor(role="dept_leader", user_id=4, department_id=3, region_prefix="15"),
    "assisting_handler": Actor(role="handler", user_id=11, department_id=4, region_prefix="15"),
    "assisting_leader": Actor(role="dept_leader", user_id=12, department_id=4, region_prefix="15"),
    "specialist": Actor(role="specialist", user_id=5, specialist_id=5, region_prefix="1501"),
    "enterprise": Actor(role="enterprise", user_id=6, enterprise_id=7),
    "supervisor": Actor(role="supervisor", user_id=8, region_prefix="1501"),
    "admin": Actor(role="admin", user_id=9),
    "auditor": Actor(role="auditor", user_id=10),
    "system": SYSTEM,
}
# The same roles without the relation: another region, department, enterprise, specialist.
UNRELATED = {
    "operator": Actor(role="operator", user_id=1, desk_id=2, region_prefix="1502"),
    "desk_lead": Actor(role="desk_lead", user_id=2, desk_id=2, region_prefix="1502"),
    "handler": Actor(role="handler", user_id=3, department_id=99, region_prefix="15"),
    "dept_leader": Actor(role="dept_leader", user_id=4, department_id=99, region_prefix="15"),
    "specialist": Actor(role="specialist", user_id=5, specialist_id=55, region_prefix="1501"),
    "enterprise": Actor(role="enterprise", user_id=6, enterprise_id=77),
    "supervisor": Actor(role="supervisor", user_id=8, region_prefix="1502"),
}

OVERSIGHT = {"remind", "escalate"}
# The system also counts a running clock again when a year's holidays are loaded.
SYSTEM_ACTIONS = OVERSIGHT | {"recompute_deadline"}
DESK_WITHDRAW = {"withdraw"}

# Expected actions per (state, role) for a related actor, no pending request, no dissatisfaction.
EXPECTED: dict[tuple[str, str], set[str]] = {
    (S.SUBMITTED, "operator"): {"register", "reject", "merge", "withdraw"},
    (S.SUBMITTED, "desk_lead"): {"register", "reject", "merge", "withdraw"} | OVERSIGHT,
    (S.SUBMITTED, "supervisor"): OVERSIGHT,
    (S.SUBMITTED, "system"): SYSTEM_ACTIONS,
    (S.SUBMITTED, "enterprise"): {"withdraw"},
    (S.REGISTERED, "operator"): {"answer", "refer", "dispatch", "merge", "withdraw"},
    (S.REGISTERED, "desk_lead"): {"answer", "refer", "dispatch", "merge", "withdraw"} | OVERSIGHT,
    (S.REGISTERED, "supervisor"): OVERSIGHT,
    (S.REGISTERED, "system"): SYSTEM_ACTIONS,
    (S.REGISTERED, "enterprise"): {"withdraw"},
    (S.WITH_SPECIALIST, "specialist"): {"specialist_reply"},
    (S.WITH_SPECIALIST, "operator"): {"withdraw"},
    (S.WITH_SPECIALIST, "desk_lead"): {"withdraw"} | OVERSIGHT,  # + reroute while offered
    (S.WITH_SPECIALIST, "supervisor"): OVERSIGHT,
    (S.WITH_SPECIALIST, "system"): SYSTEM_ACTIONS,
    (S.WITH_SPECIALIST, "enterprise"): {"withdraw"},
    (S.DISPATCHED, "handler"): {"sign", "request_return"},
    (S.DISPATCHED, "dept_leader"): {"sign", "request_return"},
    (S.DISPATCHED, "operator"): {"withdraw"},
    (S.DISPATCHED, "desk_lead"): {"withdraw", "reassign"} | OVERSIGHT,
    (S.DISPATCHED, "supervisor"): OVERSIGHT,
    (S.DISPATCHED, "system"): SYSTEM_ACTIONS,
    (S.DISPATCHED, "enterprise"): {"withdraw"},
    (S.IN_PROGRESS, "handler"): {"request_return", "request_extension", "suspend", "reply"},
    (S.IN_PROGRESS, "dept_leader"): {"request_return", "request_extension", "suspend", "reply"},
    (S.IN_PROGRESS, "operator"): {"withdraw"},
    (S.IN_PROGRESS, "desk_lead"): {"withdraw", "reassign"} | OVERSIGHT,
    (S.IN_PROGRESS, "supervisor"): OVERSIGHT,
    (S.IN_PROGRESS, "system"): SYSTEM_ACTIONS,
    (S.IN_PROGRESS, "enterprise"): {"withdraw"},
    (S.SUSPENDED, "handler"): {"request_extension", "resume"},
    (S.SUSPENDED, "dept_leader"): {"request_extension", "resume"},
    (S.SUSPENDED, "operator"): {"withdraw"},
    # The assisting department gives its opinion while the lead holds the ticket.
    **{
        (state, role): {"assist"}
        for state in (S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED)
        for role in ("assisting_handler", "assisting_leader")
    },
    (S.SUSPENDED, "desk_lead"): {"withdraw"},
    (S.SUSPENDED, "enterprise"): {"withdraw", "supplement"},
    (S.REPLIED, "desk_lead"): {"accept_reply", "send_back", "withdraw"} | OVERSIGHT,
    (S.REPLIED, "operator"): {"withdraw"},
    (S.REPLIED, "supervisor"): OVERSIGHT,
    (S.REPLIED, "system"): SYSTEM_ACTIONS,
    (S.REPLIED, "enterprise"): {"withdraw"},
    (S.AWAITING_CALLBACK, "operator"): {"callback"},
    (S.CLOSED, "enterprise"): {"rate"},
    (S.AWAITING_CALLBACK, "desk_lead"): {"callback"} | OVERSIGHT,
    (S.AWAITING_CALLBACK, "supervisor"): OVERSIGHT,
    (S.AWAITING_CALLBACK, "system"): SYSTEM_ACTIONS,
}

# Issue 13: a desk lead or a supervisor promotes any ticket past intake (closed included) to a
# supervision problem; the system tells the ticket the problem's result, in any state.
NOT_PROMOTABLE = {S.SUBMITTED, S.REJECTED, S.WITHDRAWN, S.MERGED}
for _state in S:
    if _state not in NOT_PROMOTABLE:
        for _role in ("desk_lead", "supervisor"):
            EXPECTED[(_state, _role)] = EXPECTED.get((_state, _role), set()) | {"promote"}
    EXPECTED[(_state, "system")] = EXPECTED.get((_state, "system"), set()) | {"problem_result"}


def test_a_promoted_ticket_is_not_promoted_twice() -> None:
    promoted = FakeTicket(S.CLOSED, promoted_at="2026-12-01")
    assert "promote" not in allowed_actions(promoted, RELATED["desk_lead"])
    assert "promote" in allowed_actions(FakeTicket(S.CLOSED), RELATED["desk_lead"])


@pytest.mark.parametrize(("state", "role"), list(itertools.product(list(S), list(RELATED))))
def test_allowed_actions_for_related_actor(state: str, role: str) -> None:
    got = set(allowed_actions(FakeTicket(state), RELATED[role]))
    assert got == EXPECTED.get((state, role), set())


@pytest.mark.parametrize(("state", "role"), list(itertools.product(list(S), list(UNRELATED))))
def test_unrelated_actor_may_do_nothing(state: str, role: str) -> None:
    assert allowed_actions(FakeTicket(state), UNRELATED[role]) == []


@pytest.mark.parametrize("kind", ["return", "extension"])
def test_pending_request_blocks_department_and_enables_the_decision(kind: str) -> None:
    ticket = FakeTicket(S.IN_PROGRESS, pending_request=kind)
    assert allowed_actions(ticket, RELATED["handler"]) == []
    decisions = {f"approve_{kind}", f"refuse_{kind}"}
    assert set(allowed_actions(ticket, RELATED["desk_lead"])) == (
        {"withdraw", "promote"} | OVERSIGHT | decisions
    )
    assert set(
        allowed_actions(FakeTicket(S.SUSPENDED, pending_request=kind), RELATED["handler"])
    ) == {"resume"}


def test_a_draft_awaiting_signoff_is_decided_by_the_lead_departments_leader_only() -> None:
    ticket = FakeTicket(S.IN_PROGRESS, pending_request="signoff")
    assert allowed_actions(ticket, RELATED["handler"]) == []
    assert set(allowed_actions(ticket, RELATED["dept_leader"])) == {
        "approve_reply",
        "refuse_reply",
    }
    assert set(allowed_actions(ticket, RELATED["desk_lead"])) == {"withdraw", "promote"} | OVERSIGHT
    assert allowed_actions(ticket, RELATED["assisting_leader"]) == ["assist"]
    with pytest.raises(Conflict) as held:
        check_transition(ticket, RELATED["handler"], "reply")
    assert "审签" in held.value.message


def test_an_assisting_department_gives_its_opinion_once() -> None:
    answered = FakeTicket(S.IN_PROGRESS, assist_pending=[])
    assert allowed_actions(answered, RELATED["assisting_handler"]) == []
    with pytest.raises(Forbidden):
        check_transition(answered, RELATED["assisting_handler"], "assist")
    # The lead department never "assists" its own ticket.
    assert "assist" not in allowed_actions(FakeTicket(S.IN_PROGRESS), RELATED["handler"])


def test_an_offer_is_accepted_or_declined_before_the_answer() -> None:
    offered = FakeTicket(S.WITH_SPECIALIST, specialist_accepted=False)
    assert set(allowed_actions(offered, RELATED["specialist"])) == {
        "accept_offer",
        "decline_offer",
    }
    assert set(allowed_actions(offered, RELATED["desk_lead"])) == {
        "withdraw",
        "reroute",
        "promote",
    } | (OVERSIGHT)
    assert set(allowed_actions(offered, SYSTEM)) == {"reroute", "problem_result"} | SYSTEM_ACTIONS
    assert allowed_actions(offered, UNRELATED["specialist"]) == []
    with pytest.raises(Conflict) as early:
        check_transition(offered, RELATED["specialist"], "specialist_reply")
    assert early.value.message == "请先接受该咨询"


def test_a_closed_ticket_is_rated_once() -> None:
    assert allowed_actions(FakeTicket(S.CLOSED, enterprise_rating=4), RELATED["enterprise"]) == []


def test_dissatisfied_callback_allows_redo_and_close_with_reason() -> None:
    ticket = FakeTicket(S.AWAITING_CALLBACK, callback_dissatisfied=True)
    assert set(allowed_actions(ticket, RELATED["operator"])) == {"callback", "redo"}
    assert (
        set(allowed_actions(ticket, RELATED["desk_lead"]))
        == {"callback", "redo", "close", "promote"} | OVERSIGHT
    )


def test_every_action_is_reachable_somewhere() -> None:
    reachable: set[str] = set()
    for state, actor in itertools.product(list(S), RELATED.values()):
        for pending_request, dissatisfied, accepted in itertools.product(
            ["", "return", "extension", "signoff"], [False, True], [False, True]
        ):
            ticket = FakeTicket(
                state,
                pending_request=pending_request,
                callback_dissatisfied=dissatisfied,
                specialist_accepted=accepted,
            )
            reachable |= set(allowed_actions(ticket, actor))
    assert reachable == set(TICKET.names)


def test_check_transition_errors() -> None:
    with pytest.raises(Forbidden):
        check_transition(FakeTicket(S.REGISTERED), RELATED["enterprise"], "dispatch")
    with pytest.raises(Conflict) as wrong_state:
        check_transition(FakeTicket(S.CLOSED), RELATED["operator"], "dispatch")
    assert wrong_state.value.code == "invalid_transition"
    assert "已办结" in wrong_state.value.message
    with pytest.raises(Conflict) as guarded:
        check_transition(
            FakeTicket(S.IN_PROGRESS, pending_request="return"), RELATED["handler"], "reply"
        )
    assert guarded.value.code == "guard_failed"
    with pytest.raises(Conflict):
        check_transition(FakeTicket(S.REGISTERED), RELATED["operator"], "fly")
    assert check_transition(FakeTicket(S.REGISTERED), RELATED["operator"], "dispatch").targets == (
        S.DISPATCHED,
    )


# What the enterprise's timeline shows: exactly these steps, in these words. Adding a step to
# the public timeline (or renaming one) is a decision, made here, not a side effect.
PUBLIC_STEPS = {
    "promote": "已转为督查问题，督促责任单位整改",
    "problem_result": "督查问题已整改销号",
    "create": "诉求已提交",
    "register": "专席已受理",
    "reject": "不予受理",
    "answer": "专席已答复",
    "refer": "已转政策专员答复",
    "decline_offer": "正在转其他政策专员",
    "specialist_reply": "政策专员已答复",
    "dispatch": "已转承办单位办理",
    "sign": "承办单位已签收",
    "approve_extension": "办理期限已延长",
    "suspend": "等待您补充材料",
    "resume": "已恢复办理",
    "accept_reply": "已答复，等待回访",
    "callback": "专席已回访",
    "redo": "重新办理",
    "close": "已办结",
    "merge": "与其他工单合并办理",
    "withdraw": "诉求已撤回",
    "supplement": "您已补充材料",
    "rate": "您已评价",
    "reassign": "已改由其他单位办理",
}


def test_the_public_timeline_steps_are_pinned() -> None:
    from qitong.tickets.transitions import OTHER_EVENTS, TICKET, public_label

    every = [t.name for t in TICKET] + list(OTHER_EVENTS)
    public = {a: public_label(a) for a in every if public_label(a)}
    assert public == PUBLIC_STEPS
    internal = set(every) - set(PUBLIC_STEPS)
    assert internal and all(public_label(a) == "" for a in internal)
