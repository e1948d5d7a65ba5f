"""The problem's machine on the workflow core (issue 13; no ORM here, so every state x action
x role is tested without a database).

Who acts:
- the supervising office — a supervisor whose region covers the office that registered the
  problem (`owner_code`) — assigns, accepts the rectification (销号) or returns it, decides
  objections and extensions, escalates;
- the responsible unit — the staff (handler, leader) of the responsible department, or the
  盟市 coordinator (a supervisor scoped to exactly that 盟市) for a problem supervised from
  above it — accepts, files the plan and progress, claims done, objects, asks for more time;
- the system warns before a deadline and escalates (督办) after it, once per deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from qitong.accounts.roles import Role
from qitong.supervision.states import CLOCKED_STATES, Escalation, ProblemState
from qitong.workflow.inputs import Choice, Day, Flag, Input, NoInput, Ref, Refs, Steps, Text
from qitong.workflow.machine import (
    STAY,
    SYSTEM_ROLE,
    Handler,
    Machine,
    Relation,
    anyone,
    transition,
)

P = ProblemState
OBJECTION_DAYS = 30  # the unit disputes within 30 days of assignment; the decision within 30


def supervises(problem: Any, actor: Any) -> bool:
    """A supervisor over the office that registered the problem (the region's office is over
    every office)."""
    prefix = actor.region_prefix
    return prefix is None or str(problem.owner_code).startswith(prefix)


def unit_staff(problem: Any, actor: Any) -> bool:
    return actor.department_id is not None and actor.department_id == problem.unit_department_id


def coordinates(problem: Any, actor: Any) -> bool:
    """The 盟市 coordinator answers for a unit in its 盟市 to an office above it."""
    prefix = actor.region_prefix
    return (
        prefix is not None
        and len(prefix) == 4
        and str(problem.region_code).startswith(prefix)
        and not str(problem.owner_code).startswith(prefix)
    )


SUPERVISOR: dict[str, Relation] = {Role.SUPERVISOR: supervises}
UNIT: dict[str, Relation] = {
    Role.HANDLER: unit_staff,
    Role.DEPT_LEADER: unit_staff,
    Role.SUPERVISOR: coordinates,
}
SYSTEM: dict[str, Relation] = {SYSTEM_ROLE: anyone}


# --- guards ---------------------------------------------------------------------------------


def not_accepted(problem: Any) -> str | None:
    return "责任单位已签收" if problem.accepted_at is not None else None


def accepted(problem: Any) -> str | None:
    return None if problem.accepted_at is not None else "请先签收该问题"


def planned(problem: Any) -> str | None:
    return None if problem.plan else "请先提交整改方案"


def no_extension_request(problem: Any) -> str | None:
    if problem.extension_requested is not None:
        return f"已申请延期至 {problem.extension_requested:%Y-%m-%d}，待督查单位审批"
    return None


def extension_requested(problem: Any) -> str | None:
    return None if problem.extension_requested is not None else "没有待审批的延期申请"


def below_top(problem: Any) -> str | None:
    if problem.escalation >= Escalation.REFERRAL:
        return "已移送纪检监察，不能再升级督办"
    return None


# --- inputs -----------------------------------------------------------------------------------


class AssignIn(Input):
    leader: str = Text("责任领导", required=False, rows=1, max_length=50)
    deadline: dt.date | None = Day("整改时限", required=False, hint="不填按问题等级的时限计算")
    note: str = Text("交办意见", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "交办责任单位；整改时限默认按问题等级自交办次日起算。"


class DismissIn(Input):
    reason: str = Text("撤销理由", rows=2, max_length=1000)
    hint: ClassVar[str] = "登记有误或不属于督查问题时撤销，理由留档。"


class AcceptIn(Input):
    note: str = Text("签收意见", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "签收后提交整改方案（措施和节点）。"


class PlanIn(Input):
    plan: str = Text("整改措施", rows=4, max_length=5000)
    milestones: list[dict[str, str]] = Steps("整改节点")
    hint: ClassVar[str] = "整改措施和时间节点；再次提交即修订方案，已完成的节点保留。"


class ProgressIn(Input):
    note: str = Text("整改进展", rows=3, max_length=5000)
    done_milestones: list[int] = Refs("已完成节点")  # ids of milestones
    hint: ClassVar[str] = "报送本次整改进展，可勾选已完成的节点并上传材料。"


class ClaimDoneIn(Input):
    summary: str = Text("整改情况", rows=4, max_length=5000)
    hint: ClassVar[str] = "说明整改结果并上传整改完成的佐证材料（必须），由督查单位验收销号。"


class AcceptDoneIn(Input):
    comment: str = Text("验收意见", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "验收通过即销号；来源于工单的，整改结果告知企业。"


class ReturnIn(Input):
    reason: str = Text("退回理由", rows=2, max_length=1000)
    hint: ClassVar[str] = "验收不通过，退回责任单位继续整改。"


class ObjectIn(Input):
    reason: str = Text("异议理由", rows=3, max_length=5000)
    hint: ClassVar[str] = (
        "对问题认定有异议的，须在交办后 30 日内提出并附材料；督查单位 30 日内答复。"
    )


class DecideObjectionIn(Input):
    upheld: bool | None = Flag("异议是否成立", required=True)
    reason: str = Text("答复意见", rows=2, max_length=2000)
    hint: ClassVar[str] = "异议成立则撤销该问题；不成立则继续整改。"


class RequestExtensionIn(Input):
    deadline: dt.date | None = Day("申请延期至")
    reason: str = Text("延期理由", rows=2, max_length=1000)
    hint: ClassVar[str] = "因客观原因不能按期完成的，申请延期，由督查单位审批。"


class ExtendIn(Input):
    deadline: dt.date | None = Day("新的整改时限")
    reason: str = Text("延期说明", rows=2, max_length=1000)
    hint: ClassVar[str] = "批准延期：原定时限留档，新时限重新预警。"


class RefuseExtensionIn(Input):
    reason: str = Text("不予延期理由", rows=2, max_length=1000)
    hint: ClassVar[str] = "不批准延期，按原时限整改。"


class LongTermIn(Input):
    reason: str = Text("长期整改理由", rows=2, max_length=1000)
    milestones: list[dict[str, str]] = Steps("阶段节点")
    hint: ClassVar[str] = "确需长期整改的，按阶段节点推进，时限为各节点日期。"


ESCALATION_STEPS = [(e.value, e.label) for e in Escalation if e != Escalation.NONE]


class EscalateIn(Input):
    level: int | None = Choice(
        "督办方式", ESCALATION_STEPS, required=False, integer=True, hint="不选为升一级"
    )
    document: str = Text("文书编号", required=False, rows=1, max_length=100)
    note: str = Text("督办意见", rows=2, max_length=2000)
    hint: ClassVar[str] = "督办 → 约谈 → 通报 → 移送纪检监察，逐级升级，附文书。"


class ReassignIn(Input):
    unit_department: int | None = Ref("新的责任单位")
    leader: str = Text("责任领导", required=False, rows=1, max_length=50)
    reason: str = Text("改派理由", rows=2, max_length=1000)
    hint: ClassVar[str] = "改由其他单位整改，整改时限自改派次日重新起算。"


class WarnIn(NoInput):
    """The sweep's warning before a deadline (the deadline and the reason passed through)."""


