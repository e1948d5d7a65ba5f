"""The claims ledger in Excel, in the directory's pattern (directory.excel.workbook): a 盟市's
ledger imported all rows or none, each row through the same check as the API (ledgered as an
import, under the file's digest as its batch, so the same file is never imported twice), with
every problem as "第 N 行 列名：问题"; the ledger, its template and the annual disclosure
exported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.arrears.columns import CHOICES, COLUMNS, column_of, nest
from qitong.arrears.disclosure import Disclosure
from qitong.arrears.handlers import interest_to
from qitong.arrears.inputs import ClaimIn
from qitong.arrears.models import Claim, ClaimSource
from qitong.arrears.rules import overdue_days
from qitong.arrears.selectors import may_register
from qitong.arrears.services import claim_insert
from qitong.core import clock
from qitong.core.errors import Forbidden, ValidationFailed
from qitong.core.workdays import local_today
from qitong.directory.excel.workbook import (
    Column,
    ExcelImportFailed,
    ImportResult,
    Problems,
    build_workbook,
    read_rows,
    yes_no,
)
from qitong.workflow.inputs import parse_input

IMPORT_COLUMNS = tuple(
    Column(c.header, c.name, 16 if c.kind != "text" else 24, optional=not c.required)
    for c in COLUMNS
)
GROUP_HEADERS = {"debtor": "债务人名称", "contract": "合同编号"}


def _wording(path: str, message: str) -> str:
    """A row's problem in the spreadsheet's words (the labels it is filled with)."""
    column = column_of(path)
    if column is not None and column.kind == "choice" and "应为" in message:
        return "应为：" + "、".join(CHOICES[column.path])
    if column is not None and column.kind == "date" and "YYYY-MM-DD" in message:
        return f"应为日期，如 2025-07-01（{column.header}）"
    if column is not None and column.kind == "flag":
        return "应为“是”或“否”"
    return message


def _header(path: str) -> str:
    column = column_of(path)
    if column is not None:
        return column.header
    return GROUP_HEADERS.get(path.split(".")[0], path)


def import_claims(data: bytes, *, user: User) -> ImportResult:
    """Register every row's claim, or none: the rows go in one transaction, each checked by
    the service (the regulation's rules, the debtor's scope, a contract already registered —
    also by an earlier row of the same file), and any problem rolls all of them back."""
    actor = actor_of(user)
    if not may_register(actor):
        raise Forbidden("只有督查人员可以导入清欠台账")
    batch = hashlib.sha256(data).hexdigest()[:32]
    done = Claim.objects.filter(import_batch=batch).order_by("registered_at").first()
    if done is not None:
        raise ExcelImportFailed(
            [f"该文件已于 {done.registered_at:%Y-%m-%d %H:%M} 导入（批次 {batch[:8]}），未重复导入"]
        )
    rows = read_rows(data, IMPORT_COLUMNS)
    problems = Problems()
    now = clock.now()
    created = 0
    with transaction.atomic():
        for n, row in rows:
            body = nest(row)
            try:
                with transaction.atomic():
                    args = parse_input(ClaimIn, body)
                    claim_insert(
                        args,
                        data=body,
                        actor=actor,
                        user=user,
                        source=ClaimSource.IMPORT,
                        batch=batch,
                        now=now,
                    )
            except ValidationFailed as exc:
                for path, message in exc.fields.items():
                    problems.add(n, _header(path), _wording(path, message))
            else:
                created += 1
        problems.raise_if_any()  # inside the transaction: nothing of the file stays
    return ImportResult(created=created)


def import_template() -> bytes:
    """The ledger's columns, a sheet saying how to fill each, and the region codes."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from qitong.directory.models import Region

    wb = Workbook()
    ledger = wb.active
    assert ledger is not None
    ledger.title = "清欠台账"
    ledger.append([c.header for c in COLUMNS])
    for cell in ledger[1]:
        cell.font = Font(bold=True)
    ledger.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "填写要求"])
    kinds = {
        "money": "金额（元），最多两位小数",
        "date": "日期，如 2025-07-01",
        "days": "天数（整数）",
    }
    kinds |= {"rate": "年利率（%），如 3.65", "flag": "是 / 否"}
    for c in COLUMNS:
        allowed = "、".join(CHOICES[c.path]) if c.kind == "choice" else kinds.get(c.kind, "文字")
        guide.append(
            [c.header, "必填" if c.required else "", "；".join(x for x in (allowed, c.hint) if x)]
        )
    guide.append([])
    guide.append(
        [
            "说明",
            "",
            "每行一份合同；整个文件全部通过检查才导入，有误时逐行列出问题，一行都不导入；同一文件不会重复导入。",
        ]
    )
    regions = wb.create_sheet("地区代码")
    regions.append(["区划代码", "名称"])
    for code, name in Region.objects.order_by("code").values_list("code", "name"):
        regions.append([code, name])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


