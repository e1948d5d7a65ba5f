"""Reform plans for tests, built by the real services: a plan over Hohhot and Baotou (the
world's two cities), its office (a region-wide supervisor) and both cities' coordinators."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.reforms.models import ActionPlan, ReformTask, Report, ReportingUnit, TaskArea, UnitTask
from qitong.reforms.services import (
    plan_act,
    plan_create,
    plan_task_add,
    report_act,
    report_submit,
    reporting_units_ensure,
)
from qitong.reforms.states import UnitKind
from tests.factories import World, user


@dataclass
class Reforms:
    plan: ActionPlan
    hohhot: ReportingUnit
    baotou: ReportingUnit
    tasks: list[ReformTask]
    office: User
    coordinator: User  # Hohhot's (the world's `supervisor`)
    baotou_coordinator: User
    extra: dict[str, Any] = field(default_factory=dict)

    def item(self, task: int, unit: ReportingUnit) -> UnitTask:
        return UnitTask.objects.get(task=self.tasks[task], unit=unit)


def reforms(
    world: World,
    *,
    tasks: int = 3,
    starts: dt.date = dt.date(2022, 3, 1),
    deadline: dt.date = dt.date(2023, 12, 31),
    issue: bool = True,
) -> Reforms:
    reporting_units_ensure()
    hohhot = ReportingUnit.objects.get(code="150100")
    baotou = ReportingUnit.objects.get(code="150200")
    ReportingUnit.objects.filter(code="150200").update(sort_order=5)  # first column
    office = user("office", Role.SUPERVISOR, region=world.province)
    plan = plan_create(
        user=office,
        name="以更优营商环境服务市场主体行动方案",
        short_name="3.0方案",
        issuer="自治区人民政府办公厅",
        doc_number="内政办发〔2022〕9号",
        issued_on=dt.date(2022, 2, 15),
        starts_on=starts,
        deadline=deadline,
    )
    area = TaskArea.objects.create(
        plan=plan, code="01", name="开办企业", indicator="starting_business"
    )
    other = TaskArea.objects.create(plan=plan, code="02", name="获得电力", indicator="electricity")
    made = [
        plan_task_add(
            plan=plan,
            user=office,
            area=area if n % 2 == 0 else other,
            units=[hohhot, baotou],
            number=f"3.0-{n + 1:03d}",
            title=f"任务{n + 1}",
            deadline=deadline,
            lead_department=world.dept,
            sort_order=n,
        )
        for n in range(tasks)
    ]
    if issue:
        plan_act(pk=plan.pk, action="issue", user=office)
        plan.refresh_from_db()
    baotou_coordinator = user("baotou_coord", Role.SUPERVISOR, region=world.baotou)
    return Reforms(
        plan,
        ReportingUnit.objects.get(pk=hohhot.pk),
        ReportingUnit.objects.get(pk=baotou.pk),
        made,
        office,
        world.users["supervisor"],
        baotou_coordinator,
    )


def filed(r: Reforms, item: UnitTask, coordinator: User, **data: Any) -> Report:
    return report_submit(unit_task=item.pk, user=coordinator, data=data)[0]


def accepted(r: Reforms, report: Report) -> Report:
    return report_act(pk=report.pk, action="accept", user=r.office)


__all__ = ["Reforms", "UnitKind", "accepted", "filed", "reforms"]