# --- the machine ------------------------------------------------------------------------------

OPEN_FOR_UNIT = {P.ASSIGNED, P.RECTIFYING}
SWEEP_ESCALATES = CLOCKED_STATES

PROBLEM: Machine[Handler] = Machine(
    name="supervision.problem",
    state_labels=dict(ProblemState.choices),
    subject_label="问题",
    transitions=[
        transition(
            "assign", "交办", {P.REGISTERED}, P.ASSIGNED, SUPERVISOR, input=AssignIn, primary=True
        ),
        transition(
            "dismiss",
            "撤销登记",
            {P.REGISTERED},
            P.DISMISSED,
            SUPERVISOR,
            input=DismissIn,
            danger=True,
        ),
        transition(
            "accept",
            "签收",
            {P.ASSIGNED},
            STAY,
            UNIT,
            input=AcceptIn,
            guard=not_accepted,
            primary=True,
        ),
        transition(
            "plan",
            "提交整改方案",
            {P.ASSIGNED, P.RECTIFYING, P.LONG_TERM},
            (P.RECTIFYING, STAY),
            UNIT,
            input=PlanIn,
            guard=accepted,
            primary=True,
        ),
        transition(
            "progress", "报送进展", {P.RECTIFYING, P.LONG_TERM}, STAY, UNIT, input=ProgressIn
        ),
        transition(
            "claim_done",
            "申请销号",
            {P.RECTIFYING, P.LONG_TERM},
            P.PENDING_ACCEPTANCE,
            UNIT,
            input=ClaimDoneIn,
            guard=planned,
            primary=True,
        ),
        transition(
            "accept_done",
            "验收销号",
            {P.PENDING_ACCEPTANCE},
            P.CLOSED,
            SUPERVISOR,
            input=AcceptDoneIn,
            primary=True,
        ),
        transition(
            "return",
            "退回整改",
            {P.PENDING_ACCEPTANCE},
            (P.RECTIFYING, P.LONG_TERM),
            SUPERVISOR,
            input=ReturnIn,
        ),
        transition("object", "提出异议", OPEN_FOR_UNIT, P.OBJECTED, UNIT, input=ObjectIn),
        transition(
            "decide_objection",
            "答复异议",
            {P.OBJECTED},
            (P.DISMISSED, P.ASSIGNED, P.RECTIFYING),
            SUPERVISOR,
            input=DecideObjectionIn,
            primary=True,
        ),
        transition(
            "request_extension",
            "申请延期",
            OPEN_FOR_UNIT,
            STAY,
            UNIT,
            input=RequestExtensionIn,
            guard=no_extension_request,
        ),
        transition("extend", "批准延期", CLOCKED_STATES, STAY, SUPERVISOR, input=ExtendIn),
        transition(
            "refuse_extension",
            "不予延期",
            CLOCKED_STATES,
            STAY,
            SUPERVISOR,
            input=RefuseExtensionIn,
            guard=extension_requested,
        ),
        transition(
            "long_term", "转为长期整改", {P.RECTIFYING}, P.LONG_TERM, SUPERVISOR, input=LongTermIn
        ),
        transition(
            "escalate",
            "督办",
            SWEEP_ESCALATES,
            STAY,
            {**SUPERVISOR, **SYSTEM},
            input=EscalateIn,
            guard=below_top,
        ),
        transition("reassign", "改派", OPEN_FOR_UNIT, P.ASSIGNED, SUPERVISOR, input=ReassignIn),
        transition("warn", "预警", CLOCKED_STATES | {P.OBJECTED}, STAY, SYSTEM, input=WarnIn),
    ],
)

# What the ledger holds besides the machine's actions.
OTHER_EVENTS = {"create": "登记问题", "promote": "由工单转为督查问题"}


def event_label(action: str) -> str:
    return OTHER_EVENTS.get(action) or PROBLEM.label(action)
