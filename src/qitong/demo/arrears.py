"""The demo's arrears ledger (清欠台账), made through the arrears services at past moments (the
clock frozen at each step), so the ledger, the due dates, the interest and the statistics read
as they would have:

- 2022: 土右旗's 242 万元 owed to 内蒙古广泰路桥有限公司 (linked to the supervision problem,
  paid in early April and closed on 8 April); the demolition costs 玉泉区 repaid to 内蒙古广昊
  房地产开发有限公司 by offsetting land-transfer fees (抵顶土地出让金); the farmland works
  科右前旗自然资源局 owed 43 enterprises (over 3,000 万元), imported from the 兴安盟 ledger in
  Excel and mostly repaid that spring;
- the campaign since 2024: ~340 claims across the 12 盟市 and every debtor kind, in every
  state — verified, planned, partly repaid (bills and vouchers where the contract agreed
  them, offsets, assets), repaid and closed, disputed, in mediation and litigation, written
  off — so the KPIs and the 2025 disclosure have figures;
- the demo enterprise's own claims: one repayment awaiting its confirmation, one overdue it
  can complain about, one closed; the demo handler's department answers for two debtors.

Idempotent: nothing is made when 土右旗's contract is in the ledger. Credit codes are
fictional (valid check characters); the 2022 names are as in the public reports.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from openpyxl import Workbook

from qitong.accounts.models import User
from qitong.arrears.columns import COLUMNS
from qitong.arrears.excel import import_claims
from qitong.arrears.models import Claim, Debtor, Repayment
from qitong.arrears.services import claim_act, claim_create, claims_sweep, defaults_ensure
from qitong.core import clock
from qitong.core.errors import DomainError
from qitong.core.workdays import LOCAL_TZ
from qitong.demo.accounts import DEMO_DEPARTMENT, DEMO_ENTERPRISES, demo_credit_code
from qitong.directory.models import Department, Region, RegionLevel
from qitong.enterprises.models import Contact, Enterprise
from qitong.enterprises.validators import org_code_check_char, uscc_check_char
from qitong.ledger.services import ledger_record_change
from qitong.supervision.models import Problem

MARKER = "TYQ-2020-DL-017"  # 土右旗's road-paving contract
PDF = b"%PDF-1.4\n% qitong demo document\n"
_DOCS = itertools.count(1)  # each demo file its own bytes (and SHA-256)
KINDS = {"organ": "11", "institution": "12", "soe_large": "91", "large": "91", "association": "51"}


def at(moment: dt.datetime) -> Any:
    return clock.frozen(moment)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), LOCAL_TZ)


def doc(name: str) -> ContentFile[bytes]:
    return ContentFile(PDF + f"% {name} {next(_DOCS)}\n".encode(), name=name)


def body_code(prefix: str, region: str, n: int) -> str:
    """A fictional credit code of the given kind (11 机关, 12 事业单位, 51 社团, 91 企业)."""
    org = f"QK{n:06d}"
    first17 = f"{prefix}{region}{org}{org_code_check_char(org)}"
    return first17 + uscc_check_char(first17)


class Loader:
    def __init__(self, out: Callable[[str], object]) -> None:
        self.out = out
        self.rng = random.Random(20261203)  # nosec B311 # demo data only, not security
        self.office = User.objects.get(username="supervisor")
        self.today = clock.now().astimezone(LOCAL_TZ).date()
        self.n = 0
        self.claims = 0

    # --- reference records --------------------------------------------------------------------
    def code(self, kind: str, region: str) -> str:
        self.n += 1
        return body_code(KINDS[kind], region, self.n)

    def enterprise(
        self, name: str, region: str, size: str = "small", industry: str = "E"
    ) -> Enterprise:
        name = f"{name}（演示）"  # a demo record (its credit code is fictional)
        found = Enterprise.objects.filter(name=name).first()
        if found is not None:
            return found
        self.n += 1
        ent = Enterprise.objects.create(
            credit_code=demo_credit_code(region, f"MA0QK{self.n:03d}"[:8]),
            name=name,
            region=Region.objects.get(code=region),
            industry=industry,
            size=size,
        )
        phone = f"1394800{self.n:04d}"
        Contact.objects.create(
            enterprise=ent, name="财务负责人", phone=phone, phone_kind="mobile", is_primary=True
        )
        ledger_record_change(
            obj=ent,
            action="enterprise_create",
            actor=None,
            extra={"source": "demo", "contacts": [phone]},
        )
        return ent

    def debtor(
        self, name: str, kind: str, level: str, region: str, department: Department | None
    ) -> dict[str, Any]:
        found = Debtor.objects.filter(name=name).first()
        code = found.credit_code if found else self.code(kind, region)
        return {
            "name": name,
            "credit_code": code,
            "kind": kind,
            "level": level,
            "region": region,
            **({"department": department.pk} if department else {}),
        }

    # --- one claim ----------------------------------------------------------------------------
    def register(
        self, when: dt.datetime, data: dict[str, Any], files: list[Any] | None = None
    ) -> Claim:
        with at(when):
            claim, _ = claim_create(user=self.office, data=data, files=files or [])
        self.claims += 1
        return claim

    def act(
        self, claim: Claim, when: dt.datetime, action: str, by: User | None = None, **data: Any
    ) -> Claim:
        files = data.pop("files", [])
        with at(when):
            return claim_act(
                pk=claim.pk, action=action, user=by or self.office, data=data, files=files
            )

    def repay(
        self, claim: Claim, day: dt.date, amount: Decimal, method: str = "transfer", **extra: Any
    ) -> Claim:
        data: dict[str, Any] = {
            "paid_on": day.isoformat(),
            "amount": str(amount),
            "method": method,
            **extra,
        }
        if method == "offset" and "offset_detail" not in data:
            data["offset_detail"] = "抵顶应缴土地出让金"
        return self.act(claim, moment(day, 15), "repay", files=[doc("清偿凭证.pdf")], **data)

    def confirm(self, claim: Claim, day: dt.date, by: User | None = None) -> Claim:
        waiting = Repayment.objects.filter(claim=claim, status="recorded").order_by("id")
        for r in waiting:
            files = [] if by is not None else [doc("债权企业确认书.pdf")]
            claim = self.act(
                claim, moment(day, 16), "confirm_repayment", by, repayment=r.pk, files=files
            )
        return claim

    # --- 2022 ---------------------------------------------------------------------------------
    def cases_2022(self) -> None:
        tyq = Department.objects.filter(code="TYQ-GOV").first()
        problem = Problem.objects.filter(title__contains="242 万元").order_by("pk").first()
        guangtai = self.enterprise("内蒙古广泰路桥有限公司", "150221", "medium")
        claim = self.register(
            moment(dt.date(2022, 2, 21)),
            {
                "debtor": self.debtor("土默特右旗人民政府", "organ", "county", "150221", tyq),
                "creditor": guangtai.credit_code,
                "contract": {
                    "number": MARKER,
                    "kind": "works",
                    "amount": "2600000",
                    "signed_on": "2020-05-12",
                    "delivered_on": "2020-10-28",
                    "acceptance_days": 30,
                    "accepted_on": "2020-11-20",
                },
                "owed": "2420000",
                **({"problem": problem.pk} if problem else {}),
                "note": "街道道路硬化项目竣工验收后工程款未付（2022 年拖欠企业账款专项督查）",
            },
            [doc("施工合同.pdf"), doc("竣工验收报告.pdf")],
        )
        if tyq is not None:  # the inspection's finding, handed to the 旗 government to settle
            claim = self.act(
                claim,
                moment(dt.date(2022, 2, 25)),
                "transfer_complaint",
                department=tyq.pk,
                note="转土右旗人民政府办理",
            )
        claim = self.act(
            claim, moment(dt.date(2022, 3, 2)), "verify", note="旗政府确认欠款 242 万元"
        )
        claim = self.act(
            claim,
            moment(dt.date(2022, 3, 10)),
            "plan",
            plan=["2022-04-10 一次性支付 242 万元"],
            note="列入旗本级预算调剂",
        )
        claim = self.repay(claim, dt.date(2022, 4, 5), Decimal("2420000"), document="银行付款回单")
        claim = self.confirm(claim, dt.date(2022, 4, 6))
        claim = self.act(
            claim, moment(dt.date(2022, 4, 8), 11), "close", note="企业确认款项到账，办结"
        )
        if tyq is not None:
            self.act(
                claim,
                moment(dt.date(2022, 4, 8), 14),
                "answer_complaint",
                result="已于 4 月 5 日全额支付 242 万元，企业确认到账。",
            )

        yuquan = self.enterprise("内蒙古广昊房地产开发有限公司", "150104", "medium", "K")
        claim = self.register(
            moment(dt.date(2022, 3, 8)),
            {
                "debtor": self.debtor("玉泉区人民政府", "organ", "county", "150104", None),
                "creditor": yuquan.credit_code,
                "contract": {
                    "number": "YQ-2019-ZS-003",
                    "kind": "services",
                    "amount": "18600000",
                    "signed_on": "2019-03-01",
                    "delivered_on": "2019-12-30",
                },
                "owed": "18600000",
                "note": "棚户区改造项目企业垫付的征收拆迁费用",
            },
        )
        claim = self.act(claim, moment(dt.date(2022, 3, 20)), "verify", note="区政府确认")
        claim = self.repay(
            claim,
            dt.date(2022, 5, 18),
            Decimal("18600000"),
            "offset",
            offset_detail="抵顶该企业应缴纳的土地出让金",
            document="玉泉区抵顶土地出让金协议（2022）第 3 号",
        )
        claim = self.confirm(claim, dt.date(2022, 5, 20))
        self.act(claim, moment(dt.date(2022, 5, 25)), "close", note="以抵顶土地出让金方式清偿完毕")
        self.farmland()

    def farmland(self) -> None:
        """科右前旗自然资源局 owed 43 enterprises for 高标准农田 works: the 兴安盟 ledger,
        imported in Excel; 38 repaid by June, 5 still paying."""
        dept = Department.objects.filter(code="KYQQ-ZRZY").first()
        debtor = self.debtor("科尔沁右翼前旗自然资源局", "organ", "county", "152221", dept)
        rows = []
        total = Decimal(0)
        for i in range(43):
            ent = self.enterprise(
                f"兴安盟{NAMES[i % len(NAMES)]}农业工程有限公司{'' if i < len(NAMES) else i}",
                "152221",
            )
            amount = Decimal(640000 + self.rng.randint(0, 40) * 5000)
            total += amount
            values = {
                "debtor_name": debtor["name"],
                "debtor_credit_code": debtor["credit_code"],
                "debtor_kind": "机关",
                "debtor_level": "旗县",
                "debtor_region": "152221",
                "debtor_department": "",
                "creditor": ent.credit_code,
                "contract_number": f"KYQQ-NT-2020-{i + 1:03d}",
                "contract_kind": "工程",
                "contract_amount": str(amount + 80000),
                "signed_on": "2020-04-15",
                "delivered_on": "2020-10-30",
                "acceptance_days": "60",
                "accepted_on": "2021-03-20" if i % 3 else "",
                "owed": str(amount),
                "note": "高标准农田建设项目工程款",
            }
            rows.append([values.get(c.name, "") for c in COLUMNS])
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append([c.header for c in COLUMNS])
        for row in rows:
            ws.append(row)
        buffer = io.BytesIO()
        wb.save(buffer)
        with at(moment(dt.date(2022, 3, 15))):
            import_claims(buffer.getvalue(), user=self.office)
        self.claims += 43
        assert total > 30_000_000, total
        for i, claim in enumerate(Claim.objects.filter(debtor__name=debtor["name"]).order_by("pk")):
            claim = self.act(
                claim, moment(dt.date(2022, 3, 25)), "verify", note="经核对合同及验收资料"
            )
            day = dt.date(2022, 4, 10) + dt.timedelta(days=(i * 2) % 70)
            if i < 38:
                claim = self.repay(claim, day, claim.balance)
                claim = self.confirm(claim, day + dt.timedelta(days=2))
                self.act(claim, moment(day + dt.timedelta(days=5)), "close")
            else:
                self.repay(claim, day, (claim.balance / 2).quantize(Decimal("1")))

    # --- the campaign since 2024 --------------------------------------------------------------
    def campaign(self) -> None:
        cities = list(Region.objects.filter(level=RegionLevel.CITY).order_by("code"))
        depts = {
            (d.region.code, d.kind): d
            for d in Department.objects.filter(level="city").select_related("region")
        }
        for index, city in enumerate(cities):
            creditors = list(
                Enterprise.objects.filter(region__code__startswith=city.code[:4])
                .exclude(size="large")
                .exclude(credit_code__in=[e.credit_code for e in DEMO_ENTERPRISES.values()])
                .order_by("pk")[:40]
            )
            if not creditors:
                continue
            counties = list(Region.objects.filter(parent=city).order_by("code")[:3])
            bodies = [
                (
                    f"{city.name}住房和城乡建设局",
                    "organ",
                    "city",
                    city.code,
                    depts.get((city.code, "housing_construction")),
                ),
                (
                    f"{city.name}交通运输局",
                    "organ",
                    "city",
                    city.code,
                    depts.get((city.code, "transport")),
                ),
                (
                    f"{city.name}第一人民医院",
                    "institution",
                    "city",
                    city.code,
                    depts.get((city.code, "health")),
                ),
                (
                    f"{city.name}城市建设投资集团有限公司",
                    "soe_large",
                    "city",
                    city.code,
                    depts.get((city.code, "state_assets")),
                ),
                (
                    f"{city.name}能源集团有限公司",
                    "large",
                    "city",
                    city.code,
                    depts.get((city.code, "energy")),
                ),
                (
                    f"{city.name}建筑业协会",
                    "association",
                    "city",
                    city.code,
                    depts.get((city.code, "civil_affairs")),
                ),
                *((f"{c.name}人民政府", "organ", "county", c.code, None) for c in counties),
            ]
            for j in range(28):
                name, kind, level, region, dept = bodies[j % len(bodies)]
                self.story(
                    self.debtor(name, kind, level, region, dept),
                    creditors[(j * 7 + index) % len(creditors)],
                    f"{city.code[:4]}-{j + 1:03d}",
                    STATES[(j + index) % len(STATES)],
                )
        self.province()

    def province(self) -> None:
        """The demo handler's department answers for two region-level debtors."""
        dept = Department.objects.filter(name=DEMO_DEPARTMENT).first()
        creditors = list(
            Enterprise.objects.filter(region__code__startswith="1501")
            .exclude(size="large")
            .exclude(credit_code__in=[e.credit_code for e in DEMO_ENTERPRISES.values()])
            .order_by("pk")[:6]
        )
        if dept is None or not creditors:
            return
        own = self.debtor(DEMO_DEPARTMENT, "organ", "region", "150000", dept)
        lab = self.debtor("自治区产品质量检验研究院", "institution", "region", "150000", dept)
        for j, (debtor, state) in enumerate(
            [(own, "registered"), (own, "verified"), (lab, "partly_repaid"), (lab, "closed")]
        ):
            self.story(debtor, creditors[j], f"QX-{j + 1:03d}", state)

    def story(
        self, debtor: dict[str, Any], creditor: Enterprise, number: str, state: str
    ) -> Claim | None:
        """One contract from signing to `state`, each step at its moment."""
        rng = self.rng
        latest = self.today - dt.timedelta(days=12)
        signed = dt.date(2024, 1, 5) + dt.timedelta(days=rng.randint(0, 560))
        delivered = min(
            signed + dt.timedelta(days=rng.randint(20, 200)), latest - dt.timedelta(days=70)
        )
        if delivered <= signed:
            return None
        amount = Decimal(rng.choice([8, 12, 18, 25, 36, 48, 60, 85, 120, 260, 480])) * 10000
        owed = (amount * Decimal(rng.choice(["1", "0.8", "0.6", "0.45"]))).quantize(Decimal("100"))
        contract: dict[str, Any] = {
            "number": f"{number}-{signed:%Y}",
            "kind": rng.choice(["goods", "works", "works", "services"]),
            "amount": str(amount),
            "signed_on": signed.isoformat(),
            "delivered_on": delivered.isoformat(),
        }
        public = debtor["kind"] in ("organ", "institution")
        roll = rng.random()
        if roll < 0.25:
            contract["acceptance_days"] = 15
            if rng.random() < 0.7:
                contract["accepted_on"] = (
                    delivered + dt.timedelta(days=rng.randint(5, 40))
                ).isoformat()
        elif roll < 0.35:
            settled = delivered + dt.timedelta(days=rng.randint(10, 40))
            contract["settlement_confirmed_on"] = min(
                settled, latest - dt.timedelta(days=60)
            ).isoformat()
        if rng.random() < 0.3:
            contract["agreed_days"] = (
                rng.choice([15, 45, 60]) if public else rng.choice([45, 90, 120])
            )
        if rng.random() < 0.2:
            contract["agreed_rate"] = rng.choice(["3.65", "4.35", "5.00"])
        if rng.random() < 0.1:
            contract["back_to_back"] = True
        method = rng.choice(["transfer"] * 7 + ["offset", "bill", "e_voucher", "asset"])
        if method in ("bill", "e_voucher"):
            contract["non_cash_agreed"] = True
        data: dict[str, Any] = {
            "debtor": debtor,
            "creditor": creditor.credit_code,
            "contract": contract,
            "owed": str(owed),
        }
        if state in ("disputed", "mediation", "litigation"):
            data["disputed"] = str((owed * Decimal("0.3")).quantize(Decimal("100")))
        registered = min(
            delivered + dt.timedelta(days=rng.randint(70, 200)), latest - dt.timedelta(days=8)
        )
        try:
            claim = self.register(moment(registered), data)
        except DomainError as exc:
            self.out(f"  跳过 {number}：{exc.message} {getattr(exc, 'fields', '')}")
            return None
        return self.advance(claim, state, registered, method)

    def advance(self, claim: Claim, state: str, day: dt.date, method: str) -> Claim:
        rng = self.rng
        step = lambda: day + dt.timedelta(days=rng.randint(2, 6))  # noqa: E731
        if state == "registered":
            return claim
        if state == "written_off":
            return self.act(
                claim,
                moment(step()),
                "write_off",
                reason="债权企业已注销且无承继主体",
                document="清欠领导小组核销决定（2026）1 号",
                files=[doc("核销决定.pdf")],
            )
        if state in ("disputed", "mediation", "litigation"):
            claim = self.act(
                claim,
                moment(step()),
                "dispute",
                disputed=str(claim.disputed),
                reason="双方对工程量结算有争议",
            )
            undisputed = claim.owed - claim.disputed
            if undisputed > 0 and rng.random() < 0.6:
                claim = self.repay(claim, step() + dt.timedelta(days=5), undisputed)
            if state in ("mediation", "litigation"):
                claim = self.act(
                    claim,
                    moment(step() + dt.timedelta(days=8)),
                    "mediate",
                    mediator="市工商联商会调解委员会",
                    note="组织双方调解",
                )
            if state == "litigation":
                claim = self.act(
                    claim,
                    moment(step() + dt.timedelta(days=12)),
                    "litigate",
                    court="市中级人民法院",
                    case_number=f"（{day:%Y}）内民初 {claim.pk} 号",
                )
            return claim
        claim = self.act(claim, moment(step()), "verify", note="债务人确认欠款")
        if state == "verified":
            return claim
        pay_day = min(
            step() + dt.timedelta(days=rng.randint(10, 60)), self.today - dt.timedelta(days=3)
        )
        if state == "planned":
            return self.act(
                claim,
                moment(step()),
                "plan",
                plan=[
                    f"{(self.today + dt.timedelta(days=30 + 30 * k)).isoformat()} 支付第 {k + 1} 期"
                    for k in range(2)
                ],
            )
        extra: dict[str, Any] = {}
        if method in ("bill", "e_voucher"):
            extra["matures_on"] = (pay_day + dt.timedelta(days=rng.choice([90, 180]))).isoformat()
        if state == "partly_repaid":
            part = (claim.balance * Decimal(rng.choice(["0.3", "0.5", "0.7"]))).quantize(
                Decimal("100")
            )
            claim = self.repay(claim, pay_day, part, method, **extra)
            if rng.random() < 0.6:
                claim = self.confirm(claim, min(pay_day + dt.timedelta(days=3), self.today))
            return claim
        claim = self.repay(claim, pay_day, claim.balance, method, **extra)
        claim = self.confirm(claim, min(pay_day + dt.timedelta(days=3), self.today))
        if state == "closed":
            claim = self.act(
                claim,
                moment(min(pay_day + dt.timedelta(days=6), self.today)),
                "close",
                note="已清偿并经企业确认",
            )
        return claim

    # --- the demo enterprise ------------------------------------------------------------------
    def portal(self) -> None:
        spec = DEMO_ENTERPRISES["enterprise"]
        ent = Enterprise.objects.filter(credit_code=spec.credit_code).first()
        dept = Department.objects.filter(region__code="150100", kind="housing_construction").first()
        if ent is None:
            return
        debtor = self.debtor("呼和浩特市住房和城乡建设局", "organ", "city", "150100", dept)
        base = self.today - dt.timedelta(days=300)
        for n, state in enumerate(["partly_repaid", "registered", "closed"]):
            data = {
                "debtor": debtor,
                "creditor": ent.credit_code,
                "contract": {
                    "number": f"HHHT-ZJ-QH-{n + 1:03d}",
                    "kind": "goods",
                    "amount": str(Decimal(360000 + 120000 * n)),
                    "signed_on": (base - dt.timedelta(days=40 * n)).isoformat(),
                    "delivered_on": (base + dt.timedelta(days=20 - 10 * n)).isoformat(),
                },
                "owed": str(Decimal(360000 + 120000 * n)),
            }
            claim = self.register(moment(base + dt.timedelta(days=90)), data)
            if state == "registered":
                continue
            claim = self.act(claim, moment(base + dt.timedelta(days=95)), "verify", note="确认欠款")
            pay = self.today - dt.timedelta(days=20 + 30 * n)
            if state == "partly_repaid":
                # awaiting the enterprise's confirmation in its portal
                self.repay(claim, pay, Decimal(200000))
                continue
            claim = self.repay(claim, pay, claim.balance)
            user = User.objects.filter(enterprise=ent, role="enterprise").first()
            claim = self.confirm(claim, pay + dt.timedelta(days=1), by=user)
            self.act(claim, moment(pay + dt.timedelta(days=2)), "close")


