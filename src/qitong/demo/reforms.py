"""The demo's reform plans, made through the reforms services at past moments (the clock
frozen at each step), so the ledger, the report history and the statistics read as they
would have:

- the historical 3.0 plan (issued 2022-02, deadline 2023-12-31): 181 tasks × the 12 盟市 and
  monthly reports for March and April 2022, calibrated so the statistics as of 2022-05-08 read
  181 tasks, 6 done in every 盟市, 42 done in more than half of them, and 包头市, 鄂尔多斯市,
  赤峰市, 呼和浩特市 ranked first to fourth; a few claims decided after that day, one
  returned; the local plans of 包头 (200 measures), 鄂尔多斯 (500), 通辽 (257), 兴安盟 (400)
  and the 市场监管局 department plan (30 measures, 90 items); closed at the end;
- a current plan (quarterly, dates around today) whose reports are due, some behind and
  warned, some waiting for review and one returned, with 包头's own measures reporting once
  for their tasks.

Idempotent: nothing is made when the 3.0 plan exists.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction

from qitong.accounts.models import User
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.demo.reform_data import (
    AREAS,
    CURRENT,
    DEPARTMENT_PLAN,
    LOCAL_PLANS,
    MEASURE_VERBS,
)
from qitong.directory.models import Department, Region
from qitong.reforms import periods
from qitong.reforms.models import ActionPlan, ReformTask, ReportingUnit, TaskArea, UnitTask
from qitong.reforms.services import (
    local_plan_create,
    measure_add,
    plan_act,
    plan_create,
    plan_task_add,
    report_act,
    report_submit,
    reporting_units_ensure,
    unit_task_act,
)
from qitong.reforms.states import PeriodKind, UnitKind
from qitong.reforms.tasks import warnings_sweep

SHORT_NAME = "3.0方案"
# The 盟市 from the strongest to the weakest as of 2022-05-08 (the calibration's order).
STRENGTH = [
    "150200",  # 包头市
    "150600",  # 鄂尔多斯市
    "150400",  # 赤峰市
    "150100",  # 呼和浩特市
    "150500",
    "150700",
    "150900",
    "150800",
    "152500",
    "150300",
    "152200",
    "152900",
]
DONE_EVERYWHERE = 6
OVER_HALF = 42  # including the six


def at(day: dt.date, hour: int = 10, minute: int = 0) -> Any:
    return clock.frozen(dt.datetime.combine(day, dt.time(hour, minute), LOCAL_TZ))


def _done_units(t: int) -> list[str]:
    """The units whose task `t` is verified done by 2022-05-08 (the calibration)."""
    if t < DONE_EVERYWHERE:
        return STRENGTH
    if t < OVER_HALF:  # 7 to 11 of 12: the top four and a rotating share of the rest
        k = 7 + (t % 5)
        tail = STRENGTH[4:]
        shift = t % len(tail)
        return STRENGTH[:4] + (tail[shift:] + tail[:shift])[: k - 4]
    j = t - OVER_HALF
    pattern = j % 20
    if pattern < 4:
        return STRENGTH[: pattern + 1]
    if pattern == 4:
        return [STRENGTH[4 + (j // 20) % 8]]
    return []


def _department(kind_name: str) -> Department | None:
    return Department.objects.filter(name=kind_name, region__code="150000").first()


LEADS = {
    "market_regulation": "自治区市场监督管理局",
    "housing_construction": "自治区住房和城乡建设厅",
    "energy": "自治区能源局",
    "natural_resources": "自治区自然资源厅",
    "local_finance": "自治区地方金融管理局",
    "finance": "自治区财政厅",
    "commerce": "自治区商务厅",
    "justice": "自治区司法厅",
    "human_resources": "自治区人力资源和社会保障厅",
    "public_resources_trading": "自治区公共资源交易中心",
    "government_services_data": "自治区政务服务与数据管理局",
}


class Loader:
    def __init__(self, out: Callable[[str], object]) -> None:
        self.out = out
        self.office = User.objects.get(username="supervisor")
        coordinators = User.objects.filter(username__startswith="coordinator", region__isnull=False)
        self.coordinators = {
            u.region.code: u for u in coordinators.select_related("region") if u.region
        }
        self.reports = 0
        self.leads = {kind: _department(name) for kind, name in LEADS.items()}

    # --- the 3.0 plan ----------------------------------------------------------------------
    def plan_30(self) -> ActionPlan:
        with at(dt.date(2022, 2, 18)):
            plan = plan_create(
                user=self.office,
                name="内蒙古自治区以更优营商环境服务市场主体行动方案",
                short_name=SHORT_NAME,
                version=3,
                issuer="内蒙古自治区人民政府办公厅",
                doc_number="内政办发〔2022〕10号",
                issued_on=dt.date(2022, 2, 18),
                starts_on=dt.date(2022, 3, 1),
                deadline=dt.date(2023, 12, 31),
                period_kind=PeriodKind.MONTH,
            )
            units = list(ReportingUnit.objects.filter(kind=UnitKind.CITY).order_by("sort_order"))
            n = 0
            for position, (code, name, indicator, lead, titles) in enumerate(AREAS):
                area = TaskArea.objects.create(
                    plan=plan, code=code, name=name, indicator=indicator, sort_order=position
                )
                for title in titles:
                    n += 1
                    plan_task_add(
                        plan=plan,
                        user=self.office,
                        area=area,
                        units=units,
                        number=f"3.0-{n:03d}",
                        title=title,
                        content=f"围绕{name}，{title}，形成可复制推广的经验做法。",
                        target=title,
                        deadline=dt.date(2023, 12, 31) if n % 3 else dt.date(2022, 12, 31),
                        lead_department=self.leads.get(lead),
                        deliverable="工作方案、落实情况报告和佐证材料",
                        sort_order=n,
                    )
            plan_act(pk=plan.pk, action="issue", user=self.office)
        return plan

    def history_30(self, plan: ActionPlan) -> None:
        """March and April 2022 reports; the done ones verified by 2022-05-07."""
        items = list(
            UnitTask.objects.filter(plan=plan)
            .select_related("task", "unit")
            .order_by("task__sort_order", "unit__sort_order")
        )
        tasks = {t.pk: i for i, t in enumerate(plan.tasks.order_by("sort_order"))}
        late_claims = []
        for item in items:
            t = tasks[item.task_id]
            code = item.unit.code
            u = STRENGTH.index(code)
            who = self.coordinators[code]
            done = code in _done_units(t)
            march_day = dt.date(2022, 3, 28) + dt.timedelta(days=u % 5)
            april_day = dt.date(2022, 4, 25) + dt.timedelta(days=u % 6)
            if done and (t + u) % 3 == 0:  # done in March
                self._filed(item, who, march_day, dt.date(2022, 4, 7), 100, done=True)
                continue
            started = done or (t * 7 + u * 3) % 10 < 8 - u // 2
            if not started:
                continue
            first = 20 + (t * 13 + u * 7) % 50
            if done or (t * 5 + u) % 3 == 0:  # reported in March, and again in April
                self._filed(item, who, march_day, dt.date(2022, 4, 7), first)
            if done:
                self._filed(item, who, april_day, dt.date(2022, 5, 6), 100, done=True)
            elif (t * 11 + u) % 37 == 0:  # a claim decided after 2022-05-08
                late_claims.append((item, who, april_day))
            else:
                second = min(90, first + 10 + (t + u) % 25)
                self._filed(item, who, april_day, dt.date(2022, 5, 6), second)
        for item, who, day in late_claims:
            with at(day, 16):
                report, _ = report_submit(
                    unit_task=item.pk,
                    user=who,
                    data={
                        "period": "2022-04",
                        "progress": 100,
                        "done": True,
                        "work_done": "已全面完成，申请销号",
                    },
                )
            self.reports += 1
            with at(dt.date(2022, 5, 12), 9):
                report_act(pk=report.pk, action="accept", user=self.office)

    def history_after(self, plan: ActionPlan) -> None:
        """After the calibration day: the claims of completion in November 2023, verified in
        December (some after their deadline, so lateness stays on record); one in twenty is
        left unfinished at the close."""
        items = list(
            UnitTask.objects.filter(plan=plan)
            .exclude(state__in=["done", "claimed_done"])
            .select_related("unit")
            .order_by("pk")
        )
        for item in items:
            who = self.coordinators[item.unit.code]
            if item.pk % 20:
                self._filed(item, who, dt.date(2023, 11, 24), dt.date(2023, 12, 5), 100, done=True)

    def _filed(
        self,
        item: UnitTask,
        who: User,
        day: dt.date,
        decided: dt.date,
        progress: int,
        *,
        done: bool = False,
    ) -> None:
        work = "已全面完成，形成制度成果" if done else f"按计划推进，完成阶段目标的 {progress}%"
        period = periods.period_of(day if day.day > 15 else day - dt.timedelta(days=16), "month")
        with at(day, 15, item.pk % 60):
            report, _ = report_submit(
                unit_task=item.pk,
                user=who,
                data={
                    "period": period,
                    "progress": progress,
                    "done": done,
                    "work_done": work,
                    "next_steps": "" if done else "加快推进，按期完成",
                },
            )
        with at(decided, 9, item.pk % 60):
            report_act(pk=report.pk, action="accept", user=self.office)
        self.reports += 1

    # --- local plans -----------------------------------------------------------------------
    def local_plans(self, plan: ActionPlan) -> int:
        tasks_by_area: dict[int, list[ReformTask]] = {}
        for task in plan.tasks.order_by("sort_order"):
            tasks_by_area.setdefault(task.area_id, []).append(task)
        areas = list(plan.areas.order_by("sort_order"))
        made = 0
        with at(dt.date(2022, 3, 10)):
            for code, name, doc, count in LOCAL_PLANS:
                unit = ReportingUnit.objects.get(code=code)
                local = local_plan_create(
                    user=self.office,
                    unit=unit,
                    plan=plan,
                    name=name,
                    doc_number=doc,
                    issued_on=dt.date(2022, 3, 10),
                    deadline=dt.date(2023, 12, 31),
                )
                for n in range(1, count + 1):
                    area = areas[n % len(areas)]
                    linked = tasks_by_area[area.pk][n % len(tasks_by_area[area.pk])]
                    measure_add(
                        local_plan=local,
                        user=self.office,
                        number=str(n),
                        title=f"{MEASURE_VERBS[n % len(MEASURE_VERBS)]}{area.name}措施第 {n} 条",
                        target=linked.title,
                        leader=f"副{'市长' if unit.name.endswith('市') else '盟长'}",
                        tasks=[linked] if n % 4 else [],
                        sort_order=n,
                    )
                    made += 1
            made += self._department_plan(plan, areas, tasks_by_area)
        return made

    def _department_plan(
        self, plan: ActionPlan, areas: list[TaskArea], tasks_by_area: dict[int, list[ReformTask]]
    ) -> int:
        name, doc, count, items = DEPARTMENT_PLAN
        department = self.leads["market_regulation"]
        assert department is not None
        unit, _ = ReportingUnit.objects.get_or_create(
            code="D-SCJG",
            defaults={
                "name": "自治区市场监管局",
                "kind": UnitKind.DEPARTMENT,
                "region": Region.objects.get(code="150000"),
                "department": department,
                "responsible_body": department.name,
                "sort_order": 500,
            },
        )
        local = local_plan_create(
            user=self.office,
            unit=unit,
            plan=plan,
            name=name,
            doc_number=doc,
            issued_on=dt.date(2022, 3, 10),
            deadline=dt.date(2023, 12, 31),
        )
        made = 0
        market = [a for a in areas if a.indicator in ("starting_business", "market_regulation")]
        for n in range(1, count + 1):
            area = market[n % len(market)]
            parent = measure_add(
                local_plan=local,
                user=self.office,
                number=str(n),
                title=f"{MEASURE_VERBS[n % len(MEASURE_VERBS)]}{area.name}第 {n} 项",
                leader="副局长",
                tasks=[tasks_by_area[area.pk][n % len(tasks_by_area[area.pk])]],
                sort_order=n * 10,
            )
            made += 1
            for k in range(1, items + 1):
                measure_add(
                    local_plan=local,
                    user=self.office,
                    parent=parent,
                    number=f"{n}.{k}",
                    title=f"第 {n} 项第 {k} 条具体措施",
                    leader="处长",
                    sort_order=n * 10 + k,
                )
                made += 1
        return made

    # --- the current plan --------------------------------------------------------------------
    def current(self, today: dt.date) -> ActionPlan:
        year = today.year if today.month >= 3 else today.year - 1
        issued = dt.date(year, 2, 10)
        with at(issued):
            plan = plan_create(
                user=self.office,
                name=f"{year}年全区优化营商环境重点任务清单",
                short_name=f"{year}年重点任务",
                version=1,
                issuer="自治区优化营商环境工作领导小组办公室",
                doc_number=f"内营商办发〔{year}〕2号",
                issued_on=issued,
                starts_on=dt.date(year, 1, 1),
                deadline=dt.date(year, 12, 31),
                period_kind=PeriodKind.QUARTER,
                report_due_days=10,
            )
            units = list(ReportingUnit.objects.filter(kind=UnitKind.CITY).order_by("sort_order"))
            areas = {code: (name, ind, lead) for code, name, ind, lead, _ in AREAS}
            made: dict[str, TaskArea] = {}
            for n, (code, title) in enumerate(CURRENT, start=1):
                name, indicator, lead = areas[code]
                if code not in made:
                    made[code] = TaskArea.objects.create(
                        plan=plan, code=code, name=name, indicator=indicator, sort_order=int(code)
                    )
                plan_task_add(
                    plan=plan,
                    user=self.office,
                    area=made[code],
                    units=units,
                    number=f"{str(year)[2:]}-{n:03d}",
                    title=title,
                    deadline=dt.date(year, 12, 31) if n % 4 else dt.date(year, 12, 15),
                    lead_department=self.leads.get(lead),
                    sort_order=int(code) * 100 + n,
                )
            plan_act(pk=plan.pk, action="issue", user=self.office)
        self._current_reports(plan, today)
        return plan

    def _current_reports(self, plan: ActionPlan, today: dt.date) -> None:
        """Q1–Q3 reports (filed after each quarter, verified), some behind; a few Q3 reports
        still waiting, one returned; a few units missed a quarter."""
        year = plan.deadline.year
        quarters = [
            ("Q1", dt.date(year, 4, 3), 15),
            ("Q2", dt.date(year, 7, 3), 45),
            ("Q3", dt.date(year, 10, 9), 70),
        ]
        items = list(
            UnitTask.objects.filter(plan=plan)
            .select_related("unit", "task")
            .order_by("task__sort_order", "unit__sort_order")
        )
        for i, item in enumerate(items):
            u = STRENGTH.index(item.unit.code)
            who = self.coordinators[item.unit.code]
            progress = 0
            for q, (name, filed, expected) in enumerate(quarters):
                filed_on = filed + dt.timedelta(days=u % 4)
                if filed_on > today or (u >= 9 and q == 2 and i % 3 == 0):
                    break  # the weakest units missed Q3 for some tasks
                behind = (i * 7 + u) % 9 == 0
                progress = max(progress, expected - (25 if behind else 0) - u + (i % 5) * 3)
                progress = min(progress, 100)
                done = progress == 100
                with at(filed_on, 11, i % 60):
                    report, _ = report_submit(
                        unit_task=item.pk,
                        user=who,
                        data={
                            "period": f"{year}-{name}",
                            "progress": progress,
                            "done": done,
                            "work_done": f"{name} 完成阶段任务，进度 {progress}%",
                            "problems": "部分事项需上级部门协调" if behind else "",
                            "next_steps": "下季度加快推进",
                        },
                    )
                self.reports += 1
                waiting = q == 2 and i % 11 == 0
                if waiting:
                    if i % 22 == 0:
                        with at(filed_on + dt.timedelta(days=3), 9):
                            report_act(
                                pk=report.pk,
                                action="return",
                                user=self.office,
                                data={"comment": "佐证材料不足，请补充政策文件和办件数据"},
                            )
                    break
                with at(filed_on + dt.timedelta(days=4), 9, i % 60):
                    report_act(pk=report.pk, action="accept", user=self.office)
            if u == 0 and i % 12 == 0:
                with at(dt.date(year, 3, 5)):
                    unit_task_act(
                        pk=item.pk,
                        action="assign",
                        user=who,
                        data={
                            "responsible_body": "包头市营商环境建设局",
                            "leader": "王副市长",
                            "contact_name": "李明",
                            "contact_phone": "0472-5112345",
                        },
                    )

    def current_local_plan(self, plan: ActionPlan, today: dt.date) -> int:
        """包头's own measures for the current plan, some reporting once for their tasks."""
        unit = ReportingUnit.objects.get(code=STRENGTH[0])
        who = self.coordinators[unit.code]
        year = plan.deadline.year
        with at(dt.date(year, 3, 1)):
            local = local_plan_create(
                user=who,
                unit=unit,
                plan=plan,
                name=f"包头市{year}年优化营商环境攻坚举措",
                doc_number=f"包营商发〔{year}〕1号",
                issued_on=dt.date(year, 3, 1),
                deadline=dt.date(year, 12, 31),
                period_kind=PeriodKind.QUARTER,
            )
            tasks = list(plan.tasks.order_by("sort_order"))
            measures = [
                measure_add(
                    local_plan=local,
                    user=who,
                    number=str(n),
                    title=f"{MEASURE_VERBS[n % len(MEASURE_VERBS)]}{task.title[:16]}配套举措",
                    target=task.title,
                    leader="王副市长" if n % 2 else "张副市长",
                    tasks=[task],
                    sort_order=n,
                )
                for n, task in enumerate(tasks[:20], start=1)
            ]
        filed = dt.date(year, 11, 20)
        if filed <= today:
            for n, m in enumerate(measures[:6]):
                with at(filed, 10, n):
                    report, _ = report_submit(
                        measure=m.pk,
                        user=who,
                        data={
                            "period": f"{year}-Q4",
                            "progress": 80 + n,
                            "work_done": "举措已基本落实",
                            "for_tasks": True,
                        },
                    )
                self.reports += 1
                if n < 3:
                    with at(filed + dt.timedelta(days=2), 9):
                        measure_report = report.pk
                        report_act(pk=measure_report, action="accept", user=who)
        return len(measures)


def load_demo_reforms(out: Callable[[str], object] = print) -> dict[str, int]:
    if ActionPlan.objects.filter(short_name=SHORT_NAME).exists():
        return {}
    started = time.perf_counter()
    out("正在生成改革任务演示数据（3.0方案 181 项任务、各盟市报告历史、本地方案、当年任务清单）…")
    with transaction.atomic():
        units = reporting_units_ensure()
        loader = Loader(out)
        plan = loader.plan_30()
        loader.history_30(plan)
        loader.history_after(plan)
        measures = loader.local_plans(plan)
        with at(dt.date(2024, 1, 20)):
            plan_act(pk=plan.pk, action="close", user=loader.office, data={"note": "方案期满"})
        today = clock.now().astimezone(LOCAL_TZ).date()
        current = loader.current(today)
        measures += loader.current_local_plan(current, today)
        warnings_sweep()
    out(f"改革任务演示数据已生成（{time.perf_counter() - started:.1f} 秒）。")
    return {
        "报送单位": units,
        "行动方案": 2,
        "单位任务": UnitTask.objects.count(),
        "本地举措": measures,
        "进度报告": loader.reports,
    }
