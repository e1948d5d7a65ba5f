"""The arrears pages (issue 14): the ledger with its filters and totals, the claim page with
its due date, interest and actions, a new claim with errors beside their fields, the Excel
import (all or nothing, row by row) and export, a debtor's page with its disclosure, the
KPIs, the disclosure page, and the creditor's portal (its own claims, confirming, filing a
complaint)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qitong.accounts.models import User
from qitong.arrears.columns import COLUMNS
from qitong.arrears.models import Claim
from qitong.ledger.models import Event
from qitong.tickets.models import Ticket
from tests.arrears_factories import DEBTOR_CODE, Books, books
from tests.factories import World, credit_code
from tests.workbooks import sheet, workbook


def as_user(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def b(world: World) -> Books:
    return books(world)


def ledger_row(world: World, **over: Any) -> list[Any]:
    values = {
        "debtor_name": "土默特右旗交通运输局",
        "debtor_credit_code": credit_code(9300, region="150102"),
        "debtor_kind": "机关",
        "debtor_level": "旗县",
        "debtor_region": "150102",
        "creditor": world.ent.credit_code,
        "contract_number": "TY-2021-007",
        "contract_kind": "工程",
        "contract_amount": 2600000,
        "signed_on": dt.datetime(2021, 5, 10),
        "delivered_on": dt.datetime(2021, 10, 30),
        "owed": 2420000,
        **over,
    }
    return [values.get(c.name) for c in COLUMNS]


def headers() -> list[str]:
    return [c.header for c in COLUMNS]


@pytest.mark.django_db
def test_the_ledger_page_shows_totals_and_filters(b: Books) -> None:
    b.create()
    b.create(contract={"number": "XC-2"}, owed="100000", disputed="50000")
    page = as_user(b.office).get("/arrears/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "清欠台账" in text and "2,520,000.00" in text and "逾期" in text
    filtered = as_user(b.office).get("/arrears/?disputed=true").content.decode()
    assert "XC-2" in filtered and "XC-2025-018" not in filtered
    bad = as_user(b.office).get("/arrears/?amount_min=abc")
    assert bad.status_code == 200 and "应为金额" in bad.content.decode()


@pytest.mark.django_db
def test_the_claim_page_shows_the_rule_the_interest_and_the_actions(b: Books) -> None:
    claim = b.create()
    text = as_user(b.office).get(f"/arrears/claims/{claim.pk}/").content.decode()
    assert "2025-08-31" in text and "第九条第一款" in text and "逾期利息" in text
    assert "登记清偿" in text and "核实确认" in text and "核销" in text
    assert "registered" not in text  # no internal codes on the page


@pytest.mark.django_db
def test_a_repayment_from_the_page_with_a_wrong_amount_keeps_the_form(b: Books) -> None:
    claim = b.create()
    c = as_user(b.office)
    r = c.post(
        f"/arrears/claims/{claim.pk}/act/repay/",
        {
            "repay-paid_on": "2025-09-10",
            "repay-amount": "9999999",
            "repay-method": "transfer",
            "repay-version": claim.version,
        },
    )
    assert r.status_code == 400 and "超过未清偿余额" in r.content.decode()
    ok = c.post(
        f"/arrears/claims/{claim.pk}/act/repay/",
        {
            "repay-paid_on": "2025-09-10",
            "repay-amount": "1000000",
            "repay-method": "offset",
            "repay-offset_detail": "抵顶土地出让金",
            "repay-version": claim.version,
            "repay-attachments": SimpleUploadedFile(
                "抵顶协议.pdf", b"%PDF-1.4\n", "application/pdf"
            ),
        },
    )
    assert ok.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "partly_repaid" and str(claim.balance) == "1420000.00"


@pytest.mark.django_db
def test_the_creditor_confirms_in_its_portal_and_complains(b: Books, world: World) -> None:
    claim = b.repay(b.create(), "2420000")
    ent = as_user(b.creditor)
    mine = ent.get("/arrears/").content.decode()
    assert "我的欠款" in mine and claim.contract_number in mine
    page = ent.get(f"/arrears/claims/{claim.pk}/").content.decode()
    assert "确认清偿" in page and "投诉拖欠" in page and "核销" not in page
    repayment = b.last_repayment(claim)
    r = ent.post(
        f"/arrears/claims/{claim.pk}/act/confirm_repayment/",
        {"confirm_repayment-repayment": repayment.pk, "confirm_repayment-version": claim.version},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.state == "repaid"
    other = b.create(contract={"number": "XC-3"}, owed="10000")
    before = Ticket.objects.count()
    r = ent.post(
        f"/arrears/claims/{other.pk}/act/complain/",
        {
            "complain-content": "合同款一年多未支付，多次催要无果。",
            "complain-version": other.version,
        },
    )
    assert r.status_code == 302
    other.refresh_from_db()
    ticket = Ticket.objects.order_by("-id").first()
    assert ticket is not None and Ticket.objects.count() == before + 1
    assert ticket.type == "problem_report" and ticket.enterprise_id == world.ent.pk
    assert other.tickets.filter(pk=ticket.pk).exists() and other.complaint_accepted_on is not None


@pytest.mark.django_db
def test_new_claim_form_names_the_bad_fields(b: Books, world: World) -> None:
    c = as_user(b.office)
    assert "债务人统一社会信用代码" in c.get("/arrears/claims/new/").content.decode()
    form = {
        "debtor_name": "新城区教育局",
        "debtor_credit_code": DEBTOR_CODE,
        "debtor_kind": "机关",
        "debtor_level": "旗县",
        "debtor_region": "150102",
        "creditor": world.ent.credit_code,
        "contract_number": "JY-1",
        "contract_kind": "服务",
        "contract_amount": "100000",
        "signed_on": "2025-07-01",
        "delivered_on": "2025-08-01",
        "agreed_days": "90",
        "owed": "100000",
        "sme": "",
        "back_to_back": "否",
        "non_cash_agreed": "否",
        "idempotency_key": "form-1",
    }
    r = c.post("/arrears/claims/new/", form)
    assert r.status_code == 400 and "最长 60 日" in r.content.decode()
    form["agreed_days"] = "45"
    ok = c.post("/arrears/claims/new/", form)
    assert ok.status_code == 302
    claim = Claim.objects.get()
    assert claim.due_on == dt.date(2025, 9, 15)


@pytest.mark.django_db
def test_import_is_all_or_nothing_with_row_errors(b: Books, world: World) -> None:
    c = as_user(b.office)
    bad = workbook(
        [
            headers(),
            ledger_row(world),
            ledger_row(
                world,
                contract_number="TY-2021-008",
                agreed_days=75,
                signed_on=dt.datetime(2021, 6, 1),
            ),
            ledger_row(world, contract_number="TY-2021-009", creditor="91150102MA000000X0"),
        ]
    )
    r = c.post("/arrears/claims/import/", {"file": SimpleUploadedFile("包头台账.xlsx", bad)})
    text = r.content.decode()
    assert r.status_code == 400 and "导入失败" in text
    assert "第 3 行 约定付款期限（日）" in text and "第 4 行 债权企业统一社会信用代码" in text
    assert (
        Claim.objects.count() == 0
        and not Event.objects.filter(subject_type="arrears.claim").exists()
    )
    good = workbook(
        [
            headers(),
            ledger_row(world),
            ledger_row(world, contract_number="TY-2021-008", agreed_days=60),
        ]
    )
    ok = c.post("/arrears/claims/import/", {"file": SimpleUploadedFile("包头台账.xlsx", good)})
    assert ok.status_code == 302 and "batch=" in ok["Location"]
    assert Claim.objects.count() == 2 and set(Claim.objects.values_list("source", flat=True)) == {
        "import"
    }
    again = c.post("/arrears/claims/import/", {"file": SimpleUploadedFile("包头台账.xlsx", good)})
    assert (
        again.status_code == 400 and "已于" in again.content.decode() and Claim.objects.count() == 2
    )
    listed = c.get(ok["Location"]).content.decode()
    assert "TY-2021-008" in listed
    exported = c.get("/arrears/claims.xlsx")
    rows = sheet(exported.content)
    assert rows[0][0] == "欠款编号" and len(rows) == 3
    template = sheet(c.get("/arrears/claims/template.xlsx").content)
    assert template[0] == headers()


@pytest.mark.django_db
def test_stats_debtor_and_disclosure_pages(b: Books) -> None:
    claim = b.create()
    c = as_user(b.office)
    stats = c.get("/arrears/stats/").content.decode()
    assert "无分歧欠款清偿率" in stats and "呼和浩特市" in stats and "region-data" in stats
    debtor = c.get(f"/arrears/debtors/{claim.debtor_id}/?year=2025").content.decode()
    assert "2025 年度逾期未付中小企业款项" in debtor and "2,420,000.00" in debtor.replace(
        "2420000.00", "2,420,000.00"
    )
    d = c.get("/arrears/disclosure/?year=2025").content.decode()
    assert "新城区住房和城乡建设局" in d and "向社会公开" in d
    xlsx = sheet(c.get("/arrears/disclosure/?year=2025&format=xlsx").content)
    assert xlsx[1][0] == "新城区住房和城乡建设局" and xlsx[1][4] == 1


@pytest.mark.django_db
def test_an_empty_new_claim_names_every_missing_field(b: Books) -> None:
    r = as_user(b.office).post("/arrears/claims/new/", {"idempotency_key": "empty-1"})
    assert r.status_code == 400
    form = r.context["form"]
    for name in (
        "debtor_name",
        "debtor_credit_code",
        "debtor_kind",
        "creditor",
        "contract_number",
        "signed_on",
        "owed",
    ):
        assert form.errors.get(name), name
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_the_template_says_how_to_fill_each_column(b: Books) -> None:
    import io

    from openpyxl import load_workbook

    data = as_user(b.office).get("/arrears/claims/template.xlsx").content
    wb = load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["清欠台账", "填写说明", "地区代码"]
    guide = [list(r) for r in wb["填写说明"].iter_rows(values_only=True)]
    kinds = next(r for r in guide if r[0] == "债务人类型")
    assert kinds[1] == "必填" and "机关" in kinds[2] and "organ" not in kinds[2]
    codes = [list(r) for r in wb["地区代码"].iter_rows(values_only=True)]
    assert ["150102", "新城区"] in codes


@pytest.mark.django_db
def test_import_errors_speak_the_sheets_words(b: Books, world: World) -> None:
    bad = workbook([headers(), ledger_row(world, debtor_kind="部委", signed_on="2025年7月1日")])
    r = as_user(b.office).post(
        "/arrears/claims/import/", {"file": SimpleUploadedFile("台账.xlsx", bad)}
    )
    text = r.content.decode()
    assert "第 2 行 债务人类型：应为：机关、事业单位、国有大型企业、大型企业、团体组织" in text
    assert "第 2 行 签订日期：应为日期，如 2025-07-01" in text
    assert "organ" not in text


@pytest.mark.django_db
def test_one_debtors_disclosure_prints_and_exports(b: Books, world: World) -> None:
    claim = b.create()
    b.create(
        contract={"number": "K-1"},
        debtor={"name": "昆都仑区财政局", "credit_code": credit_code(9600, region="150102")},
    )
    c = as_user(b.office)
    page = c.get(f"/arrears/disclosure/?year=2025&debtor={claim.debtor_id}").content.decode()
    assert "新城区住房和城乡建设局 2025 年度" in page and "昆都仑区财政局" not in page
    rows = sheet(
        c.get(f"/arrears/disclosure/?year=2025&debtor={claim.debtor_id}&format=xlsx").content
    )
    assert [r[0] for r in rows[1:]] == ["新城区住房和城乡建设局", "合计"]
    assert c.get("/arrears/disclosure/?debtor=999999").status_code == 404