NAMES = [
    "丰禾",
    "绿野",
    "沃土",
    "金穗",
    "兴农",
    "惠民",
    "禾丰",
    "田园",
    "农建",
    "厚土",
    "润田",
    "嘉禾",
    "科沁",
    "草原",
    "大田",
    "垦丰",
    "良田",
    "丰泽",
    "春耕",
    "秋实",
    "碧野",
    "广袤",
    "沃野",
    "阡陌",
]
STATES = [
    "registered",
    "verified",
    "planned",
    "partly_repaid",
    "closed",
    "closed",
    "repaid",
    "partly_repaid",
    "closed",
    "disputed",
    "verified",
    "closed",
    "mediation",
    "registered",
    "litigation",
    "closed",
    "partly_repaid",
    "written_off",
    "closed",
    "planned",
]


def load_demo_arrears(out: Callable[[str], object] = print) -> dict[str, int]:
    if (
        Claim.objects.filter(contract_number=MARKER).exists()
        or not User.objects.filter(username="supervisor").exists()
    ):
        return {}
    started = time.perf_counter()
    out("正在生成清欠演示数据（2022 年三个案例、各盟市约 400 笔欠款及其清偿）…")
    with transaction.atomic():
        defaults_ensure()
        loader = Loader(out)
        loader.cases_2022()
        loader.campaign()
        loader.portal()
        claims_sweep()
    out(f"清欠演示数据已生成（{time.perf_counter() - started:.1f} 秒）。")
    return {
        "债务人": Debtor.objects.count(),
        "欠款": Claim.objects.count(),
        "清偿记录": Repayment.objects.count(),
    }