EXPORT_COLUMNS = (
    Column("欠款编号", "number", 14),
    Column("债务人", "debtor", 28),
    Column("债务人信用代码", "debtor_code", 20),
    Column("债务人类型", "kind", 12),
    Column("层级", "level", 8),
    Column("地区代码", "region", 10),
    Column("债权企业", "creditor", 28),
    Column("签约时为中小企业", "sme", 10),
    Column("合同编号", "contract", 18),
    Column("合同类型", "contract_kind", 8),
    Column("合同金额（元）", "amount", 14),
    Column("签订日期", "signed_on", 12),
    Column("交付日期", "delivered_on", 12),
    Column("验收合格日期", "accepted_on", 12),
    Column("结算确认日期", "settled_on", 12),
    Column("法定付款期限", "due_on", 12),
    Column("期限依据", "due_rule", 40),
    Column("欠款金额（元）", "owed", 14),
    Column("有争议金额（元）", "disputed", 14),
    Column("已清偿（元）", "repaid", 14),
    Column("债权人已确认（元）", "confirmed", 14),
    Column("未清偿余额（元）", "balance", 14),
    Column("逾期天数", "overdue_days", 10),
    Column("逾期利息（元）", "interest", 14),
    Column("状态", "state", 12),
    Column("诉讼中", "litigation", 8),
)


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def export_claims(qs: QuerySet[Claim]) -> bytes:
    today = local_today()

    def rows() -> Iterator[list[Any]]:
        for c in qs.select_related("debtor", "creditor").iterator(chunk_size=2000):
            late = c.is_overdue(today)
            yield [
                c.number,
                c.debtor.name,
                c.debtor.credit_code,
                c.get_debtor_kind_display(),
                c.get_debtor_level_display(),
                c.region_code,
                c.creditor.name,
                yes_no(c.creditor_sme),
                c.contract_number,
                c.get_contract_kind_display(),
                c.contract_amount,
                _day(c.signed_on),
                _day(c.delivered_on),
                _day(c.accepted_on),
                _day(c.settlement_confirmed_on),
                _day(c.due_on),
                c.due_rule,
                c.owed,
                c.disputed,
                c.repaid,
                c.confirmed,
                c.balance,
                overdue_days(c.due_on, today) if late else 0,
                interest_to(c, today),
                c.get_state_display(),
                yes_no(c.in_litigation),
            ]

    return build_workbook("清欠台账", EXPORT_COLUMNS, rows())


DISCLOSURE_COLUMNS = (
    Column("单位名称", "name", 30),
    Column("统一社会信用代码", "code", 20),
    Column("单位类型", "kind", 12),
    Column("公开方式", "publishes", 14),
    Column("逾期尚未支付中小企业款项的合同数量", "contracts", 16),
    Column("逾期尚未支付金额（元）", "amount", 18),
)


def export_disclosure(found: Disclosure) -> bytes:
    def rows() -> Iterator[list[Any]]:
        for r in found.rows:
            yield [r.name, r.credit_code, r.kind_label, r.publishes, r.contracts, r.amount]
        yield ["合计", "", "", "", found.contracts, found.amount]

    return build_workbook(f"{found.year}年度", DISCLOSURE_COLUMNS, rows())
