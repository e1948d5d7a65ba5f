"""The arrears API (issue 14's contract): registering a claim (201 with the computed due date,
its rule, overdue days, balance and interest; Idempotency-Key), the 422s naming each field,
repayments (offsets, bills), the creditor's confirmation, disputes, the list's filters and
totals, the KPIs and the annual disclosure."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qitong.accounts.models import User
from qitong.arrears import rules
from qitong.arrears.models import Claim, Debtor, Repayment
from qitong.core.workdays import local_today
from qitong.ledger.models import Event
from tests.arrears_factories import Books, baotou_body, books, claim_body
from tests.factories import World

PDF = base64.b64encode(b"%PDF-1.4\n%evidence\n").decode()
ATTACH = [{"name": "转账凭证.pdf", "content_base64": PDF}]


def as_user(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return c.post(path, body, content_type="application/json", headers=headers)


@pytest.fixture
def b(world: World) -> Books:
    return books(world)


def expected_interest(owed: str, due: dt.date, payments: list[rules.Payment] = ()) -> str:  # type: ignore[assignment]
    got = rules.interest(
        owed=Decimal(owed),
        due_on=due,
        rate=rules.DEFAULT_DAILY_RATE,
        payments=payments,
        as_of=local_today(),
    )
    return f"{got:.2f}"


@pytest.mark.django_db
def test_register_a_claim_with_its_statutory_due_date_and_interest(b: Books, world: World) -> None:
    office = as_user(b.office)
    r = post(office, "/api/v1/arrears/claims", claim_body(world), **{"Idempotency-Key": "c-1"})
    assert r.status_code == 201, r.content
    got = r.json()
    assert got["state"] == "registered" and got["number"].startswith("QK")
    assert got["due_on"] == "2025-08-31"
    assert "交付之日" in got["due_rule"] and "第九条第一款" in got["due_rule"]
    assert got["overdue"] is True
    assert got["overdue_days"] == (local_today() - dt.date(2025, 8, 31)).days
    assert got["balance"] == "2420000.00" and got["owed"] == "2420000.00"
    assert got["interest"] == expected_interest("2420000", dt.date(2025, 8, 31))
    assert got["debtor"]["kind_label"] == "机关" and got["creditor"]["id"] == world.ent.pk
    assert set(got["allowed_actions"]) >= {"verify", "repay", "dispute", "write_off"}
    again = post(office, "/api/v1/arrears/claims", claim_body(world), **{"Idempotency-Key": "c-1"})
    assert again.status_code == 200 and again.json()["id"] == got["id"]
    assert Claim.objects.count() == 1 and Debtor.objects.count() == 1
    events = Event.objects.filter(subject_type="arrears.claim", subject_id=str(got["id"]))
    assert [e.action for e in events] == ["create"]
    assert events[0].payload["due_rule"] == got["due_rule"]


@pytest.mark.django_db
def test_the_same_debtor_is_reused_by_its_credit_code(b: Books, world: World) -> None:
    b.create()
    b.create(contract={"number": "XC-2025-019"})
    assert Debtor.objects.count() == 1 and Claim.objects.count() == 2


BAD = [
    ({"contract": {"agreed_days": 90}}, "contract.agreed_days", "最长 60 日"),
    ({"contract": {"agreed_rate": "2.5"}}, "contract.agreed_rate", "低于签约时一年期"),
    ({"creditor": "91150102MA0000000X"}, "creditor", ""),
    ({"owed": "-5"}, "owed", ""),
    ({"owed": "5000000"}, "owed", "不能超过合同金额"),
    ({"contract": {"delivered_on": "2025-06-01"}}, "contract.delivered_on", "不能早于合同签订日期"),
    ({"contract": {"delivered_on": "2099-01-01"}}, "contract.delivered_on", "不能晚于今天"),
    ({"debtor": {"kind": "ministry"}}, "debtor.kind", ""),
    ({"debtor": {"region": "150203"}, "contract": {"number": "N"}}, "debtor.region", ""),
    ({"disputed": "3000000"}, "disputed", ""),
    ({"contract": {"signed_on": "2025/07/01"}}, "contract.signed_on", "YYYY-MM-DD"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("over", "field", "words"), BAD)
def test_bad_input_is_a_422_naming_the_field(
    b: Books, world: World, over: dict[str, Any], field: str, words: str
) -> None:
    body = claim_body(world, **over)
    if over.get("debtor", {}).get("region") == "150203":
        body["debtor"]["credit_code"] = "91150203MA00000007"  # a new debtor outside Hohhot
        from tests.factories import credit_code

        body["debtor"]["credit_code"] = credit_code(9100, region="150203")
    r = post(as_user(b.office), "/api/v1/arrears/claims", body)
    assert r.status_code == 422, r.content
    fields = r.json()["fields"]
    assert field in fields, fields
    assert words in fields[field]
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_creditor_is_named(b: Books, world: World) -> None:
    from tests.factories import credit_code

    r = post(
        as_user(b.office), "/api/v1/arrears/claims", claim_body(world, creditor=credit_code(777))
    )
    assert r.status_code == 422 and "未登记的企业" in r.json()["fields"]["creditor"]


@pytest.mark.django_db
def test_missing_groups_are_named(b: Books) -> None:
    r = post(as_user(b.office), "/api/v1/arrears/claims", {"owed": "10"})
    fields = r.json()["fields"]
    assert r.status_code == 422 and {"debtor", "contract", "creditor"} <= set(fields)


@pytest.mark.django_db
def test_only_supervisors_register(b: Books, world: World) -> None:
    for role in ("handler", "enterprise", "operator"):
        r = post(as_user(world.users[role]), "/api/v1/arrears/claims", claim_body(world))
        assert r.status_code == 403, role


@pytest.mark.django_db
def test_an_offset_repayment_confirmed_by_the_creditor_clears_the_claim(
    b: Books, world: World
) -> None:
    claim = b.create()
    office = as_user(b.office)
    path = f"/api/v1/arrears/claims/{claim.pk}"
    bad = post(
        office,
        f"{path}/repayments",
        {"paid_on": "2025-09-10", "amount": "2420000.01", "method": "transfer"},
    )
    assert bad.status_code == 422 and "超过未清偿余额" in bad.json()["fields"]["amount"]
    early = post(
        office, f"{path}/repayments", {"paid_on": "2025-06-01", "amount": "1", "method": "transfer"}
    )
    assert "paid_on" in early.json()["fields"]
    no_detail = post(
        office, f"{path}/repayments", {"paid_on": "2025-09-10", "amount": "1", "method": "offset"}
    )
    assert "offset_detail" in no_detail.json()["fields"]
    negative = post(
        office,
        f"{path}/repayments",
        {"paid_on": "2025-09-10", "amount": "-1", "method": "transfer"},
    )
    assert "amount" in negative.json()["fields"]
    assert Repayment.objects.count() == 0
    r = post(
        office,
        f"{path}/repayments",
        {
            "paid_on": "2025-09-10",
            "amount": "2420000",
            "method": "offset",
            "offset_detail": "抵顶土地出让金",
            "document": "玉泉区抵顶协议 2025-3 号",
            "attachments": ATTACH,
        },
    )
    assert r.status_code == 201, r.content
    got = r.json()
    assert got["balance"] == "0.00" and got["state"] == "partly_repaid"
    assert got["unconfirmed"] == "2420000.00"
    (repayment,) = got["repayments"]
    assert repayment["method_label"] == "抵顶" and repayment["days_overdue"] == 10
    assert repayment["files"][0]["name"] == "转账凭证.pdf"
    # interest stopped on the payment day: 10 days on 242 万元 at 万分之五
    assert got["interest"] == "12100.00"
    # the creditor confirms in its portal
    ent = as_user(b.creditor)
    mine = ent.get("/api/v1/arrears/claims").json()
    assert mine["count"] == 1 and mine["items"][0]["allowed_actions"] == [
        "confirm_repayment",
        "reject_repayment",
        "complain",
    ]
    done = post(ent, f"{path}/actions/confirm_repayment", {"repayment": repayment["id"]})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "repaid" and done.json()["allowed_actions"] == []
    closed = post(office, f"{path}/actions/close", {"note": "已清偿"})
    assert closed.json()["state"] == "closed"
    actions = [e.action for e in Event.objects.filter(subject_type="arrears.claim").order_by("seq")]
    assert actions == ["create", "repay", "confirm_repayment", "close"]


@pytest.mark.django_db
def test_a_supervisor_confirms_for_the_creditor_only_with_its_written_confirmation(
    b: Books,
) -> None:
    claim = b.repay(b.create(), "100")
    r = b.last_repayment(claim)
    office = as_user(b.office)
    path = f"/api/v1/arrears/claims/{claim.pk}/actions/confirm_repayment"
    assert "attachments" in post(office, path, {"repayment": r.pk}).json()["fields"]
    ok = post(office, path, {"repayment": r.pk, "attachments": ATTACH})
    assert ok.status_code == 200 and ok.json()["confirmed"] == "100.00"


@pytest.mark.django_db
def test_a_refused_repayment_stops_counting(b: Books) -> None:
    claim = b.repay(b.create(), "1000000")
    r = b.last_repayment(claim)
    ent = as_user(b.creditor)
    path = f"/api/v1/arrears/claims/{claim.pk}/actions/reject_repayment"
    got = post(ent, path, {"repayment": r.pk, "reason": "未收到款项"}).json()
    assert got["balance"] == "2420000.00" and got["repaid"] == "0.00"
    assert got["state"] == "registered"  # never verified: back where it was
    assert got["repayments"][0]["status"] == "rejected"


@pytest.mark.django_db
def test_the_debtors_side_records_a_repayment_only_with_its_proof(b: Books) -> None:
    claim = b.create()
    handler = as_user(b.handler)
    path = f"/api/v1/arrears/claims/{claim.pk}/repayments"
    body = {"paid_on": "2025-09-10", "amount": "1000", "method": "transfer"}
    refused = post(handler, path, body)
    assert refused.status_code == 422 and "清偿凭证" in refused.json()["fields"]["attachments"]
    assert post(handler, path, {**body, "attachments": ATTACH}).status_code == 201


@pytest.mark.django_db
def test_bills_need_the_contracts_agreement_and_count_at_maturity(b: Books) -> None:
    claim = b.create()
    office = as_user(b.office)
    path = f"/api/v1/arrears/claims/{claim.pk}/repayments"
    refused = post(office, path, {"paid_on": "2025-08-20", "amount": "100", "method": "bill"})
    assert "第十一条" in refused.json()["fields"]["method"]
    agreed = b.create(contract={"number": "XC-2025-020", "non_cash_agreed": True})
    r = post(
        office,
        f"/api/v1/arrears/claims/{agreed.pk}/repayments",
        {
            "paid_on": "2025-08-20",
            "amount": "2420000",
            "method": "bill",
            "matures_on": "2026-02-20",
        },
    )
    assert r.status_code == 201, r.content
    # paid before the due date with a six-month bill: late from 2025-08-31 to 2026-02-20
    assert (
        r.json()["repayments"][0]["days_overdue"]
        == (dt.date(2026, 2, 20) - dt.date(2025, 8, 31)).days
    )


@pytest.mark.django_db
def test_undisputed_part_is_payable_during_a_dispute(b: Books) -> None:
    claim = b.reach("disputed")
    assert claim.disputed == Decimal("420000")
    office = as_user(b.office)
    r = post(
        office,
        f"/api/v1/arrears/claims/{claim.pk}/repayments",
        {"paid_on": "2025-09-10", "amount": "2000000", "method": "transfer"},
    )
    assert r.status_code == 201 and r.json()["state"] == "disputed"
    done = post(
        office,
        f"/api/v1/arrears/claims/{claim.pk}/actions/resolve_dispute",
        {"owed": "2200000", "outcome": "调解确定工程量，应付 220 万元"},
    ).json()
    assert (
        done["owed"] == "2200000.00"
        and done["disputed"] == "0.00"
        and done["balance"] == "200000.00"
    )
    assert done["state"] == "partly_repaid"
    last = done["timeline"][-1]
    assert "2,420,000.00 → 2,200,000.00" in last["figures"]


@pytest.mark.django_db
def test_litigation_is_kept_but_outside_the_campaign_figures(b: Books) -> None:
    b.reach("litigation")
    b.create(contract={"number": "XC-2025-021"}, owed="100000")
    s = as_user(b.office).get("/api/v1/arrears/stats").json()
    assert s["claims"] == 1 and s["owed"] == "100000.00"
    assert s["in_litigation"] == 1 and s["litigation_owed"] == "2420000.00"


@pytest.mark.django_db
def test_a_correction_keeps_the_old_figure(b: Books) -> None:
    claim = b.create()
    got = post(
        as_user(b.office),
        f"/api/v1/arrears/claims/{claim.pk}/actions/correct",
        {"owed": "2400000", "reason": "台账录入错误", "corrects": 1},
    ).json()
    assert got["owed"] == "2400000.00" and got["balance"] == "2400000.00"
    assert "2,420,000.00 → 2,400,000.00" in got["timeline"][-1]["figures"]
    same = post(
        as_user(b.office),
        f"/api/v1/arrears/claims/{claim.pk}/actions/correct",
        {"owed": "2400000", "reason": "x"},
    )
    assert same.status_code == 422 and "owed" in same.json()["fields"]


@pytest.mark.django_db
def test_list_filters_and_totals(b: Books, world: World) -> None:
    b.create()
    b.create(contract={"number": "XC-2", "agreed_days": 10}, owed="500000", disputed="100000")
    large = claim_body(world, contract={"number": "XC-3"}, owed="100")
    large["debtor"].update(
        name="某国有集团", credit_code="91150102MA0000001Y", kind="soe_large", level="city"
    )
    from tests.factories import credit_code

    large["debtor"]["credit_code"] = credit_code(9200, region="150102")
    post(as_user(b.office), "/api/v1/arrears/claims", large)
    office = as_user(b.office)
    assert office.get("/api/v1/arrears/claims?kind=soe_large").json()["count"] == 1
    assert office.get("/api/v1/arrears/claims?disputed=true").json()["count"] == 1
    assert (
        office.get("/api/v1/arrears/claims?amount_min=400000&amount_max=600000").json()["count"]
        == 1
    )
    assert office.get("/api/v1/arrears/claims?level=county").json()["count"] == 2
    assert office.get("/api/v1/arrears/claims?overdue=true").json()["count"] == 3
    assert office.get("/api/v1/arrears/claims?q=XC-2").json()["count"] == 1
    t = office.get("/api/v1/arrears/claims/totals?level=county").json()
    assert t == {
        "count": 2,
        "owed": "2920000.00",
        "repaid": "0.00",
        "balance": "2920000.00",
        "disputed": "100000.00",
        "overdue": 2,
        "overdue_balance": "2920000.00",
    }
    assert office.get("/api/v1/arrears/claims?kind=ministry").status_code == 422
    assert office.get("/api/v1/arrears/claims?amount_min=5&amount_max=1").status_code == 422


@pytest.mark.django_db
def test_stats_on_hand_built_data(b: Books) -> None:
    one = b.create()  # 2,420,000 owed, due 2025-08-31
    b.repay(one, "1000000", paid_on="2025-09-10")  # 10 days late
    two = b.create(contract={"number": "XC-9"}, owed="1000000", disputed="400000")
    b.repay(two, "800000", paid_on="2025-09-30")  # 30 days late, 200k of it on the disputed part
    s = as_user(b.office).get("/api/v1/arrears/stats").json()
    assert s["claims"] == 2
    assert (
        s["owed"] == "3420000.00" and s["repaid"] == "1800000.00" and s["balance"] == "1620000.00"
    )
    assert s["clearance_rate"] == round(1800000 / 3420000 * 100, 1)
    # undisputed: 2,420,000 + 600,000 owed; repaid on it: 1,000,000 + min(800,000, 600,000)
    assert s["undisputed_owed"] == "3020000.00" and s["undisputed_repaid"] == "1600000.00"
    assert s["median_days_overdue"] == 20.0 and s["repayments"] == 2
    today = local_today()
    i1 = rules.interest(
        owed=Decimal("2420000"),
        due_on=dt.date(2025, 8, 31),
        rate=rules.DEFAULT_DAILY_RATE,
        payments=[rules.Payment(dt.date(2025, 9, 10), Decimal("1000000"))],
        as_of=today,
    )
    i2 = rules.interest(
        owed=Decimal("1000000"),
        due_on=dt.date(2025, 8, 31),
        rate=rules.DEFAULT_DAILY_RATE,
        payments=[rules.Payment(dt.date(2025, 9, 30), Decimal("800000"))],
        as_of=today,
    )
    assert Decimal(s["interest"]) == i1 + i2
    (debtor,) = s["largest_debtors"]
    assert debtor["balance"] == "1620000.00" and "debtor=" in debtor["query"]
    (kind,) = s["by_kind"]
    assert kind["key"] == "organ" and kind["owed"] == "3420000.00"
    (city,) = s["by_region"]
    assert city["key"] == "150100" and city["label"] == "呼和浩特市"
    drill = as_user(b.office).get(f"/api/v1/arrears/claims?{city['query']}").json()
    assert drill["count"] == 2
    # as of a day before the second repayment
    past = as_user(b.office).get("/api/v1/arrears/stats?as_of=2025-09-20").json()
    assert past["repaid"] == "1000000.00" and past["repayments"] == 1
    p1 = rules.interest(
        owed=Decimal("2420000"),
        due_on=dt.date(2025, 8, 31),
        rate=rules.DEFAULT_DAILY_RATE,
        payments=[rules.Payment(dt.date(2025, 9, 10), Decimal("1000000"))],
        as_of=dt.date(2025, 9, 20),
    )
    p2 = rules.interest(
        owed=Decimal("1000000"),
        due_on=dt.date(2025, 8, 31),
        rate=rules.DEFAULT_DAILY_RATE,
        payments=[],
        as_of=dt.date(2025, 9, 20),
    )
    assert Decimal(past["interest"]) == p1 + p2
    assert as_user(b.office).get("/api/v1/arrears/stats?as_of=2099-01-01").status_code == 422


@pytest.mark.django_db
def test_the_annual_disclosure_counts_contracts_overdue_and_unpaid_at_the_year_end(
    b: Books, world: World
) -> None:
    one = b.create()  # due 2025-08-31
    b.repay(one, "2420000", paid_on="2026-01-15")  # paid only after the year end: counts for 2025
    two = b.create(contract={"number": "XC-10"}, owed="500000")
    b.repay(two, "500000", paid_on="2025-12-01")  # paid within 2025: does not count
    b.create(contract={"number": "XC-11", "delivered_on": "2025-12-15"}, owed="100")  # due 2026
    b.create(contract={"number": "XC-12"}, owed="300000", sme=False)  # not an SME: not counted
    d = as_user(b.office).get("/api/v1/arrears/disclosure?year=2025").json()
    assert d["year"] == 2025 and d["due_by"] == "2026-03-31"
    (row,) = d["rows"]
    assert (
        row["contracts"] == 1 and row["amount"] == "2420000.00" and row["publishes"] == "向社会公开"
    )
    assert d["contracts"] == 1
    assert as_user(b.office).get("/api/v1/arrears/disclosure?year=2099").status_code == 422
    assert (
        as_user(world.users["enterprise"]).get("/api/v1/arrears/disclosure?year=2025").status_code
        == 403
    )


@pytest.mark.django_db
def test_the_creditor_sees_only_its_own_claims(b: Books, world: World) -> None:
    from qitong.accounts.roles import Role
    from tests.factories import user

    mine = b.create()
    region_office = user("region_office", Role.SUPERVISOR)
    from qitong.arrears.services import claim_create

    theirs, _ = claim_create(user=region_office, data=baotou_body(world))
    ent = as_user(world.users["enterprise"])
    assert [c["id"] for c in ent.get("/api/v1/arrears/claims").json()["items"]] == [mine.pk]
    assert ent.get(f"/api/v1/arrears/claims/{theirs.pk}").status_code == 404
    assert as_user(b.office).get(f"/api/v1/arrears/claims/{theirs.pk}").status_code == 404
    staff = ent.get(f"/api/v1/arrears/claims/{mine.pk}").json()
    assert all(e["actor"] in ("工作人员", "系统", "") or e["actor"] for e in staff["timeline"])


@pytest.mark.django_db
def test_a_complaint_ticket_opens_a_claim_with_its_clocks(b: Books, world: World) -> None:
    from qitong.arrears.services import claims_sweep
    from qitong.tickets.services import ticket_act
    from tests.ticket_factories import submit_online

    ticket = submit_online(world, type="problem_report", problem_category="arrears")
    ticket = ticket_act(
        ticket_id=ticket.pk, action="register", user=world.users["operator"], data={}
    )
    region_office = b.office
    r = post(as_user(region_office), "/api/v1/arrears/claims", claim_body(world, ticket=ticket.pk))
    assert r.status_code == 201, r.content
    got = r.json()
    c = got["complaint"]
    assert (
        c["stage"] == "transfer"
        and c["accepted_on"]
        == ticket.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    )
    assert got["tickets"][0]["id"] == ticket.pk
    # the sweep urges once when the transfer is late
    later = dt.date.fromisoformat(c["transfer_due"]) + dt.timedelta(days=1)
    assert claims_sweep(later)["urged"] == 1
    assert claims_sweep(later)["urged"] == 0
    office = as_user(region_office)
    path = f"/api/v1/arrears/claims/{got['id']}/actions"
    t = post(office, f"{path}/transfer_complaint", {"department": world.dept.pk}).json()
    assert t["complaint"]["stage"] == "handling"
    assert t["complaint"]["result_due"] == (local_today() + dt.timedelta(days=30)).isoformat()
    too_far = (local_today() + dt.timedelta(days=91)).isoformat()
    bad = post(office, f"{path}/extend_complaint", {"result_due": too_far, "reason": "案情复杂"})
    assert bad.status_code == 422 and "90 日" in bad.json()["fields"]["result_due"]
    handler = as_user(world.users["handler"])
    a = post(handler, f"{path}/answer_complaint", {"result": "已督促债务人制定还款计划"})
    assert a.status_code == 200 and a.json()["complaint"]["stage"] == "answered"


@pytest.mark.django_db
def test_an_unconfirmed_claim_is_reminded_once_after_thirty_days(b: Books, world: World) -> None:
    from qitong.arrears.services import claims_sweep
    from qitong.notifications.models import Notification

    claim = b.create()
    assert claims_sweep(local_today())["reminded"] == 0  # not due yet
    later = local_today() + dt.timedelta(days=31)
    from qitong.core import clock

    with clock.frozen(clock.now() + dt.timedelta(days=31)):
        assert claims_sweep(later)["reminded"] == 1
        assert claims_sweep(later)["reminded"] == 0
    claim.refresh_from_db()
    assert claim.confirm_reminded and claim.state == "registered"
    events = Event.objects.filter(subject_type="arrears.claim", subject_id=str(claim.pk))
    assert [e.action for e in events] == ["create", "remind_confirmation"]
    assert Notification.objects.filter(
        user=world.users["handler"], kind="arrears_confirm_overdue"
    ).exists()
