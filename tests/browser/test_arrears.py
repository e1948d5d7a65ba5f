"""A 盟市 ledger's way through the real pages in Debian chromium (issue 14): the supervisor
imports it from Excel — one bad row is reported and nothing is imported; fixed, it imports —
records an offset repayment; the enterprise confirms it in its portal; the claim closes and
the KPIs change.

Every page runs under the strict CSP; a console error or a script error fails the test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests import factories
from tests.browser.support import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import expect

from qitong.arrears.columns import COLUMNS
from qitong.arrears.models import Claim
from qitong.arrears.services import defaults_ensure
from tests.browser.conftest import OpenAs
from tests.browser.pages import shoot
from tests.workbooks import workbook

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ledger(w: factories.World, agreed_days: int) -> bytes:
    def row(**over: Any) -> list[Any]:
        values = {
            "debtor_name": "新城区住房和城乡建设局",
            "debtor_credit_code": factories.credit_code(9500, region="150102"),
            "debtor_kind": "机关",
            "debtor_level": "旗县",
            "debtor_region": "150102",
            "creditor": w.ent.credit_code,
            "contract_number": "XC-GL-001",
            "contract_kind": "工程",
            "contract_amount": 2600000,
            "signed_on": dt.datetime(2025, 3, 1),
            "delivered_on": dt.datetime(2025, 8, 1),
            "owed": 2420000,
            **over,
        }
        return [values.get(c.name) for c in COLUMNS]

    return workbook(
        [
            [c.header for c in COLUMNS],
            row(),
            row(contract_number="XC-GL-002", owed=300000, agreed_days=agreed_days),
        ]
    )


def test_a_city_ledger_is_imported_repaid_by_offset_confirmed_closed_and_counted(
    open_as: OpenAs, live_server: object, live_world: factories.World, tmp_path: Any
) -> None:
    w = live_world
    defaults_ensure()
    base = live_server.url  # type: ignore[attr-defined]
    bad, good, evidence = (
        tmp_path / "呼和浩特台账.xlsx",
        tmp_path / "呼和浩特台账（改）.xlsx",
        tmp_path / "抵顶协议.pdf",
    )
    bad.write_bytes(ledger(w, 75))
    good.write_bytes(ledger(w, 60))
    evidence.write_bytes(PDF)

    # One bad row: reported by row and column, and nothing is imported.
    office = open_as("supervisor")
    office.goto(f"{base}/arrears/claims/import/")
    office.get_by_label("清欠台账（.xlsx）").set_input_files(str(bad))
    office.get_by_role("button", name="导入", exact=True).click()
    problems = office.locator(".alert--error")
    expect(problems).to_contain_text("导入失败，台账未作任何修改")
    expect(problems).to_contain_text("第 3 行 约定付款期限（日）")
    assert Claim.objects.count() == 0
    # Fixed, it imports, and the list shows the batch.
    office.get_by_label("清欠台账（.xlsx）").set_input_files(str(good))
    office.get_by_role("button", name="导入", exact=True).click()
    expect(office.locator(".alert--success")).to_contain_text("新增欠款 2 笔")
    expect(office.locator("table")).to_contain_text("XC-GL-002")
    assert Claim.objects.count() == 2

    office.goto(f"{base}/arrears/stats/")
    repaid = office.locator(".stats-strip div").filter(has_text="已清偿（万元）").first
    expect(repaid.locator("dd")).to_contain_text("0.00")

    # The supervisor records an offset repayment of the whole 242 万元.
    office.goto(f"{base}/arrears/")
    office.get_by_role("link", name="合同 XC-GL-001").click()
    expect(office.locator("h1")).to_contain_text("新城区住房和城乡建设局")
    expect(office.locator(".deflist")).to_contain_text("2025-08-31")
    panel = office.locator("details[data-action='repay']")
    panel.locator("summary").click()
    form = panel.locator("form")
    form.get_by_label("清偿日期").fill("2025-09-10")
    form.get_by_label("清偿金额").fill("2420000")
    form.locator("input[value='offset']").check()
    form.get_by_role("button", name="登记清偿").click()
    expect(office.locator(".field__error").first).to_contain_text("抵顶的内容")  # kept, named
    form = office.locator("details[data-action='repay'] form")
    expect(form.get_by_label("清偿金额")).to_have_value("2420000")
    form.get_by_label("抵顶内容").fill("抵顶土地出让金")
    form.get_by_label("清偿凭证（转账记录、抵顶协议、票据等）").set_input_files(str(evidence))
    form.get_by_role("button", name="登记清偿").click()
    expect(office.locator(".page-head")).to_contain_text("部分清偿")
    expect(office.locator("table").last).to_contain_text("抵顶：抵顶土地出让金")
    claim = Claim.objects.get(contract_number="XC-GL-001")
    assert claim.balance == 0

    # The enterprise confirms it in its portal.
    enterprise = open_as("enterprise")
    enterprise.goto(f"{base}/arrears/")
    expect(enterprise.locator("h1")).to_contain_text("我的欠款")
    enterprise.get_by_role("link", name="合同 XC-GL-001").click()
    confirm = enterprise.locator("details[data-action='confirm_repayment'] form")
    confirm.locator("input[name='confirm_repayment-repayment']").first.check()
    confirm.get_by_role("button", name="确认清偿").click()
    expect(enterprise.locator(".page-head")).to_contain_text("已清偿")
    shoot(enterprise, "arrears-claim-confirmed")

    # The supervisor closes it; the KPIs now count the 242 万元 repaid.
    office.reload()
    office.locator("details[data-action='close'] form").get_by_role("button", name="办结").click()
    expect(office.locator(".page-head")).to_contain_text("已办结")
    office.goto(f"{base}/arrears/stats/")
    repaid = office.locator(".stats-strip div").filter(has_text="已清偿（万元）").first
    expect(repaid.locator("dd")).to_contain_text("242.00")
    rate = office.locator(".stats-strip div").filter(has_text="清偿率").first
    expect(rate.locator("dd")).to_contain_text("89")  # 242 of 272 万元
    shoot(office, "arrears-stats")
