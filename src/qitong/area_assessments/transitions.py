"""The result's machine on the workflow core (issue 16; no ORM here).

Who acts:
- the result's department (its staff: the department that approved it and publishes it)
  publishes and revokes it;
- the data bureau (政务数据局: staff of a department marked as the data authority) records it
  collected into the 工程建设项目审批管理系统;
- the system expires it on its date and supersedes it when a newer result of the same zone
  and item is published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from qitong.accounts.roles import Role
from qitong.area_assessments.states import ResultState
from qitong.core.workdays import local_today
from qitong.workflow.inputs import Day, Input, Number, Text
from qitong.workflow.machine import SYSTEM_ROLE, Machine, Relation, anyone, transition

S = ResultState


def owns(result: Any, actor: Any) -> bool:
    return actor.department_id is not None and actor.department_id == result.department_id


def data_bureau(result: Any, actor: Any) -> bool:
    return bool(getattr(actor, "data_authority", False))


OWNER: dict[str, Relation] = {Role.HANDLER: owns, Role.DEPT_LEADER: owns}
BUREAU: dict[str, Relation] = {Role.HANDLER: data_bureau, Role.DEPT_LEADER: data_bureau}
SYSTEM: dict[str, Relation] = {SYSTEM_ROLE: anyone}


def still_valid(result: Any) -> str | None:
    return None if result.valid_until >= local_today() else "成果已过有效期，不能公示"


class PublishIn(Input):
    published_on: dt.date | None = Day("公示日期", required=False, hint="默认今天")
    publicity_days: int | None = Number("公示期（日）", required=False, ge=1, le=90)
    note: str = Text("说明", required=False, rows=2, max_length=1000)
    hint: ClassVar[str] = "公示后区内项目即可使用；同一园区同一事项原有的成果被替代。"


class CollectIn(Input):
    external_id: str = Text(
        "审批系统编号", rows=1, max_length=60, hint="工程建设项目审批管理系统中的成果编号"
    )
    collected_on: dt.date | None = Day("汇聚日期", required=False, hint="默认今天")
    hint: ClassVar[str] = "记录成果已汇聚到工程建设项目审批管理系统。"


class RevokeIn(Input):
    reason: str = Text("撤销理由", rows=3, max_length=500)
    hint: ClassVar[str] = "撤销后项目不能再使用；已登记的应用保留。"


class EndIn(Input):
    note: str = Text("说明", required=False, rows=1, max_length=200)


RESULT: Machine[Any] = Machine(
    name="area_assessments.result",
    state_labels=dict(ResultState.choices),
    subject_label="评估成果",
    transitions=[
        transition("publish", "公示", {S.DRAFT}, S.PUBLISHED, OWNER, input=PublishIn, guard=still_valid, primary=True),
        transition("collect", "标记已汇聚", {S.PUBLISHED}, S.COLLECTED, BUREAU, input=CollectIn, primary=True),
        transition("revoke", "撤销", {S.PUBLISHED, S.COLLECTED}, S.REVOKED, OWNER, input=RevokeIn, danger=True),
        transition("expire", "到期失效", {S.PUBLISHED, S.COLLECTED}, S.EXPIRED, SYSTEM, input=EndIn),
        transition("supersede", "被新成果替代", {S.PUBLISHED, S.COLLECTED}, S.SUPERSEDED, SYSTEM, input=EndIn),
    ],
)  # fmt: skip

SYSTEM_ACTIONS = frozenset({"expire", "supersede"})
