"""A claim as flat columns: the page's new-claim form and each row of an imported 盟市 ledger
carry the same fields under the same names, nested here into what the API posts (ClaimIn),
so the three agree on one rule. A column's error from the service (`contract.signed_on`) is
named back by its column (签订日期)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qitong.arrears.inputs import DEBTOR_LEVELS
from qitong.arrears.states import ContractKind, DebtorKind


@dataclass(frozen=True)
class Column:
    name: str  # the form field / the flat key
    path: str  # where it goes in the API body
    header: str  # the Excel header and the form label
    kind: str = "text"  # text | money | date | days | rate | choice | flag
    required: bool = False
    hint: str = ""


KINDS = {label: value for value, label in DebtorKind.choices}
LEVELS = {label: value for value, label in DEBTOR_LEVELS}
CONTRACT_KINDS = {label: value for value, label in ContractKind.choices}
CHOICES = {"debtor.kind": KINDS, "debtor.level": LEVELS, "contract.kind": CONTRACT_KINDS}
YES = {"是", "yes", "y", "true", "1", "有"}
NO = {"否", "no", "n", "false", "0", "无"}

COLUMNS = (
    Column("debtor_name", "debtor.name", "债务人名称", required=True),
    Column("debtor_credit_code", "debtor.credit_code", "债务人统一社会信用代码", required=True),
    Column(
        "debtor_kind",
        "debtor.kind",
        "债务人类型",
        "choice",
        True,
        "机关、事业单位、国有大型企业、大型企业、团体组织",
    ),
    Column("debtor_level", "debtor.level", "债务人层级", "choice", True, "自治区、盟市、旗县"),
    Column(
        "debtor_region", "debtor.region", "债务人所在地区代码", required=True, hint="6 位区划代码"
    ),
    Column("creditor", "creditor", "债权企业统一社会信用代码", required=True),
    Column("sme", "sme", "签约时为中小企业", "flag", hint="是/否；不填按企业登记的规模"),
    Column("contract_number", "contract.number", "合同编号", required=True),
    Column("contract_kind", "contract.kind", "合同类型", "choice", True, "货物、工程、服务"),
    Column("contract_amount", "contract.amount", "合同金额（元）", "money", True),
    Column("signed_on", "contract.signed_on", "签订日期", "date", True),
    Column("delivered_on", "contract.delivered_on", "交付日期", "date"),
    Column("acceptance_days", "contract.acceptance_days", "约定验收期限（日）", "days"),
    Column("accepted_on", "contract.accepted_on", "验收合格日期", "date"),
    Column(
        "settlement_confirmed_on",
        "contract.settlement_confirmed_on",
        "结算确认日期",
        "date",
        hint="按进度或定期结算的",
    ),
    Column("agreed_days", "contract.agreed_days", "约定付款期限（日）", "days"),
    Column("agreed_rate", "contract.agreed_rate", "约定逾期利率（年，%）", "rate"),
    Column("back_to_back", "contract.back_to_back", "含背靠背条款", "flag"),
    Column("non_cash_agreed", "contract.non_cash_agreed", "约定可非现金支付", "flag"),
    Column("owed", "owed", "欠款金额（元）", "money", True),
    Column("disputed", "disputed", "有争议金额（元）", "money"),
    Column("note", "note", "说明"),
)
BY_PATH = {c.path: c for c in COLUMNS}
BY_HEADER = {c.header: c for c in COLUMNS}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # a spreadsheet's number: 2420000.0 → "2420000", 0.1 → "0.1"
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return str(value).strip()


def cell(column: Column, value: Any) -> Any:
    """One column's value as the API would post it (labels become codes, 是/否 booleans);
    what cannot be read is passed on as given, for the service to name."""
    if isinstance(value, bool):
        return value if column.kind == "flag" else _text(value)
    text = _text(value)
    if text == "":
        return None
    if column.kind == "choice":
        return CHOICES[column.path].get(text, text)
    if column.kind == "flag":
        low = text.lower()
        return True if low in YES else False if low in NO else text
    return text


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """The API body of a flat row or form (keys: the columns' names). The debtor and the
    contract are always there, so each of their missing fields is named by itself."""
    body: dict[str, Any] = {"debtor": {}, "contract": {}}
    for column in COLUMNS:
        value = cell(column, flat.get(column.name))
        if value is None:
            continue
        node = body
        *groups, leaf = column.path.split(".")
        for group in groups:
            node = node.setdefault(group, {})
        node[leaf] = value
    return body


def column_of(path: str) -> Column | None:
    """The column a service error names (`contract.signed_on`, `debtor`)."""
    return BY_PATH.get(path)
