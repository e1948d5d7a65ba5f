"""The demo's regional assessment results (区域评估成果), made through the area-assessment
services at past moments (the clock frozen at each step):

- 62 development zones across the 12 盟市 (national and regional level; about a third with an
  illustrative square boundary around the zone, not survey data);
- for nearly every zone × item a result approved in late 2021 or early 2022, published between
  January and April 2022 and mostly collected into the approval system by 8 May — so the
  figures for 2022-01-01 … 2022-05-08 read as the region's 政务数据局 reported them: 615
  published, 536 collected, 800+ projects, 1,800+ uses, 4,900+ 亿元 of investment, 5,000+ 万元
  saved; later uses, results renewed in 2026 (superseding the old ones), and the old ones
  expired by date since;
- demo accounts: `eco` (自治区生态环境厅, publishes and records uses) and `databureau`
  (自治区政务服务与数据管理局, collects and reads the figures).

Idempotent: nothing is made when the first zone exists. Names are illustrative.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.accounts.services import user_record_scope_change
from qitong.area_assessments.defaults import items_ensure
from qitong.area_assessments.models import AssessmentType, Project, Result, Use, Zone
from qitong.area_assessments.services import (
    project_create,
    result_act,
    result_create,
    results_sweep,
    use_create,
)
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.directory.models import Department, Region

CITIES: dict[str, tuple[float, float, list[str]]] = {
    "150100": (111.75, 40.84, ["呼和浩特经济技术开发区", "呼和浩特金山高新技术产业开发区", "和林格尔新区", "托克托工业园区", "土默特左旗察素齐工业园区", "武川县工业园区"]),
    "150200": (109.84, 40.66, ["包头稀土高新技术产业开发区", "包头装备制造产业园区", "包头九原工业园区", "包头金属深加工园区", "达茂旗巴润工业园区", "石拐工业园区"]),
    "150300": (106.79, 39.65, ["乌海经济开发区", "海南工业园区", "乌达工业园区", "低碳产业园区", "千里山工业园区"]),
    "150400": (118.89, 42.26, ["赤峰高新技术产业开发区", "元宝山工业园区", "林西工业园区", "喀喇沁经济开发区", "宁城经济开发区", "克什克腾经济开发区"]),
    "150500": (122.24, 43.65, ["通辽经济技术开发区", "霍林郭勒工业园区", "科尔沁工业园区", "开鲁经济开发区", "扎鲁特旗工业园区"]),
    "150600": (109.78, 39.61, ["鄂尔多斯高新技术产业开发区", "鄂尔多斯空港物流园区", "准格尔经济开发区", "达拉特经济开发区", "乌审召化工园区", "蒙苏经济开发区"]),
    "150700": (119.77, 49.21, ["呼伦贝尔经济技术开发区", "满洲里综合保税区", "牙克石经济技术开发区", "扎兰屯工业园区", "海拉尔经济开发区"]),
    "150800": (107.39, 40.74, ["巴彦淖尔经济技术开发区", "乌拉特后旗工业园区", "杭锦后旗工业园区", "五原工业园区", "乌拉特前旗工业园区"]),
    "150900": (113.13, 41.00, ["乌兰察布高新技术产业开发区", "察哈尔工业园区", "丰镇经济技术开发区", "卓资工业园区", "兴和县工业园区"]),
    "152200": (122.04, 46.08, ["乌兰浩特经济技术开发区", "科右前旗工业园区", "突泉工业园区", "扎赉特旗工业园区", "阿尔山经济开发区"]),
    "152500": (116.05, 43.93, ["锡林郭勒经济技术开发区", "二连浩特边境经济合作区", "锡林浩特工业园区", "多伦县工业园区", "正蓝旗上都工业园区"]),
    "152900": (105.73, 38.85, ["阿拉善经济开发区", "孪井滩生态移民示范区", "额济纳旗策克口岸经济开发区"]),
}  # fmt: skip
NATIONAL = {"呼和浩特经济技术开发区", "呼和浩特金山高新技术产业开发区", "包头稀土高新技术产业开发区", "鄂尔多斯高新技术产业开发区",
            "呼伦贝尔经济技术开发区", "巴彦淖尔经济技术开发区", "赤峰高新技术产业开发区", "通辽经济技术开发区",
            "满洲里综合保税区", "二连浩特边境经济合作区"}  # fmt: skip
OWNERS = {
    "environment": "自治区生态环境厅",
    "heritage": "自治区文化和旅游厅",
    "flood": "自治区水利厅",
    "energy": "自治区能源局",
    "geohazard": "自治区自然资源厅",
    "soil_water": "自治区水利厅",
    "minerals": "自治区自然资源厅",
    "water_resources": "自治区水利厅",
    "seismic": "自治区应急管理厅",
    "climate": "内蒙古自治区气象局",
}
APPROVALS = {
    "environment": "环评审批",
    "heritage": "文物保护审批",
    "flood": "洪水影响评价审批",
    "energy": "节能审查",
    "geohazard": "地质灾害危险性评估备案",
    "soil_water": "水土保持方案审批",
    "minerals": "压覆矿产资源审批",
    "water_resources": "取水许可",
    "seismic": "抗震设防要求确定",
    "climate": "气候可行性论证",
}
INDUSTRIES = ["13", "26", "30", "31", "32", "38", "44", "45", "54", "59"]
GAPS = 5  # zone × item pairs without a result (the coverage matrix shows them)
PUBLISHED = 615
COLLECTED = 536
PROJECTS = 820
USES = 1830
INVESTMENT_YI = Decimal("4926.40")
SAVED_WAN = Decimal("5087.60")
WINDOW = (dt.date(2022, 1, 1), dt.date(2022, 5, 8))


def _at(day: dt.date, hour: int = 10) -> Any:
    return clock.frozen(dt.datetime.combine(day, dt.time(hour), LOCAL_TZ))


def _staff(username: str, department: Department, name: str, password: bool) -> User:
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    u = User(username=username, role=Role.HANDLER, department=department, first_name=name)
    if password:
        u.set_password("qitong-demo")
    else:
        u.set_unusable_password()
    u.save()
    user_record_scope_change(user=u, before=None, actor=None)  # every account is on the ledger
    return u


class Loader:
    def __init__(self, out: Callable[[str], object]) -> None:
        self.out = out
        self.rng = random.Random(20220508)  # nosec B311 # demo data only, not security
        self.items = {t.code: t for t in AssessmentType.objects.all()}
        self.staff: dict[str, User] = {}
        self.results: dict[int, list[Result]] = {}  # zone → its results

    def accounts(self) -> None:
        bureau = Department.objects.get(name="自治区政务服务与数据管理局")
        if not bureau.is_data_authority:
            bureau.is_data_authority = True
            bureau.save(update_fields=["is_data_authority"])
        _staff("databureau", bureau, "政数局", password=True)
        for code, dept_name in OWNERS.items():
            dept = Department.objects.get(name=dept_name)
            t = self.items[code]
            if t.department_id is None:
                t.department = dept
                t.save(update_fields=["department"])
            username = "eco" if code == "environment" else f"aa-{dept.code}"
            self.staff[code] = _staff(
                username, dept, dept.short_name or dept.name, password=code == "environment"
            )

    def zones(self) -> list[Zone]:
        made = []
        for region_code, (lng, lat, names) in CITIES.items():
            region = Region.objects.get(code=region_code)
            for i, name in enumerate(names):
                boundary = None
                if i % 3 == 0:  # an illustrative square of ~0.1° near the city
                    x, y = lng + 0.15 * (i - 1), lat + 0.1 * (i % 2)
                    ring = [[x, y], [x + 0.1, y], [x + 0.1, y + 0.08], [x, y + 0.08], [x, y]]
                    boundary = {
                        "type": "Polygon",
                        "coordinates": [[[round(a, 4), round(b, 4)] for a, b in ring]],
                    }
                made.append(
                    Zone.objects.create(
                        code=f"Z{region_code}{i + 1:02d}",
                        name=name,
                        level="national" if name in NATIONAL else "regional",
                        region=region,
                        managing_body=f"{name.replace('园区', '').replace('开发区', '')}管理委员会",
                        area_km2=Decimal(self.rng.randint(800, 12000)) / 100,
                        boundary=boundary,
                    )
                )
        return made

    def results_2022(self, zones: list[Zone]) -> None:
        pairs = [(z, code) for z in zones for code in self.items]
        self.rng.shuffle(pairs)
        pairs = pairs[:PUBLISHED]  # 620 pairs, 5 left as gaps
        collected = set(range(COLLECTED))
        for n, (zone, code) in enumerate(pairs):
            t = self.items[code]
            published = dt.date(2022, 1, 4) + dt.timedelta(days=self.rng.randint(0, 110))
            approved = published - dt.timedelta(days=self.rng.randint(20, 120))
            user = self.staff[code]
            with _at(approved + dt.timedelta(days=3)):
                r, _ = result_create(
                    user=user,
                    data={
                        "zone": zone.pk,
                        "type": t.pk,
                        "title": f"{zone.name}区域{t.name}",
                        "commissioned_by": zone.managing_body,
                        "assessed_by": self.rng.choice(
                            [
                                "内蒙古环境科学研究院",
                                "内蒙古工程咨询有限公司",
                                "中国地质调查局呼和浩特中心",
                                "内蒙古水利水电勘测设计院",
                                "内蒙古地震工程勘察院",
                            ]
                        ),
                        "document_number": f"内{t.name[:2]}审〔{approved.year}〕{n + 1}号",
                        "approved_on": approved.isoformat(),
                        "conditions": f"适用于{zone.name}规划范围内、符合园区产业定位的新建、改建、扩建项目；不含高耗能、高污染项目。",
                        "obligations": self.rng.choice(
                            ["告知承诺", "简化评估（编制登记表）", "告知承诺，开工前报备", ""]
                        ),
                    },
                )
            with _at(published):
                r = result_act(
                    pk=r.pk,
                    action="publish",
                    user=user,
                    data={"published_on": published.isoformat(), "publicity_days": 7},
                )
            if n in collected:
                day = min(published + dt.timedelta(days=self.rng.randint(3, 40)), WINDOW[1])
            else:
                day = WINDOW[1] + dt.timedelta(days=self.rng.randint(12, 60))
            with _at(day, 15):
                r = result_act(
                    pk=r.pk,
                    action="collect",
                    user=self.bureau,
                    data={
                        "external_id": f"GCJS-{2022}-{n + 1:05d}",
                        "collected_on": day.isoformat(),
                    },
                )
            self.results.setdefault(zone.pk, []).append(r)

    @property
    def bureau(self) -> User:
        return User.objects.get(username="databureau")

    def _scaled(self, weights: list[float], total: Decimal) -> list[Decimal]:
        s = sum(weights)
        values = [
            (Decimal(w / s) * total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            for w in weights
        ]
        values[-1] += total - sum(values)
        return values

    def projects_and_uses(self, zones: list[Zone]) -> None:
        owners = ["内蒙古伊泰煤制油有限责任公司", "包头钢铁（集团）有限责任公司", "内蒙古伊利实业集团股份有限公司", "内蒙古蒙牛乳业（集团）股份有限公司",
                  "鄂尔多斯市君正能源化工有限公司", "通威太阳能（包头）有限公司", "隆基绿能科技（鄂尔多斯）有限公司", "内蒙古久泰新材料有限公司",
                  "赤峰云铜有色金属有限公司", "呼伦贝尔东北阜丰生物科技有限公司"]  # fmt: skip
        weights = [self.rng.lognormvariate(0, 1.0) for _ in range(PROJECTS)]
        investments = self._scaled(weights, INVESTMENT_YI * 10000)  # 万元
        usable = [z for z in zones if self.results.get(z.pk)]
        plan: list[tuple[Project, Result, dt.date]] = []
        # every project uses one to four results of its zone; 1,830 in all
        counts = [1] * PROJECTS
        extra = USES - PROJECTS
        while extra:
            i = self.rng.randrange(PROJECTS)
            if counts[i] < 4:
                counts[i] += 1
                extra -= 1
        for i in range(PROJECTS):
            zone = self.rng.choice(usable)
            results = sorted(self.results[zone.pk], key=lambda r: r.published_on or WINDOW[0])
            first = (
                results[min(len(results) - 1, self.rng.randrange(len(results)))].published_on
                or WINDOW[0]
            )
            created = min(first + dt.timedelta(days=self.rng.randint(0, 20)), WINDOW[1])
            year = 2021 if self.rng.random() < 0.4 else 2022
            code = f"{year}-{zone.region.code}-{self.rng.choice(INDUSTRIES)}-{self.rng.choice(['01', '02', '03'])}-{i + 1:06d}"
            with _at(created, 9):
                project = project_create(
                    user=self.staff["environment"],
                    data={
                        "code": code,
                        "name": f"{zone.name}{self.rng.choice(['新材料', '精细化工', '装备制造', '光伏组件', '农畜产品加工', '数据中心', '储能'])}项目（{i + 1}）",
                        "owner_name": self.rng.choice(owners),
                        "zone": zone.pk,
                        "investment": str(investments[i]),
                        "stage": self.rng.choice(["planning", "permit", "construction"]),
                    },
                )
            live = [r for r in results if (r.published_on or WINDOW[1]) <= WINDOW[1]]
            for r in self.rng.sample(live, min(counts[i], len(live))):
                start = max(created, r.published_on or created)
                used = start + dt.timedelta(
                    days=self.rng.randint(0, max(0, (WINDOW[1] - start).days))
                )
                plan.append((project, r, used))
        savings = self._scaled([self.rng.uniform(0.5, 2.0) for _ in plan], SAVED_WAN)
        for (project, r, used), saved in zip(plan, savings, strict=True):
            code = r.type.code
            recorder = self.staff[code]
            with _at(used, 11):
                use_create(
                    user=recorder,
                    data={
                        "project": project.pk,
                        "result": r.pk,
                        "used_on": used.isoformat(),
                        "approval": APPROVALS[code],
                        "saved_days": self.rng.randint(15, 90),
                        "saved_money": str(saved),
                        "basis": "按同类项目单独委托评估的平均费用和办理周期测算",
                    },
                )

    def renewals_2026(self, today: dt.date) -> int:
        """Results re-assessed this year, superseding the old ones; the rest expire by date."""
        renewed = 0
        old = Result.objects.filter(
            state__in=["published", "collected"], valid_until__lt=today + dt.timedelta(days=120)
        ).select_related("zone", "type")
        for r in list(old.order_by("valid_until"))[:120]:
            approved = min(r.valid_until - dt.timedelta(days=30), today - dt.timedelta(days=10))
            if approved <= r.approved_on or approved > today:
                continue
            user = self.staff[r.type.code]
            with _at(approved + dt.timedelta(days=2)):
                new, _ = result_create(
                    user=user,
                    data={
                        "zone": r.zone_id,
                        "type": r.type_id,
                        "title": f"{r.zone.name}区域{r.type.name}（修编）",
                        "commissioned_by": r.commissioned_by,
                        "assessed_by": r.assessed_by,
                        "document_number": f"内{r.type.name[:2]}审〔{approved.year}〕{100 + renewed}号",
                        "approved_on": approved.isoformat(),
                        "conditions": r.conditions,
                        "obligations": r.obligations,
                        "supersedes": r.pk,
                    },
                )
            with _at(approved + dt.timedelta(days=5)):
                result_act(
                    pk=new.pk,
                    action="publish",
                    user=user,
                    data={"published_on": (approved + dt.timedelta(days=5)).isoformat()},
                )
            renewed += 1
        return renewed

    def run(self, today: dt.date) -> dict[str, int]:
        items_ensure(AssessmentType)
        self.items = {t.code: t for t in AssessmentType.objects.all()}
        self.accounts()
        zones = self.zones()
        self.results_2022(zones)
        self.projects_and_uses(zones)
        self.renewals_2026(today)
        results_sweep(today)
        return {
            "开发区（园区）": Zone.objects.count(),
            "区域评估成果": Result.objects.count(),
            "投资项目": Project.objects.count(),
            "成果应用": Use.objects.count(),
        }


def load_demo_area(out: Callable[[str], object] = print) -> dict[str, int]:
    if (
        Zone.objects.exists()
        or not Department.objects.filter(name="自治区政务服务与数据管理局").exists()
    ):
        return {}
    from qitong.core.workdays import local_today

    started = time.perf_counter()
    out("正在生成区域评估成果演示数据（62 个园区、615 项成果、820 个项目的 1,830 次应用）…")
    with transaction.atomic():
        made = Loader(out).run(local_today())
    out(f"区域评估成果演示数据已生成（{time.perf_counter() - started:.1f} 秒）。")
    return made
