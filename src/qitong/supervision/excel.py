"""The problem list as Excel: the same filtered, scoped queryset as the page and the API
(supervision.listing), streamed in write-only mode; a confidential problem's enterprises stay
hidden from the unit it is about, as on the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from qitong.accounts.actor import Actor
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.directory.excel.workbook import Column, build_workbook
from qitong.supervision.models import Problem
from qitong.supervision.presenters import HIDDEN, warning
from qitong.supervision.selectors import hides_enterprise
from qitong.supervision.states import Escalation, ProblemClass, ProblemSource, ProblemState

COLUMNS = [
    Column("问题编号", "number", 16),
    Column("标题", "title", 36),
    Column("来源", "source", 10),
    Column("督查活动", "activity", 24),
    Column("责任单位", "unit", 24),
    Column("责任领导", "leader", 12),
    Column("类别", "category", 16),
    Column("等级", "class", 6),
    Column("状态", "state", 10),
    Column("登记时间", "registered", 12),
    Column("整改时限", "deadline", 12),
    Column("逾期", "overdue", 6),
    Column("督办", "escalation", 10),
    Column("涉及金额（元）", "amount", 14),
    Column("涉及企业", "enterprises", 24),
    Column("销号时间", "closed", 12),
    Column("按时销号", "on_time", 8),
    Column("用时（天）", "days", 8),
]


def _day(value: Any) -> str:
    return value.astimezone(LOCAL_TZ).date().isoformat() if value else ""


def export_problems(qs: QuerySet[Problem], actor: Actor) -> bytes:
    now = clock.now()

    def rows() -> Iterator[list[Any]]:
        for p in qs.select_related("unit_department", "category", "activity").iterator(
            chunk_size=2000
        ):
            hidden = hides_enterprise(p, actor)
            yield [
                p.number,
                p.title,
                ProblemSource(p.source).label,
                p.activity.title if p.activity else "",
                p.unit_department.name,
                p.leader,
                p.category.name,
                ProblemClass(p.problem_class).label,
                ProblemState(p.state).label,
                _day(p.registered_at),
                _day(p.deadline),
                "是" if warning(p, now) == "red" else "",
                Escalation(p.escalation).label if p.escalation else "",
                float(p.amount) if p.amount is not None else "",
                HIDDEN if hidden and p.enterprise_names else p.enterprise_names,
                _day(p.closed_at),
                {True: "是", False: "否"}.get(p.on_time, "") if p.on_time is not None else "",
                p.days_to_close if p.days_to_close is not None else "",
            ]

    return build_workbook("督查问题", COLUMNS, rows())
