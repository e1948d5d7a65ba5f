"""The round's and the objection's machines on the workflow core (issue 15; no ORM here, so
every state x action x role is tested without a database).

Who acts:
- the assessor — the region's business-environment office (a supervisor of the whole
  region) — computes a round, enters manual values, sets the grade bands, opens the review,
  decides objections, publishes, and starts a correction of a published round;
- a unit's coordinator (a 盟市's supervisor, a department's staff) files an objection while
  the round is under review (appraisal.services) and may withdraw it;
- the system supersedes a published round when its correction is published.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from qitong.accounts.roles import Role
from qitong.appraisal.states import ObjectionState, RoundState
from qitong.workflow.inputs import Input, Money, Number, Ref, Text
from qitong.workflow.machine import STAY, SYSTEM_ROLE, Machine, Relation, anyone, transition

R = RoundState
O = ObjectionState  # noqa: E741 — the domain's initial, as R is for rounds


def is_assessor(subject: Any, actor: Any) -> bool:
    """A supervisor of the whole region (no region, or the province's prefix)."""
    prefix = actor.region_prefix
    return actor.role == Role.SUPERVISOR and (prefix is None or len(prefix) <= 2)


def coordinates(subject: Any, actor: Any) -> bool:
    """The objecting unit's coordinator: its department's staff for a department unit, the
    supervisor scoped to exactly its region for a 盟市."""
    department = subject.unit_department_id
    if department is not None:
        return actor.department_id is not None and actor.department_id == department
    if actor.role != Role.SUPERVISOR or actor.region_prefix is None:
        return False
    return bool(actor.region_prefix == subject.unit_prefix)


ASSESSOR: dict[str, Relation] = {Role.SUPERVISOR: is_assessor}
UNIT: dict[str, Relation] = {
    Role.SUPERVISOR: coordinates,
    Role.DEPT_LEADER: coordinates,
    Role.HANDLER: coordinates,
}
SYSTEM: dict[str, Relation] = {SYSTEM_ROLE: anyone}


# --- guards ---------------------------------------------------------------------------------


def not_corrected(rnd: Any) -> str | None:
    return "该轮考核已有更正版本" if rnd.has_correction else None


def round_in_review(objection: Any) -> str | None:
    return None if objection.round_state == R.IN_REVIEW else "考核已不在公示复核阶段"


# --- inputs -----------------------------------------------------------------------------------


class ValueIn(Input):
    unit: int = Ref("被考核单位")
    indicator: str = Text("指标编码", rows=1, max_length=20, hint="人工录入类指标的编码")
    value: Decimal | None = Money("数值", noun="数值", hint="如第三方调查得分 87.5")
    evidence: str = Text("佐证说明", rows=2, max_length=1000, hint="数据来源、调查机构、文件名")
    hint: ClassVar[str] = "录入人工指标的数值及佐证；已计算的轮次随即重新评分。"


class BandsIn(Input):
    bands: str = Text(
        "等次划分",
        rows=4,
        max_length=300,
        hint="每行一档：等次 最低分，如“好 90”“较好 80”“一般 70”“较差 0”",
    )
    hint: ClassVar[str] = "等次的分数线；发布时按此划分等次。"


class OpenReviewIn(Input):
    days: int | None = Number(
        "异议期（工作日）", required=False, ge=1, le=30, hint="默认按指标体系的设置"
    )
    note: str = Text("公示说明", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "各单位可查看本单位得分，并在异议期内提出异议。"


class PublishIn(Input):
    note: str = Text(
        "发布说明",
        required=False,
        rows=2,
        max_length=1000,
        hint="异议期未满即发布的，须说明理由",
    )
    hint: ClassVar[str] = "发布后结果冻结，排名和等次对范围内所有人可见；纠错只能发起更正。"


class CorrectIn(Input):
    reason: str = Text("更正理由", rows=3, max_length=1000)
    hint: ClassVar[str] = "建立新的一版考核（引用本版），重新计算、复核、发布；本版保留。"


class DecideIn(Input):
    decision: str = Text("处理意见", rows=3, max_length=2000)


class UpholdIn(DecideIn):
    corrected_value: Decimal | None = Money(
        "核定数值", noun="数值", hint="按佐证核定的该指标数值；计数类指标填件数"
    )
    hint: ClassVar[str] = "异议成立：按核定数值重新评分。"


class RejectIn(DecideIn):
    hint: ClassVar[str] = "异议不成立：得分不变，说明理由。"


class WithdrawIn(Input):
    note: str = Text("说明", required=False, rows=2, max_length=1000)


# --- the machines -----------------------------------------------------------------------------

ROUND: Machine[Any] = Machine(
    name="appraisal.round",
    state_labels=dict(RoundState.choices),
    subject_label="考核",
    transitions=[
        transition("compute", "计算得分", {R.DRAFT, R.COMPUTED}, R.COMPUTED, ASSESSOR, primary=True),
        transition("record_value", "录入人工指标", {R.DRAFT, R.COMPUTED}, STAY, ASSESSOR, input=ValueIn),
        transition("set_bands", "设置等次", {R.DRAFT, R.COMPUTED, R.IN_REVIEW}, STAY, ASSESSOR, input=BandsIn),
        transition("open_review", "公示并受理异议", {R.COMPUTED}, R.IN_REVIEW, ASSESSOR, input=OpenReviewIn, primary=True),
        transition("publish", "发布结果", {R.IN_REVIEW}, R.PUBLISHED, ASSESSOR, input=PublishIn, primary=True),
        transition("correct", "发起更正", {R.PUBLISHED}, STAY, ASSESSOR, input=CorrectIn, guard=not_corrected, danger=True),
        transition("supersede", "被更正版本取代", {R.PUBLISHED}, R.SUPERSEDED, SYSTEM),
    ],
)  # fmt: skip

OBJECTION: Machine[Any] = Machine(
    name="appraisal.objection",
    state_labels=dict(ObjectionState.choices),
    subject_label="异议",
    transitions=[
        transition("uphold", "异议成立", {O.OPEN}, O.UPHELD, ASSESSOR, input=UpholdIn, guard=round_in_review, primary=True),
        transition("reject", "异议不成立", {O.OPEN}, O.REJECTED, ASSESSOR, input=RejectIn, guard=round_in_review, danger=True),
        transition("withdraw", "撤回异议", {O.OPEN}, O.WITHDRAWN, UNIT, input=WithdrawIn, guard=round_in_review),
    ],
)  # fmt: skip

SYSTEM_ACTIONS = frozenset({"supersede"})
