"""The reforms domain's machines on the workflow core (no ORM here).

Who acts (issue 12 "Who does what"):
- the region's business-environment office — a supervisor whose scope is the whole region —
  verifies reports on reform tasks, rules a unit task not applicable, approves a deferral;
- a unit's coordinator — a supervisor scoped to exactly that unit's region, or, for a
  department unit, that department's leader or handler — assigns responsibility, files and
  resubmits the unit's reports, and reviews its own local measures' reports;
- the system applies a decided report to its task and raises warnings (the sweep).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from qitong.accounts.roles import Role
from qitong.reforms.states import OPEN_STATES, PlanState, ReportState, TaskState
from qitong.workflow.inputs import Day, Flag, Input, NoInput, Number, Text
from qitong.workflow.machine import (
    STAY,
    SYSTEM_ROLE,
    Handler,
    Machine,
    Relation,
    anyone,
    transition,
)

T = TaskState
R = ReportState


def is_office(subject: Any, actor: Any) -> bool:
    """A supervisor of the whole region (no region, or the province's prefix)."""
    prefix = actor.region_prefix
    return prefix is None or len(prefix) <= 2


def coordinates(subject: Any, actor: Any) -> bool:
    """The coordinator of the subject's unit: a supervisor scoped to exactly its region for
    a territorial unit, the department's staff for a department unit."""
    department = subject.unit_department_id
    if department is not None:
        return actor.department_id is not None and actor.department_id == department
    if actor.role != Role.SUPERVISOR or actor.region_prefix is None:
        return False
    return bool(actor.region_prefix == subject.unit_prefix)


def reviews(subject: Any, actor: Any) -> bool:
    """A report on a reform task is verified by the region's office; a report on a local
    measure by the unit's own coordinator."""
    if subject.for_measure:
        return coordinates(subject, actor)
    return actor.role == Role.SUPERVISOR and is_office(subject, actor)


def supervisor_office(subject: Any, actor: Any) -> bool:
    return is_office(subject, actor)


OFFICE: dict[str, Relation] = {Role.SUPERVISOR: supervisor_office}
COORDINATOR: dict[str, Relation] = {
    Role.SUPERVISOR: coordinates,
    Role.DEPT_LEADER: coordinates,
    Role.HANDLER: coordinates,
}
RESPONSIBLE: dict[str, Relation] = {
    Role.SUPERVISOR: lambda s, a: coordinates(s, a) or is_office(s, a),
    Role.DEPT_LEADER: coordinates,
    Role.HANDLER: coordinates,
}
REVIEWERS: dict[str, Relation] = {
    Role.SUPERVISOR: reviews,
    Role.DEPT_LEADER: reviews,
}
SYSTEM: dict[str, Relation] = {SYSTEM_ROLE: anyone}


# --- inputs -----------------------------------------------------------------------------------


class AssignIn(Input):
    responsible_body: str = Text("责任单位", rows=1, max_length=100)
    leader: str = Text("包联领导", rows=1, max_length=50)
    contact_name: str = Text("联系人", required=False, rows=1, max_length=30)
    contact_phone: str = Text("联系电话", required=False, rows=1, max_length=20, record=False)
    planned_start: dt.date | None = Day("计划开始", required=False)
    hint: ClassVar[str] = "明确本单位的责任单位、包联领导和联系人。"


class ReportIn(Input):
    """A progress report's figures (the report action and the resubmission)."""

    period: str = Text(
        "所属期间",
        required=False,
        rows=1,
        max_length=7,
        hint="如 2022-03 或 2022-Q1；不填为当期",
    )
    progress: int | None = Number("进度", ge=0, le=100, invalid="进度应为 0 到 100 之间的整数")
    done: bool = Flag("申报完成", hint="勾选即申报本任务已完成，经审核通过后销号")
    work_done: str = Text("本期工作", required=False, rows=3, max_length=2000)
    problems: str = Text("存在问题", required=False, rows=2, max_length=2000)
    next_steps: str = Text("下步打算", required=False, rows=2, max_length=2000)
    regress_reason: str = Text(
        "进度回退说明",
        required=False,
        rows=1,
        max_length=500,
        hint="进度低于上次审核通过的进度时必填",
    )
    for_tasks: bool = Flag(
        "同时报送关联的改革任务",
        hint="本地举措报告一并作为所关联改革任务的本期报告（一次填报，不重复录入）",
    )
    hint: ClassVar[str] = "一期一报；举措关联的改革任务随之报送，不必重复填写。"


class ResubmitIn(ReportIn):
    hint: ClassVar[str] = "按审核意见修改后重新报送。"


class NotApplicableIn(Input):
    reason: str = Text("不适用理由", rows=2, max_length=500)
    hint: ClassVar[str] = "认定后本任务不计入该单位的完成率。"


class DeferIn(Input):
    deadline: dt.date | None = Day("新的完成时限")
    reason: str = Text("延期理由", rows=2, max_length=500)
    hint: ClassVar[str] = "原定时限留档，逾期仍按原定时限计算。"


class AcceptIn(Input):
    comment: str = Text("审核意见", required=False, rows=2, max_length=500)
    hint: ClassVar[str] = "通过后进度计入统计；申报完成的任务即为已完成。"


class ReturnIn(Input):
    comment: str = Text("退回理由", rows=2, max_length=500)
    hint: ClassVar[str] = "退回后由报送单位修改重报。"


class ApplyIn(NoInput):
    """The system applies a decided report to its task (the report is passed through)."""


class WarnIn(NoInput):
    """The sweep raises or clears a warning (level and reasons passed through)."""


# --- the unit task (and the local measure: the same cycle) --------------------------------------

REPORTABLE = {T.NOT_STARTED, T.IN_PROGRESS, T.RETURNED, T.DEFERRED}


def _tracked_transitions() -> list[Any]:
    return [
        transition(
            "assign",
            "落实责任",
            OPEN_STATES,
            STAY,
            RESPONSIBLE,
            input=AssignIn,
        ),
        transition(
            "report",
            "报送进度",
            REPORTABLE,
            (T.IN_PROGRESS, T.CLAIMED_DONE, STAY),
            COORDINATOR,
            input=ReportIn,
            primary=True,
        ),
        transition(
            "apply",
            "审核结果",
            OPEN_STATES,
            (STAY, T.DONE, T.RETURNED, T.IN_PROGRESS, T.CLAIMED_DONE),
            SYSTEM,
            input=ApplyIn,
        ),
        transition(
            "mark_na",
            "认定不适用",
            OPEN_STATES - {T.CLAIMED_DONE},
            T.NOT_APPLICABLE,
            OFFICE,
            input=NotApplicableIn,
            danger=True,
        ),
        transition(
            "defer",
            "批准延期",
            OPEN_STATES - {T.CLAIMED_DONE},
            T.DEFERRED,
            OFFICE,
            input=DeferIn,
        ),
        transition("warn", "预警", OPEN_STATES, STAY, SYSTEM, input=WarnIn),
    ]


UNIT_TASK: Machine[Handler] = Machine(
    name="reforms.unit_task",
    state_labels=dict(TaskState.choices),
    subject_label="单位任务",
    transitions=_tracked_transitions(),
)

# A measure's reports are reviewed by its own unit; the office rules on applicability.
MEASURE: Machine[Handler] = Machine(
    name="reforms.measure",
    state_labels=dict(TaskState.choices),
    subject_label="本地举措",
    transitions=_tracked_transitions(),
)


# --- the report --------------------------------------------------------------------------------

REPORT: Machine[Handler] = Machine(
    name="reforms.report",
    state_labels=dict(ReportState.choices),
    subject_label="进度报告",
    transitions=[
        transition(
            "accept", "审核通过", {R.SUBMITTED}, R.ACCEPTED, REVIEWERS, input=AcceptIn, primary=True
        ),
        transition("return", "退回", {R.SUBMITTED}, R.RETURNED, REVIEWERS, input=ReturnIn),
        transition(
            "resubmit",
            "修改重报",
            {R.RETURNED},
            R.SUBMITTED,
            COORDINATOR,
            input=ResubmitIn,
            primary=True,
        ),
    ],
)


# --- the plan ----------------------------------------------------------------------------------


class IssueIn(NoInput):
    hint: ClassVar[str] = "印发后各单位即可看到本单位任务并报送进度；任务清单以后的修改都留痕。"


class CloseIn(Input):
    note: str = Text("结束说明", required=False, rows=2, max_length=500)
    hint: ClassVar[str] = "结束后方案只读，统计按结束时的记录保留。"


PLAN: Machine[Handler] = Machine(
    name="reforms.plan",
    state_labels=dict(PlanState.choices),
    subject_label="行动方案",
    transitions=[
        transition(
            "issue",
            "印发执行",
            {PlanState.DRAFT},
            PlanState.IN_FORCE,
            {**OFFICE, **SYSTEM},
            input=IssueIn,
            primary=True,
        ),
        transition(
            "close",
            "结束方案",
            {PlanState.IN_FORCE},
            PlanState.CLOSED,
            {**OFFICE, **SYSTEM},
            input=CloseIn,
            danger=True,
        ),
    ],
)


def allowed_actions(subject: Any, actor: Any) -> list[str]:
    machine = MEASURE if hasattr(subject, "local_plan_id") else UNIT_TASK
    return machine.allowed(subject, actor)
