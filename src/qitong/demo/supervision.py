"""The demo's supervision work, made through the supervision services at past moments (the
clock frozen at each step), so the ledger, the deadlines and the statistics read as they
would have:

- 2022: the first round of 明查暗访 (the 暗访片 by the region's newspaper and television) and
  the 拖欠账款 special inspection — 37 problems registered January to April, 9 of them closed
  by the end of April ("截至 4 月底共受理问题 37 个，已办结 9 个"), among them 土右旗's
  street-paving project that owed 内蒙古广泰路桥公司 242 万元, paid in early April; the rest
  closed later that year;
- this year: an activity of each kind across the 盟市 (an 暗访 with several problems, a 第三方
  评估 with its report, 通辽's own 市委专项巡察), ~85 problems in every state — some overdue and
  escalated by the sweep, a long-term case, objections (one upheld), an extension, returns —
  and a few promoted from the demo's 反映问题 tickets;
- accountability: the second and third quarters' public lists published (one entry corrected
  by a later one), the fourth quarter's drafts.

Idempotent: nothing is made when the 2022 暗访 activity exists.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from qitong.accounts.models import User
from qitong.accounts.roles import Role
from qitong.accounts.services import user_record_scope_change
from qitong.core import clock
from qitong.core.errors import DomainError
from qitong.core.workdays import LOCAL_TZ
from qitong.demo.accounts import DEMO_DEPARTMENT, DEMO_DEPARTMENT_2
from qitong.demo.loader import ledger_created
from qitong.directory.models import Department, DepartmentLevel, Region
from qitong.supervision import accountability
from qitong.supervision.models import Activity, Problem
from qitong.supervision.services import (
    activity_create,
    defaults_ensure,
    problem_act,
    problem_create,
    problems_sweep,
)
from qitong.tickets.models import Ticket
from qitong.tickets.services import ticket_act
from qitong.tickets.states import TicketState, TicketType

MARKER = "2022年营商环境明查暗访（第一轮）"
OFFICE = "自治区营商环境建设监督局"
PDF = b"%PDF-1.4\n% qitong demo document\n"
CITY_CODES = [
    "150100",
    "150200",
    "150300",
    "150400",
    "150500",
    "150600",
    "150700",
    "150800",
    "150900",
    "152200",
    "152500",
    "152900",
]
# County bodies the demo's problems name (the directory has no county departments).
COUNTY_BODIES = [
    ("150221", "土默特右旗人民政府", "TYQ-GOV"),
    ("150104", "玉泉区人民政府", "YQQ-GOV"),
    ("152221", "科尔沁右翼前旗自然资源局", "KYQQ-ZRZY"),
    ("150502", "科尔沁区住房和城乡建设局", "KEQ-ZJ"),
]
TONGLIAO_HANDLER = "tongliao_handler"  # 通辽市住房和城乡建设局's handler (its 巡察 problems)

# (category, title, description, amount in 元 or None); the wording is the demo's own.
PROBLEMS = {
    "arrears": [
        (
            "拖欠工程款未按期支付",
            "{body}承建项目竣工验收后，剩余工程款 {amount} 万元逾期未付，企业多次催要无果。",
            True,
        ),
        (
            "政府采购货款拖欠",
            "{body}采购的办公设备已验收，货款 {amount} 万元超过合同约定期限仍未支付。",
            True,
        ),
        (
            "征地拆迁补偿款迟迟未到位",
            "企业配合搬迁已两年，{body}承诺的补偿款 {amount} 万元至今未兑现。",
            True,
        ),
    ],
    "broken_promise": [
        (
            "招商引资承诺的奖补资金未兑现",
            "{body}招商时承诺的设备投资奖补 {amount} 万元，项目投产后未兑现。",
            True,
        ),
        (
            "承诺的配套道路未建设",
            "园区入驻时承诺的配套道路和供水管网，约定期限已过仍未开工。",
            False,
        ),
    ],
    "policy_not_delivered": [
        (
            "稳岗返还政策落实不到位",
            "符合条件的企业申请稳岗返还后，{body}未在规定时限内拨付。",
            False,
        ),
        (
            "惠企资金申报门槛层层加码",
            "{body}在上级政策之外另设申报条件，多数小微企业无法享受。",
            False,
        ),
    ],
    "approval_service": [
        (
            "施工许可审批超时",
            "项目材料齐全，{body}受理后超过承诺时限仍未办结，且未一次性告知补正材料。",
            False,
        ),
        (
            "窗口要求重复提交材料",
            "已在政务服务网上传的材料，窗口仍要求提交纸质原件和复印件。",
            False,
        ),
        ("“一网通办”事项线下跑腿", "事项标注可全程网办，实际仍需到现场签字确认两次。", False),
    ],
    "arbitrary_charges": [
        (
            "违规收取技术服务费",
            "{body}指定中介机构收取技术审查费 {amount} 万元，无收费依据。",
            True,
        ),
        (
            "对轻微违法行为顶格罚款",
            "企业首次轻微违法且及时改正，仍被处以顶格罚款 {amount} 万元。",
            True,
        ),
    ],
    "law_enforcement": [
        (
            "同一事项多头重复检查",
            "一个月内{body}等三个部门先后对同一事项入企检查，影响正常生产。",
            False,
        ),
        ("检查未出示执法证件", "暗访发现执法人员入企检查未出示证件、未告知检查依据。", False),
    ],
    "other": [
        (
            "企业诉求转办后无人回应",
            "企业通过 12345 反映的问题转至{body}后，超过时限无人联系企业。",
            False,
        ),
    ],
}
PEOPLE = [
    "王建军",
    "李国华",
    "张海涛",
    "刘志强",
    "陈晓东",
    "赵永刚",
    "孙立新",
    "周文斌",
    "吴春雷",
    "郑宏伟",
]
POSITIONS = ["副局长", "科长", "副旗长", "副区长", "主任", "副主任"]
ENTERPRISES = [
    "内蒙古广泰路桥有限公司",
    "包头市鑫达建材有限公司",
    "赤峰市恒通物流有限公司",
    "通辽市绿源农牧科技有限公司",
    "鄂尔多斯市远景能源设备有限公司",
    "呼伦贝尔市草原乳业有限公司",
]


def at(moment: dt.datetime) -> Any:
    return clock.frozen(moment)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), LOCAL_TZ)


def doc(name: str) -> ContentFile[bytes]:
    return ContentFile(PDF, name=name)


@dataclass
class Spec:
    """One problem's story: where it ends and when it started."""

    unit: Department
    category: str
    problem_class: str
    start: dt.datetime
    target: str
    activity: Activity | None = None
    amount: int | None = None
    title: str = ""
    description: str = ""
    enterprise: str = ""
    public: bool = False
    returned: bool = False
    late_claim: bool = False
    extension: bool = False
    escalate_to: int = 0
    recurrence_of: int | None = None


