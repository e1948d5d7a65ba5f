"""The typed input of registering a claim (POST /api/v1/arrears/claims, the page's form and
each row of an imported ledger): the debtor, the creditor's credit code, the contract's facts
and the amounts. The regulation's own checks (the term, the rate, the dates) run in
arrears.services against arrears.rules, where they are named by the same paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from qitong.arrears.states import ContractKind, DebtorKind, DebtorLevel
from qitong.workflow.inputs import (
    Choice,
    Day,
    Flag,
    Input,
    Money,
    Nested,
    Number,
    Percent,
    Ref,
    Text,
)

DEBTOR_LEVELS = [
    ("region", DebtorLevel.REGION.label),
    ("city", DebtorLevel.CITY.label),
    ("county", DebtorLevel.COUNTY.label),
]


class DebtorIn(Input):
    name: str = Text("债务人名称", rows=1, max_length=200)
    credit_code: str = Text("债务人统一社会信用代码", rows=1, max_length=18)
    kind: str | None = Choice("债务人类型", DebtorKind.choices)
    level: str | None = Choice("债务人层级", DEBTOR_LEVELS)
    region: str = Text("债务人所在地区（区划代码）", rows=1, max_length=6)
    department: int | None = Ref("主管部门", required=False)


class ContractIn(Input):
    number: str = Text("合同编号", rows=1, max_length=100)
    kind: str | None = Choice("合同类型", ContractKind.choices)
    amount: Decimal | None = Money("合同金额")
    signed_on: dt.date | None = Day("合同签订日期")
    delivered_on: dt.date | None = Day("交付日期", required=False)
    accepted_on: dt.date | None = Day("验收合格日期", required=False)
    acceptance_days: int | None = Number("约定验收期限（日）", required=False, ge=0, le=365)
    settlement_confirmed_on: dt.date | None = Day(
        "结算确认日期", required=False, hint="按进度或定期结算的，双方确认结算金额之日"
    )
    agreed_days: int | None = Number("约定付款期限（日）", required=False, ge=0, le=365)
    agreed_rate: Decimal | None = Percent("约定逾期利率（年，%）")
    lpr: Decimal | None = Percent("签约时一年期 LPR（%）", hint="不填按系统的 LPR 表")
    back_to_back: bool | None = Flag("含背靠背付款条款")
    non_cash_agreed: bool | None = Flag("约定可用商业汇票等非现金方式支付")


class ClaimIn(Input):
    debtor: DebtorIn | None = Nested("债务人")
    creditor: str = Text("债权企业统一社会信用代码", rows=1, max_length=18)
    sme: bool | None = Flag("签约时为中小企业", hint="不填按企业登记的规模判断")
    contract: ContractIn | None = Nested("合同")
    owed: Decimal | None = Money("欠款金额")
    disputed: Decimal | None = Money("有争议金额", required=False)
    ticket: int | None = Ref("关联工单", required=False)
    problem: int | None = Ref("关联督查问题", required=False)
    note: str = Text("说明", required=False, rows=2, max_length=2000)
    hint: ClassVar[str] = "登记一份合同的欠款；法定付款期限和逾期利息按条例自动计算。"
