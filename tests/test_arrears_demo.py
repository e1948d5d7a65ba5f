"""The demo's arrears ledger (issue 14 "Demo"): the three 2022 cases as reported (土右旗's
242 万元 closed on 8 April and linked to its supervision problem, 玉泉区's offset against
land-transfer fees, 科右前旗自然资源局's 43 enterprises over 3,000 万元 imported from Excel),
~400 claims in every state with offsets and bills among the repayments, disputes and
litigation, the 2025 disclosure; a valid ledger; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client

from qitong.accounts.models import User
from qitong.arrears.models import Claim, Repayment
from qitong.arrears.states import ClaimState, RepaymentMethod
from qitong.ledger.services import ledger_verify

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def test_the_demo_ledger_reads_as_reported_and_every_state_is_there() -> None:
    call_command("demo", stdout=StringIO(), history=0, no_reforms=True)
    assert set(Claim.objects.values_list("state", flat=True)) == set(ClaimState.values)
    assert 350 <= Claim.objects.count() <= 450
    methods = set(Repayment.objects.values_list("method", flat=True))
    assert {RepaymentMethod.OFFSET, RepaymentMethod.BILL, RepaymentMethod.E_VOUCHER} <= methods
    tuyou = Claim.objects.get(contract_number="TYQ-2020-DL-017")
    assert tuyou.state == "closed" and tuyou.owed == Decimal("2420000")
    assert tuyou.closed_at is not None and tuyou.closed_at.date() == dt.date(2022, 4, 8)
    assert tuyou.problems.filter(title__contains="242 万元").exists()
    yuquan = Claim.objects.get(contract_number="YQ-2019-ZS-003")
    assert (
        yuquan.repayments.get().method == "offset"
        and "土地出让金" in yuquan.repayments.get().offset_detail
    )
    farmland = Claim.objects.filter(debtor__name="科尔沁右翼前旗自然资源局")
    assert farmland.count() == 43 and set(farmland.values_list("source", flat=True)) == {"import"}
    assert farmland.aggregate(s=Sum("owed"))["s"] > 30_000_000
    office = client_for("supervisor")
    april = office.get("/api/v1/arrears/stats?as_of=2022-04-30").json()
    assert Decimal(april["repaid"]) >= Decimal("2420000") and april["claims"] == 45
    now = office.get("/api/v1/arrears/stats").json()
    assert now["in_litigation"] > 0 and len(now["by_region"]) == 13 and now["largest_debtors"]
    disclosed = office.get("/api/v1/arrears/disclosure?year=2025").json()
    assert disclosed["contracts"] > 0 and disclosed["rows"]
    # the demo enterprise confirms in its portal
    mine = client_for("enterprise").get("/api/v1/arrears/claims").json()
    assert mine["count"] == 3
    assert any("confirm_repayment" in c["allowed_actions"] for c in mine["items"])
    assert client_for("handler").get("/api/v1/arrears/claims").json()["count"] == 4
    assert ledger_verify().ok
    before = Claim.objects.count()
    call_command("demo", stdout=StringIO(), history=0, no_reforms=True)
    assert Claim.objects.count() == before