class Loader:
    def __init__(self, out: Callable[[str], object]) -> None:
        self.out = out
        self.rng = random.Random(20260513)  # nosec B311 # demo data only, not security
        self.office = User.objects.get(username="supervisor")
        self.now = clock.now()
        self.problems = 0
        self.coordinators = {
            u.region.code if u.region else "": u
            for u in User.objects.filter(
                role=Role.SUPERVISOR, region__code__in=CITY_CODES
            ).select_related("region")
        }
        self.staff = {
            u.department_id: u
            for u in User.objects.filter(role=Role.HANDLER, department__isnull=False).order_by("pk")
        }

    # --- who answers for a unit --------------------------------------------------------------
    def unit_user(self, unit: Department, owner: User) -> User:
        if unit.pk in self.staff:
            return self.staff[unit.pk]
        city = unit.region.code[:4] + "00"
        coordinator = self.coordinators.get(city)
        assert coordinator is not None and coordinator != owner, unit.name
        return coordinator

    def departments(self) -> dict[str, list[Department]]:
        """City departments by 盟市 (the kinds the problems name), and the county bodies."""
        kinds = [
            "housing_construction",
            "market_regulation",
            "natural_resources",
            "finance",
            "transport",
            "development_reform",
        ]
        out: dict[str, list[Department]] = {}
        for d in Department.objects.filter(
            level=DepartmentLevel.CITY, kind__in=kinds
        ).select_related("region"):
            out.setdefault(d.region.code, []).append(d)
        for rows in out.values():
            rows.sort(key=lambda d: kinds.index(d.kind))
        return out

    def county_bodies(self) -> dict[str, Department]:
        made = {}
        for code, name, dept_code in COUNTY_BODIES:
            region = Region.objects.get(code=code)
            made[code], created = Department.objects.get_or_create(
                code=dept_code,
                defaults={
                    "name": name,
                    "region": region,
                    "level": DepartmentLevel.COUNTY,
                    "kind": "government",
                },
            )
            if created:  # reference data: ledgered like the directory's own
                ledger_created([made[code]])
        return made

    def tongliao_handler(self) -> None:
        unit = Department.objects.get(region__code="150500", kind="housing_construction")
        user = User.objects.filter(username=TONGLIAO_HANDLER).first()
        if user is None:
            user = User(
                username=TONGLIAO_HANDLER,
                role=Role.HANDLER,
                department=unit,
                display_name="通辽住建承办人",
            )
            user.set_unusable_password()
            user.save()
            user_record_scope_change(user=user, before=None, actor=None)
        self.staff[unit.pk] = user

    # --- one problem, step by step ----------------------------------------------------------
    def text(self, spec: Spec) -> tuple[str, str, str]:
        options = PROBLEMS[spec.category]
        title, description, with_amount = options[self.rng.randrange(len(options))]
        amount = spec.amount or (
            self.rng.choice([18, 36, 52, 86, 120, 260]) if with_amount else None
        )
        spec.amount = amount if with_amount or spec.amount else None
        body = spec.unit.name
        return (
            spec.title or title,
            spec.description or description.format(body=body, amount=amount),
            spec.enterprise or (self.rng.choice(ENTERPRISES) if with_amount else ""),
        )

    def step(self, when: dt.datetime, days: float) -> dt.datetime:
        """A step `days` after `when`, never in the future."""
        later = when + dt.timedelta(days=days)
        return min(later, self.now - dt.timedelta(minutes=30))

    def drive(self, spec: Spec, owner: User | None = None) -> Problem:
        owner = owner or self.office
        title, description, enterprise = self.text(spec)
        data: dict[str, Any] = {
            "unit_department": spec.unit.pk,
            "category": spec.category,
            "problem_class": spec.problem_class,
            "title": title,
            "description": description,
            "enterprise_names": enterprise,
            "public": spec.public,
        }
        if spec.activity is not None:
            data["activity"] = spec.activity.pk
        if spec.recurrence_of is not None:
            data["recurrence_of"] = spec.recurrence_of
        if spec.amount:
            data["amount"] = spec.amount * 10_000
        with at(spec.start):
            p, _ = problem_create(user=owner, data=data, files=[doc("问题线索及照片.pdf")])
        self.problems += 1
        return self.follow(p, spec, owner)

    def follow(self, p: Problem, spec: Spec, owner: User) -> Problem:
        t = spec.start
        if spec.target == "registered":
            return p
        if spec.target == "dismissed":
            with at(self.step(t, 1)):
                return problem_act(
                    pk=p.pk, action="dismiss", user=owner, data={"reason": "经核实为重复登记"}
                )
        t = self.step(t, 1)
        with at(t):
            p = problem_act(
                pk=p.pk,
                action="assign",
                user=owner,
                data={"leader": self.rng.choice(PEOPLE)[0] + "副局长"},
            )
        if spec.target == "assigned":
            return self.escalated(p, spec, owner, t)
        unit = self.unit_user(spec.unit, owner)
        if spec.target in ("objected", "objection_upheld", "objection_rejected"):
            t = self.step(t, 2)
            with at(t):
                p = problem_act(
                    pk=p.pk,
                    action="object",
                    user=unit,
                    data={"reason": "该事项已于登记前办结，附办结材料"},
                    files=[doc("异议材料.pdf")],
                )
            if spec.target == "objected":
                return p
            t = self.step(t, 6)
            upheld = spec.target == "objection_upheld"
            with at(t):
                p = problem_act(
                    pk=p.pk,
                    action="decide_objection",
                    user=owner,
                    data={
                        "upheld": upheld,
                        "reason": "经核实异议属实" if upheld else "问题属实，继续整改",
                    },
                )
            if upheld:
                return p
        t = self.step(t, 1)
        with at(t):
            p = problem_act(pk=p.pk, action="accept", user=unit, data={"note": "已签收，马上整改"})
        t = self.step(t, 1)
        deadline = p.deadline.astimezone(LOCAL_TZ).date() if p.deadline else t.date()
        halfway = max(t.astimezone(LOCAL_TZ).date(), deadline - dt.timedelta(days=3))
        with at(t):
            p = problem_act(
                pk=p.pk,
                action="plan",
                user=unit,
                data={
                    "plan": "成立整改专班，明确责任人和完成时限，逐项对账销号。",
                    "milestones": [
                        {"due_on": halfway.isoformat(), "title": "制定整改措施并落实资金"},
                        {"due_on": deadline.isoformat(), "title": "全部整改到位"},
                    ],
                },
                files=[doc("整改方案.pdf")],
            )
        if spec.extension:
            t = self.step(t, 2)
            new_day = deadline + dt.timedelta(days=20)
            with at(t):
                p = problem_act(
                    pk=p.pk,
                    action="request_extension",
                    user=unit,
                    data={"deadline": new_day.isoformat(), "reason": "资金须经人大审议"},
                )
                p = problem_act(
                    pk=p.pk,
                    action="extend",
                    user=owner,
                    data={"deadline": new_day.isoformat(), "reason": "同意延期"},
                )
        if spec.target == "long_term":
            t = self.step(t, 2)
            with at(t):
                first = t.astimezone(LOCAL_TZ).date() + dt.timedelta(days=60)
                p = problem_act(
                    pk=p.pk,
                    action="long_term",
                    user=owner,
                    data={
                        "reason": "涉及跨年度预算安排，分期偿还",
                        "milestones": [
                            {"due_on": first.isoformat(), "title": "偿还第一期 40%"},
                            {
                                "due_on": (first + dt.timedelta(days=120)).isoformat(),
                                "title": "偿还第二期 30%",
                            },
                            {
                                "due_on": (first + dt.timedelta(days=240)).isoformat(),
                                "title": "全部偿清",
                            },
                        ],
                    },
                )
            return p
        if spec.target == "rectifying":
            t = self.step(t, 2)
            with at(t):
                p = problem_act(
                    pk=p.pk,
                    action="progress",
                    user=unit,
                    data={"note": "已完成资金测算，正在履行支付程序"},
                )
            return self.escalated(p, spec, owner, t)
        t = self.step(t, 7 if spec.late_claim else 3)
        if spec.late_claim and p.deadline is not None:
            t = self.step(p.deadline, 2)
        with at(t):
            p = problem_act(
                pk=p.pk,
                action="claim_done",
                user=unit,
                data={"summary": "已整改到位，企业确认"},
                files=[doc("整改佐证.pdf")],
            )
        if spec.returned:
            t = self.step(t, 1)
            with at(t):
                p = problem_act(
                    pk=p.pk, action="return", user=owner, data={"reason": "缺少企业签字确认的材料"}
                )
            t = self.step(t, 2)
            with at(t):
                p = problem_act(
                    pk=p.pk,
                    action="claim_done",
                    user=unit,
                    data={"summary": "补充企业确认函"},
                    files=[doc("企业确认函.pdf")],
                )
        if spec.target == "pending_acceptance":
            return p
        t = self.step(t, 1)
        with at(t):
            return problem_act(
                pk=p.pk,
                action="accept_done",
                user=owner,
                data={"comment": "经回访企业核实，予以销号"},
            )

    def escalated(self, p: Problem, spec: Spec, owner: User, t: dt.datetime) -> Problem:
        for level in range(2, spec.escalate_to + 1):
            t = self.step(t, 3)
            with at(t):
                p = problem_act(
                    pk=p.pk,
                    action="escalate",
                    user=owner,
                    data={
                        "level": level,
                        "document": f"内营商督〔{t.year}〕{self.rng.randint(10, 99)}号",
                        "note": "整改不力，升级督办",
                    },
                    files=[doc("督办通知.pdf")],
                )
        return p

    # --- the stories -------------------------------------------------------------------------
    def year_2022(
        self, depts: dict[str, list[Department]], counties: dict[str, Department]
    ) -> None:
        with at(moment(dt.date(2022, 1, 10))):
            undercover = activity_create(
                user=self.office,
                data={
                    "kind": "undercover",
                    "title": MARKER,
                    "organiser": OFFICE,
                    "team": "内蒙古日报社、内蒙古广播电视台暗访组",
                    "starts_on": "2022-01-10",
                    "ends_on": "2022-02-28",
                    "regions": CITY_CODES,
                    "description": "暗访组以企业身份实地办事，拍摄暗访片，发现问题交各地整改。",
                },
                files=[doc("暗访片问题清单.pdf")],
            )
        with at(moment(dt.date(2022, 2, 15))):
            arrears = activity_create(
                user=self.office,
                data={
                    "kind": "special",
                    "title": "2022年拖欠企业账款专项督查",
                    "organiser": OFFICE,
                    "team": "专项督查组",
                    "starts_on": "2022-02-15",
                    "ends_on": "2022-04-30",
                    "regions": CITY_CODES,
                },
            )
        # 土右旗's 242 万元: listed in February, paid in early April, closed on 8 April.
        tuyou = self.drive(
            Spec(
                counties["150221"],
                "arrears",
                "B",
                moment(dt.date(2022, 2, 21)),
                "rectifying",
                activity=arrears,
                amount=242,
                title="道路硬化项目拖欠施工企业工程款 242 万元",
                description="土右旗街道道路硬化项目竣工后，拖欠内蒙古广泰路桥有限公司工程款 242 万元。",
                enterprise="内蒙古广泰路桥有限公司",
                public=True,
                extension=True,
            )
        )
        baotou = self.unit_user(counties["150221"], self.office)
        with at(moment(dt.date(2022, 4, 6), 15)):
            tuyou = problem_act(
                pk=tuyou.pk,
                action="claim_done",
                user=baotou,
                data={
                    "summary": "4 月初已向内蒙古广泰路桥有限公司全额支付 242 万元，企业出具收款确认。"
                },
                files=[doc("银行付款回单.pdf"), doc("企业收款确认函.pdf")],
            )
        with at(moment(dt.date(2022, 4, 8), 11)):
            tuyou = problem_act(
                pk=tuyou.pk,
                action="accept_done",
                user=self.office,
                data={"comment": "经电话回访企业核实，款项已到账，予以销号"},
            )
        assert tuyou.state == "closed"
        # 36 more, January to April; 8 of them closed by the end of April, the rest later.
        days = [dt.date(2022, 1, 12) + dt.timedelta(days=3 * i) for i in range(36)]
        categories = list(PROBLEMS)
        for i, day in enumerate(days):
            city = CITY_CODES[i % 12]
            unit = depts[city][i % len(depts[city])]
            early = i < 8
            start = moment(day)
            spec = Spec(
                unit,
                categories[i % len(categories)],
                "CBA"[i % 3] if early else "AB"[i % 2],
                start,
                "closed",
                activity=undercover if i % 2 == 0 else arrears,
                public=i % 4 == 0,
            )
            if early:
                spec.problem_class = "C"
                spec.start = moment(min(day, dt.date(2022, 4, 10)))
            else:
                spec.late_claim = i % 5 == 0
            p = self.drive_2022(spec, close_after=not early)
            assert p.state == "closed"

    def drive_2022(self, spec: Spec, *, close_after: bool) -> Problem:
        """A 2022 problem closed in April (early) or after April (the rest: their claims and
        acceptance moved past April, deadlines extended as a long case would be)."""
        if not close_after:
            return self.drive(spec)
        spec.target = "rectifying"
        p = self.drive(spec)
        unit = self.unit_user(spec.unit, self.office)
        claim = moment(dt.date(2022, 5, 10) + dt.timedelta(days=self.rng.randint(0, 90)))
        with at(claim):
            p = problem_act(
                pk=p.pk,
                action="claim_done",
                user=unit,
                data={"summary": "已整改到位"},
                files=[doc("整改佐证.pdf")],
            )
        with at(claim + dt.timedelta(days=3)):
            return problem_act(
                pk=p.pk, action="accept_done", user=self.office, data={"comment": "予以销号"}
            )

    def this_year(
        self, depts: dict[str, list[Department]], counties: dict[str, Department]
    ) -> None:
        today = self.now.astimezone(LOCAL_TZ).date()
        year = today.year
        kinds = [
            (
                "open_inspection",
                f"{year}年一季度营商环境明查",
                "自治区营商环境建设监督局明查组",
                dt.date(year, 3, 3),
            ),
            (
                "undercover",
                f"{year}年营商环境暗访（暗访片）",
                "内蒙古日报社暗访组",
                dt.date(year, 5, 12),
            ),
            ("special", f"{year}年拖欠企业账款专项督查", "专项督查组", dt.date(year, 6, 2)),
            (
                "routine",
                f"{year}年营商环境重点工作日常调度",
                "自治区营商环境建设监督局",
                dt.date(year, 7, 1),
            ),
            (
                "third_party",
                f"{year}年度营商环境第三方评估",
                "受托第三方评估机构",
                dt.date(year, 8, 18),
            ),
            (
                "hotline_analysis",
                f"{year}年三季度 12345 涉企诉求分析",
                "12345 热线企业服务专席",
                dt.date(year, 10, 9),
            ),
        ]
        acts = []
        for kind, title, team, start in kinds:
            with at(moment(start)):
                acts.append(
                    activity_create(
                        user=self.office,
                        data={
                            "kind": kind,
                            "title": title,
                            "organiser": OFFICE,
                            "team": team,
                            "starts_on": start.isoformat(),
                            "ends_on": (start + dt.timedelta(days=20)).isoformat(),
                            "regions": CITY_CODES,
                        },
                        files=[doc("评估报告.pdf" if kind == "third_party" else "活动通报.pdf")],
                    )
                )
        # Where each ends, with how many days ago it started (recent ones are on time).
        plan = (
            [("closed", 200 - 5 * i) for i in range(22)]
            + [("closed", 120 - 4 * i) for i in range(8)]
            + [("pending_acceptance", 12 - i) for i in range(8)]
            + [("rectifying", 9 - i % 6) for i in range(10)]
            + [("rectifying", 60 + 5 * i) for i in range(6)]  # overdue: the sweep escalates
            + [("assigned", 2 + i % 3) for i in range(6)]
            + [("assigned", 40 + 7 * i) for i in range(5)]  # overdue
            + [("registered", 1 + i % 3) for i in range(6)]
            + [("objected", 6 + i) for i in range(2)]
            + [("objection_upheld", 40), ("objection_rejected", 12)]
            + [("dismissed", 70 + 10 * i) for i in range(3)]
            + [("long_term", 90)]
        )
        categories = list(PROBLEMS)
        for i, (target, ago) in enumerate(plan):
            start = moment(today - dt.timedelta(days=ago), 9 + i % 7)
            city = CITY_CODES[(i * 5) % 12]
            unit = depts[city][(i // 12) % len(depts[city])]
            if i % 9 == 0:
                unit = Department.objects.get(name=DEMO_DEPARTMENT, region__code="150000")
            elif i % 9 == 4:
                unit = Department.objects.get(name=DEMO_DEPARTMENT_2, region__code="150000")
            activity = [a for a in acts if a.starts_on <= start.date()]
            spec = Spec(
                unit,
                categories[i % len(categories)],
                "CBBA"[i % 4] if target != "long_term" else "A",
                start,
                target,
                activity=activity[i % len(activity)] if activity and i % 5 else None,
                public=i % 3 == 0,
                returned=target == "closed" and i % 4 == 1,
                late_claim=target == "closed" and i % 6 == 2,
                extension=target == "closed" and i % 11 == 3,
                escalate_to=3 if target in ("rectifying", "assigned") and ago > 80 else 0,
            )
            self.drive(spec)
        # Two problems came back after they were closed (问题反弹).
        for k, earlier in enumerate(
            Problem.objects.filter(state="closed", registered_at__year=year).order_by("pk")[:2]
        ):
            spec = Spec(
                earlier.unit_department,
                earlier.category.code,
                "B",
                moment(today - dt.timedelta(days=10 + k)),
                "rectifying" if k == 0 else "assigned",
                recurrence_of=earlier.pk,
                title=f"{earlier.title}（问题反弹）",
                description=f"{earlier.description} 销号后再次出现。",
            )
            self.drive(spec)
        # 通辽's own 市委专项巡察: registered and supervised by the 通辽 office.
        tongliao = self.coordinators["150500"]
        housing = Department.objects.get(region__code="150500", kind="housing_construction")
        with at(moment(dt.date(year, 4, 8))):
            patrol = activity_create(
                user=tongliao,
                data={
                    "kind": "patrol",
                    "title": f"{year}年通辽市委营商环境专项巡察",
                    "organiser": "中共通辽市委巡察工作领导小组办公室",
                    "team": "市委第三巡察组",
                    "starts_on": f"{year}-04-08",
                    "ends_on": f"{year}-05-20",
                    "regions": ["150500", "150502"],
                },
            )
        for j, (target, ago) in enumerate(
            [("closed", 150), ("closed", 120), ("rectifying", 8), ("assigned", 45)]
        ):
            unit = counties["150502"] if j == 3 else housing  # the county body has no staff here
            spec = Spec(
                unit,
                "approval_service" if j % 2 else "arrears",
                "B",
                moment(today - dt.timedelta(days=ago)),
                target,
                activity=patrol,
            )
            self.drive(spec, owner=tongliao)

    def promoted(self) -> int:
        """A few of the demo's 反映问题 tickets promoted by the desk lead; one closed."""
        lead = User.objects.filter(username="desklead").first()
        if lead is None:
            return 0
        tickets = list(
            Ticket.objects.filter(type=TicketType.PROBLEM_REPORT, promoted_at__isnull=True)
            .exclude(
                state__in=[
                    TicketState.SUBMITTED,
                    TicketState.REJECTED,
                    TicketState.WITHDRAWN,
                    TicketState.MERGED,
                ]
            )
            .filter(region_code__startswith="15")
            .order_by("-created_at")[:4]
        )
        housing = Department.objects.get(name=DEMO_DEPARTMENT_2, region__code="150000")
        made = 0
        for n, ticket in enumerate(tickets):
            when = self.step(ticket.updated_at, 0.1)
            with at(when):
                try:
                    promoted = ticket_act(
                        ticket_id=ticket.pk,
                        action="promote",
                        user=self.office,
                        data={
                            "unit_department": housing.pk,
                            "problem_class": "C",
                            "note": "典型问题，转督查督办",
                        },
                    )
                except DomainError:  # a history ticket whose state or scope does not allow it
                    continue
            made += 1
            problem = Problem.objects.get(ticket=promoted)
            spec = Spec(
                housing, problem.category.code, "C", when, "closed" if n == 0 else "rectifying"
            )
            self.follow(problem, spec, self.office)
        return made

    def accountability(self) -> int:
        today = self.now.astimezone(LOCAL_TZ).date()
        year = today.year
        closed = list(
            Problem.objects.filter(state="closed", registered_at__year=year).order_by("pk")[:12]
        )
        made = 0
        quarters = [(f"{year}Q2", dt.date(year, 6, 20)), (f"{year}Q3", dt.date(year, 9, 22))]
        if today >= dt.date(year, 10, 15):
            quarters.append((f"{year}Q4", min(today, dt.date(year, 12, 20))))
        measures = ["criticism", "interview", "admonition", "organisational", "discipline"]
        for qi, (quarter, day) in enumerate(quarters):
            for k in range(4):
                problem = closed[(qi * 4 + k) % len(closed)] if closed else None
                person = PEOPLE[(qi * 4 + k) % len(PEOPLE)]
                enterprise = ENTERPRISES[(qi + k) % len(ENTERPRISES)]
                with at(moment(day - dt.timedelta(days=k))):
                    accountability.entry_create(
                        user=self.office,
                        data={
                            "quarter": quarter,
                            "region": problem.unit_department.region.code if problem else "150000",
                            "department": problem.unit_department_id if problem else None,
                            "summary": f"{person}在办理{enterprise}相关诉求中推诿拖延、整改不力，造成不良影响。",
                            "measure": measures[(qi + k) % len(measures)],
                            "decided_on": (day - dt.timedelta(days=k)).isoformat(),
                            "problems": [problem.pk] if problem else [],
                            "persons": [
                                {"name": person, "position": POSITIONS[k % len(POSITIONS)]}
                            ],
                            "enterprises": [{"name": enterprise, "consented": k == 2}],
                            "public": k != 3,
                        },
                    )
                made += 1
            if quarter != f"{year}Q4":
                with at(moment(day + dt.timedelta(days=5))):
                    accountability.quarter_publish(user=self.office, quarter=quarter)
        # A correction of the second quarter's first entry, published with the third quarter.
        first = accountability.published_entries(f"{year}Q2").first()
        if first is not None:
            with at(moment(dt.date(year, 9, 30))):
                fix = accountability.entry_create(
                    user=self.office,
                    data={
                        "quarter": f"{year}Q3",
                        "region": first.region.code,
                        "unit_name": first.unit_name,
                        "summary": "更正：原公开的问责方式有误，应为约谈。",
                        "measure": "interview",
                        "decided_on": f"{year}-09-30",
                        "public": True,
                        "corrects": first.pk,
                    },
                )
                accountability.entry_act(pk=fix.pk, action="publish", user=self.office)
            made += 1
        return made


def load_demo_supervision(out: Callable[[str], object] = print) -> dict[str, int]:
    if (
        Activity.objects.filter(title=MARKER).exists()
        or not User.objects.filter(username="supervisor").exists()
    ):
        return {}
    started = time.perf_counter()
    out("正在生成督查问题演示数据（督查活动、约 120 个问题的整改过程、问责公开名单）…")
    with transaction.atomic():
        defaults_ensure()
        loader = Loader(out)
        counties = loader.county_bodies()
        loader.tongliao_handler()
        depts = loader.departments()
        loader.year_2022(depts, counties)
        loader.this_year(depts, counties)
        promoted = loader.promoted()
        entries = loader.accountability()
        problems_sweep()
    out(f"督查问题演示数据已生成（{time.perf_counter() - started:.1f} 秒）。")
    return {
        "督查活动": Activity.objects.count(),
        "督查问题": Problem.objects.count(),
        "工单转督查问题": promoted,
        "问责记录": entries,
    }
