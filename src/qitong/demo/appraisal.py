"""The demo's quarterly assessment (考核评估), made through the appraisal services at past
moments (the clock frozen at each step):

- two schemes modelled on the region's published structure (dimensions → first-level →
  second-level indicators, deductions and bonus items): one for the 12 盟市, one for the
  region's departments (each a reporting unit);
- the four quarters before the current one computed from the demo's tickets, reform reports,
  problems and claims, reviewed and published; in 2026Q2 包头市 objected to its survey score
  with the survey report, and the office upheld it;
- the current quarter computed (its figures so far) and under review: the units see their own
  scorecards and may object.

Idempotent: nothing is made when the 盟市 scheme exists.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction

from qitong.accounts.models import User
from qitong.appraisal.models import Objection, Round, Scheme
from qitong.appraisal.periods import Quarter, quarter_of
from qitong.appraisal.schemes import scheme_create
from qitong.appraisal.services import objection_act, objection_file, round_act, round_create
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ, local_today
from qitong.directory.models import Department
from qitong.reforms.models import ReportingUnit
from qitong.reforms.services import reporting_units_ensure
from qitong.reforms.states import UnitKind

CITY_CODE = "city-2025"
DEPARTMENT_CODE = "dept-2025"
L = "linear"


def _leaf(
    code: str, name: str, weight: float, source: str, rule: str = L, **params: Any
) -> dict[str, Any]:
    missing = params.pop("missing", "exclude")
    return {"code": code, "name": name, "weight": weight, "source": source, "rule": rule,
            "params": params, "missing": missing}  # fmt: skip


STEPS_ON_TIME = {"bands": [{"bound": 95, "score": 100}, {"bound": 90, "score": 90},
                           {"bound": 80, "score": 75}, {"bound": 70, "score": 60}], "otherwise": 40}  # fmt: skip

CITY_SCHEME: dict[str, Any] = {
    "code": CITY_CODE,
    "name": "盟市营商环境季度考核评估指标体系",
    "scope": "territorial",
    "basis": "参照《内蒙古自治区营商环境评价实施方案》指标框架（4 个维度）及 12345 热线“三率”考核做法",
    "description": "按季度从平台数据计算：12345 企业诉求办理、改革任务推进、问题整改与清欠、市场主体满意度；问责、逾期未整改问题和超期答复的投诉扣分，创新举措加分。",
    "objection_days": 5,
    "indicators": [
        {"code": "D1", "name": "政务服务效能", "weight": 30, "children": [
            {"code": "D1.1", "name": "企业诉求响应与解决", "weight": 60, "children": [
                _leaf("D1.1.1", "12345 响应率", 30, "hotline.response_rate", floor=80, target=100),
                _leaf("D1.1.2", "12345 解决率", 35, "hotline.resolution_rate", "frontier", floor=60),
                _leaf("D1.1.3", "12345 满意率", 35, "hotline.satisfaction_rate", floor=70, target=100),
            ]},
            {"code": "D1.2", "name": "诉求办理质量", "weight": 40, "children": [
                _leaf("D1.2.1", "按时答复率", 60, "hotline.on_time_rate", "steps", **STEPS_ON_TIME),
                _leaf("D1.2.2", "重办率", 40, "hotline.redo_rate", floor=10, target=1, direction="down"),
            ]},
        ]},
        {"code": "D2", "name": "改革任务落实", "weight": 25, "children": [
            {"code": "D2.1", "name": "重点任务推进", "weight": 60, "children": [
                _leaf("D2.1.1", "重点任务按期完成率", 50, "reforms.tasks_on_time", floor=60, target=100),
                _leaf("D2.1.2", "方案任务完成比例", 50, "reforms.plan_done", "frontier"),
            ]},
            {"code": "D2.2", "name": "调度报送", "weight": 40, "children": [
                _leaf("D2.2.1", "进展报告按时报送率", 50, "reforms.reports_on_time", "steps", **STEPS_ON_TIME),
                _leaf("D2.2.2", "进展报告一次通过率", 50, "reforms.reports_first_time", floor=60, target=100),
            ]},
        ]},
        {"code": "D3", "name": "问题整改与清欠", "weight": 30, "children": [
            {"code": "D3.1", "name": "问题整改", "weight": 50, "children": [
                _leaf("D3.1.1", "问题按期整改率", 100, "supervision.rectified_on_time", floor=60, target=100),
            ]},
            {"code": "D3.2", "name": "拖欠企业账款清偿", "weight": 50, "children": [
                _leaf("D3.2.1", "清欠进度", 50, "arrears.clearance_rate", "frontier"),
                _leaf("D3.2.2", "无分歧欠款清偿率", 50, "arrears.undisputed_clearance_rate", floor=50, target=100),
            ]},
        ]},
        {"code": "D4", "name": "市场主体满意度", "weight": 15, "children": [
            _leaf("D4.1", "第三方满意度调查得分", 100, "manual", floor=60, target=100, missing="zero"),
        ]},
    ],
    "adjustments": [
        {"code": "K1", "name": "问责案例扣分", "rule": "deduction", "source": "supervision.accountability",
         "params": {"per": 2, "cap": 6}},
        {"code": "K2", "name": "逾期未整改问题扣分", "rule": "deduction", "source": "supervision.overdue_open",
         "params": {"per": 1, "cap": 5}},
        {"code": "K3", "name": "超期答复企业投诉扣分", "rule": "deduction", "source": "hotline.late_complaints",
         "params": {"per": 0.5, "cap": 3}},
        {"code": "J1", "name": "创新举措加分", "rule": "bonus", "source": "manual",
         "params": {"per": 1, "cap": 3}},
    ],
    "deduction_cap": 10,
    "bonus_cap": 3,
}  # fmt: skip

DEPARTMENT_SCHEME: dict[str, Any] = {
    "code": DEPARTMENT_CODE,
    "name": "自治区部门营商环境季度考核评估指标体系",
    "scope": "department",
    "basis": "参照 12345 热线承办单位“三率”月度考核及重点任务牵头部门调度做法",
    "description": "自治区各部门按季度考核：承办 12345 企业诉求、牵头改革任务、问题整改；问责和超期答复的投诉扣分。",
    "objection_days": 5,
    "indicators": [
        {"code": "B1", "name": "企业诉求办理", "weight": 50, "children": [
            _leaf("B1.1", "12345 响应率", 30, "hotline.response_rate", floor=80, target=100),
            _leaf("B1.2", "12345 满意率", 40, "hotline.satisfaction_rate", "frontier", floor=60),
            _leaf("B1.3", "按时答复率", 30, "hotline.on_time_rate", "steps", **STEPS_ON_TIME),
        ]},
        {"code": "B2", "name": "改革任务落实", "weight": 25, "children": [
            _leaf("B2.1", "方案任务完成比例", 50, "reforms.plan_done", "frontier"),
            _leaf("B2.2", "进展报告按时报送率", 50, "reforms.reports_on_time", "steps", **STEPS_ON_TIME),
        ]},
        {"code": "B3", "name": "问题整改", "weight": 25, "children": [
            _leaf("B3.1", "问题按期整改率", 100, "supervision.rectified_on_time", floor=60, target=100),
        ]},
    ],
    "adjustments": [
        {"code": "K1", "name": "问责案例扣分", "rule": "deduction", "source": "supervision.accountability",
         "params": {"per": 2, "cap": 6}},
        {"code": "K2", "name": "超期答复企业投诉扣分", "rule": "deduction", "source": "hotline.late_complaints",
         "params": {"per": 0.5, "cap": 3}},
    ],
}  # fmt: skip

OBJECTED = Quarter(2026, 2)


def quarters(today: dt.date) -> tuple[list[Quarter], Quarter]:
    """The four quarters before the current one (published) and the current one (in review:
    the figures so far, as the office previews them with the units)."""
    current = quarter_of(today)
    past = [current.previous()]
    for _ in range(3):
        past.insert(0, past[0].previous())
    return past, current


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), LOCAL_TZ)


def department_units() -> int:
    """A reporting unit for each of the region's own departments that answers the hotline's
    appeals (the demo's history leads some to each) and has none yet."""
    from qitong.tickets.models import Ticket

    made = 0
    taken = set(
        ReportingUnit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("department", flat=True)
    )
    leading = Ticket.objects.filter(lead_department__isnull=False).values("lead_department")
    departments = Department.objects.filter(
        active=True, region__code="150000", level="province", pk__in=leading
    )
    for position, dept in enumerate(departments.order_by("code")):
        if dept.pk in taken:
            continue
        ReportingUnit.objects.create(
            code=f"D-{dept.code}"[:20],
            name=(dept.short_name or dept.name)[:50],
            kind=UnitKind.DEPARTMENT,
            region=dept.region,
            department=dept,
            responsible_body=dept.name,
            sort_order=600 + position,
        )
        made += 1
    return made


class Loader:
    def __init__(self, out: Callable[[str], object]) -> None:
        self.out = out
        self.office = User.objects.get(username="supervisor")
        self.rng = random.Random(20261204)  # nosec B311 # demo data only, not security
        self.coordinator = User.objects.filter(username="coordinator").first()

    def manual(self, rnd: Round, quarter: Quarter) -> None:
        """The third-party survey's score and the innovation items, with their evidence."""
        if rnd.scheme.code != CITY_CODE:
            return
        for unit in ReportingUnit.objects.exclude(kind=UnitKind.DEPARTMENT).filter(active=True):
            score = round(self.rng.uniform(72, 96), 1)
            if quarter == OBJECTED and unit.code == "150200":
                score = 68.0  # entered wrong; 包头市 objects with the survey report
            round_act(
                pk=rnd.pk,
                action="record_value",
                user=self.office,
                data={
                    "unit": unit.pk,
                    "indicator": "D4.1",
                    "value": str(score),
                    "evidence": f"{quarter.label}第三方营商环境满意度调查报告（受托机构：内蒙古社会调查中心）",
                },
            )
            if self.rng.random() < 0.3:
                round_act(
                    pk=rnd.pk,
                    action="record_value",
                    user=self.office,
                    data={
                        "unit": unit.pk,
                        "indicator": "J1",
                        "value": str(self.rng.choice([1, 2])),
                        "evidence": "创新举措经自治区营商环境办认定（复制推广典型经验）",
                    },
                )

    def quarter(self, scheme: Scheme, quarter: Quarter, *, publish: bool) -> Round:
        # reviewed twelve days after the quarter, published two weeks later (never after today)
        opened = min(quarter.end + dt.timedelta(days=12), local_today() - dt.timedelta(days=20))
        with clock.frozen(_moment(opened, 9)):
            rnd = round_create(user=self.office, scheme=scheme.pk, period=quarter.key)
            self.manual(rnd, quarter)
            rnd = round_act(pk=rnd.pk, action="compute", user=self.office)
            rnd = round_act(
                pk=rnd.pk,
                action="open_review",
                user=self.office,
                data={"note": "请各单位核对本单位数据"},
            )
        if quarter == OBJECTED and scheme.code == CITY_CODE and self.coordinator is not None:
            self.objection(rnd, opened)
        if publish:
            with clock.frozen(_moment(opened + dt.timedelta(days=14), 15)):
                rnd = round_act(pk=rnd.pk, action="publish", user=self.office, data={"note": ""})
        return rnd

    def objection(self, rnd: Round, opened: dt.date) -> None:
        assert self.coordinator is not None
        with clock.frozen(_moment(opened + dt.timedelta(days=2), 11)):
            objection, _ = objection_file(
                user=self.coordinator,
                round_id=rnd.pk,
                data={
                    "indicator": "D4.1",
                    "reason": "第三方满意度调查报告中包头市得分为 86.5 分，录入为 68 分有误，附调查报告第 12 页。",
                    "claimed_value": "86.5",
                },
            )
        with clock.frozen(_moment(opened + dt.timedelta(days=4), 16)):
            objection_act(
                pk=objection.pk,
                action="uphold",
                user=self.office,
                data={
                    "corrected_value": "86.5",
                    "decision": "经核对调查报告原件，异议成立，按 86.5 分计。",
                },
            )

    def run(self) -> dict[str, int]:
        reporting_units_ensure()
        department_units()
        city = scheme_create(user=self.office, data=CITY_SCHEME)
        departments = scheme_create(user=self.office, data=DEPARTMENT_SCHEME)
        today = local_today()
        past, current = quarters(today)
        for scheme in (city, departments):
            for quarter in past:
                self.quarter(scheme, quarter, publish=True)
            # the current round: computed and opened two days ago, its window still open
            opened = today - dt.timedelta(days=2)
            with clock.frozen(_moment(opened, 9)):
                rnd = round_create(user=self.office, scheme=scheme.pk, period=current.key)
                self.manual(rnd, current)
                rnd = round_act(pk=rnd.pk, action="compute", user=self.office)
                round_act(pk=rnd.pk, action="open_review", user=self.office, data={"days": 10})
        return {
            "考核指标体系": Scheme.objects.count(),
            "考核轮次": Round.objects.count(),
            "考核异议": Objection.objects.count(),
        }


def load_demo_appraisal(out: Callable[[str], object] = print) -> dict[str, int]:
    if (
        Scheme.objects.filter(code=CITY_CODE).exists()
        or not User.objects.filter(username="supervisor").exists()
    ):
        return {}
    started = time.perf_counter()
    out("正在生成考核评估演示数据（盟市和部门两套指标体系、五个季度的考核）…")
    with transaction.atomic():
        made = Loader(out).run()
    out(f"考核评估演示数据已生成（{time.perf_counter() - started:.1f} 秒）。")
    return made
