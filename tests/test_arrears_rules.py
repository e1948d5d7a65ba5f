"""The payment regulation's rules as tables (arrears.rules; pure, no database): the due date
for every debtor kind x how the clock starts, the statutory maximum, 背靠背, late interest
(agreed vs default, partial repayments, bills, leap years) and the complaint clocks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qitong.arrears import rules
from qitong.arrears.rules import Contract, Payment, RuleError
from qitong.core.workdays import WorkCalendar

D = dt.date
SIGNED = D(2025, 7, 1)


def contract(kind: str, **facts: object) -> Contract:
    return Contract(debtor_kind=kind, sme=True, signed_on=SIGNED, **facts)  # type: ignore[arg-type]


DELIVERED = {"delivered_on": D(2025, 8, 1)}
ACCEPTED = {"delivered_on": D(2025, 8, 1), "acceptance_days": 15, "accepted_on": D(2025, 8, 10)}
ACCEPTANCE_DELAYED = {
    "delivered_on": D(2025, 8, 1),
    "acceptance_days": 15,
    "accepted_on": D(2025, 9, 20),
}
NOT_YET_ACCEPTED = {"delivered_on": D(2025, 8, 1), "acceptance_days": 15}
ACCEPTED_NO_PERIOD = {"delivered_on": D(2025, 8, 1), "accepted_on": D(2025, 8, 20)}
SETTLED = {"delivered_on": D(2025, 8, 1), "settlement_confirmed_on": D(2025, 10, 31)}

# (kind, facts, agreed days, expected start, expected due, words the rule must show)
DUE_CASES = [
    (
        "organ",
        DELIVERED,
        None,
        D(2025, 8, 1),
        D(2025, 8, 31),
        ["交付之日", "30 日", "第九条第一款"],
    ),
    ("institution", DELIVERED, None, D(2025, 8, 1), D(2025, 8, 31), ["30 日"]),
    ("organ", DELIVERED, 45, D(2025, 8, 1), D(2025, 9, 15), ["合同约定 45 日"]),
    ("organ", DELIVERED, 60, D(2025, 8, 1), D(2025, 9, 30), ["合同约定 60 日"]),
    ("institution", DELIVERED, 10, D(2025, 8, 1), D(2025, 8, 11), ["合同约定 10 日"]),
    (
        "soe_large",
        DELIVERED,
        None,
        D(2025, 8, 1),
        D(2025, 9, 30),
        ["大型企业 60 日", "第九条第二款"],
    ),
    ("large", DELIVERED, None, D(2025, 8, 1), D(2025, 9, 30), ["60 日"]),
    ("large", DELIVERED, 90, D(2025, 8, 1), D(2025, 10, 30), ["合同约定 90 日"]),
    ("association", DELIVERED, None, D(2025, 8, 1), D(2025, 9, 30), ["团体组织"]),
    ("organ", ACCEPTED, None, D(2025, 8, 10), D(2025, 9, 9), ["验收合格之日", "第十条"]),
    ("large", ACCEPTED, None, D(2025, 8, 10), D(2025, 10, 9), ["验收合格之日"]),
    ("organ", ACCEPTANCE_DELAYED, None, D(2025, 8, 16), D(2025, 9, 15), ["拖延验收", "第十条"]),
    ("soe_large", ACCEPTANCE_DELAYED, None, D(2025, 8, 16), D(2025, 10, 15), ["拖延验收"]),
    ("institution", NOT_YET_ACCEPTED, None, D(2025, 8, 16), D(2025, 9, 15), ["验收期限届满"]),
    ("organ", ACCEPTED_NO_PERIOD, None, D(2025, 8, 20), D(2025, 9, 19), ["验收合格之日"]),
    ("organ", SETTLED, None, D(2025, 10, 31), D(2025, 11, 30), ["结算金额", "第九条第三款"]),
    ("large", SETTLED, 30, D(2025, 10, 31), D(2025, 11, 30), ["结算金额", "合同约定 30 日"]),
]


@pytest.mark.parametrize(("kind", "facts", "agreed", "start", "due", "words"), DUE_CASES)
def test_due_date(
    kind: str, facts: dict[str, object], agreed: int | None, start: D, due: D, words: list[str]
) -> None:
    found = rules.due_date(contract(kind, agreed_days=agreed, **facts))
    assert (found.start, found.on) == (start, due)
    for word in words:
        assert word in found.rule, (word, found.rule)


@pytest.mark.parametrize("kind", ["organ", "institution"])
def test_an_agreed_term_over_sixty_days_is_refused_for_public_bodies(kind: str) -> None:
    with pytest.raises(RuleError) as caught:
        rules.due_date(contract(kind, agreed_days=61, **DELIVERED))
    assert caught.value.field == "contract.agreed_days"
    assert "最长 60 日" in caught.value.message and "第九条" in caught.value.message


def test_large_enterprises_may_agree_longer() -> None:
    assert rules.due_date(contract("large", agreed_days=120, **DELIVERED)).days == 120


@pytest.mark.parametrize("kind", ["organ", "soe_large"])
def test_back_to_back_is_ignored_and_said(kind: str) -> None:
    plain = rules.due_date(contract(kind, **DELIVERED))
    b2b = rules.due_date(contract(kind, back_to_back=True, **DELIVERED))
    assert b2b.on == plain.on
    assert "第三方付款为条件的约定无效" in b2b.rule and "第三方" not in plain.rule


def test_a_contract_without_a_start_names_the_delivery_date() -> None:
    with pytest.raises(RuleError) as caught:
        rules.due_date(contract("organ"))
    assert caught.value.field == "contract.delivered_on"


def test_not_an_sme_at_signing_is_said() -> None:
    c = Contract(debtor_kind="organ", sme=False, signed_on=SIGNED, delivered_on=D(2025, 8, 1))
    assert "非中小企业" in rules.due_date(c).rule


DATE_CASES = [
    ({"delivered_on": D(2025, 6, 1)}, "contract.delivered_on", "不能早于合同签订日期"),
    (
        {"delivered_on": D(2025, 8, 1), "accepted_on": D(2025, 7, 20)},
        "contract.accepted_on",
        "不能早于交付日期",
    ),
    (
        {"settlement_confirmed_on": D(2027, 1, 1)},
        "contract.settlement_confirmed_on",
        "不能晚于今天",
    ),
]


@pytest.mark.parametrize(("facts", "field", "words"), DATE_CASES)
def test_dates_out_of_order(facts: dict[str, object], field: str, words: str) -> None:
    errors = rules.check_dates(contract("organ", **facts), today=D(2026, 12, 1))
    assert words in errors[field]


def test_dates_in_order_pass() -> None:
    assert rules.check_dates(contract("organ", **ACCEPTED), today=D(2026, 12, 1)) == {}


# --- interest -----------------------------------------------------------------------------------

DUE = D(2025, 8, 31)
DEFAULT = rules.daily_rate(None)
AGREED = rules.daily_rate(Decimal("3.65"))  # 3.65 % a year = 0.01 % a day

INTEREST_CASES = [
    # owed, rate, payments, as_of, expected
    ("1000000", DEFAULT, [], D(2025, 8, 31), "0.00"),  # on the due date: not late yet
    ("1000000", DEFAULT, [], D(2025, 9, 1), "500.00"),  # one day at 万分之五
    ("1000000", DEFAULT, [], D(2025, 9, 30), "15000.00"),  # 30 days
    ("1000000", AGREED, [], D(2025, 9, 30), "3000.00"),  # 30 days at 0.01 %
    # half paid on day 10: 10 days on the whole, 20 on the half
    ("1000000", DEFAULT, [Payment(D(2025, 9, 10), Decimal("500000"))], D(2025, 9, 30), "10000.00"),
    # paid in full on day 10: interest stops there
    ("1000000", DEFAULT, [Payment(D(2025, 9, 10), Decimal("1000000"))], D(2026, 1, 1), "5000.00"),
    # paid before the due date: never late
    ("1000000", DEFAULT, [Payment(D(2025, 8, 20), Decimal("1000000"))], D(2026, 1, 1), "0.00"),
    # a payment after as_of does not count yet
    (
        "1000000",
        DEFAULT,
        [Payment(D(2025, 10, 10), Decimal("1000000"))],
        D(2025, 9, 30),
        "15000.00",
    ),
    # two partial payments
    (
        "900000",
        DEFAULT,
        [Payment(D(2025, 9, 10), Decimal("300000")), Payment(D(2025, 9, 20), Decimal("300000"))],
        D(2025, 9, 30),
        "9000.00",  # 10 days × 900k + 10 × 600k + 10 × 300k = 18M × 0.0005
    ),
    ("2420000", DEFAULT, [], D(2025, 9, 3), "3630.00"),  # 3 days on 242 万元
]


@pytest.mark.parametrize(("owed", "rate", "payments", "as_of", "expected"), INTEREST_CASES)
def test_interest(
    owed: str, rate: Decimal, payments: list[Payment], as_of: D, expected: str
) -> None:
    got = rules.interest(owed=Decimal(owed), due_on=DUE, rate=rate, payments=payments, as_of=as_of)
    assert got == Decimal(expected)


def test_a_leap_years_february_has_twenty_nine_days_of_interest() -> None:
    due = D(2028, 1, 31)
    leap = rules.interest(
        owed=Decimal("100000"), due_on=due, rate=DEFAULT, payments=[], as_of=D(2028, 2, 29)
    )
    common = rules.interest(
        owed=Decimal("100000"),
        due_on=D(2027, 1, 31),
        rate=DEFAULT,
        payments=[],
        as_of=D(2027, 2, 28),
    )
    assert leap == Decimal("1450.00")  # 29 days × 50
    assert common == Decimal("1400.00")  # 28 days × 50
    over = rules.interest(
        owed=Decimal("100000"),
        due_on=D(2028, 2, 28),
        rate=DEFAULT,
        payments=[],
        as_of=D(2028, 3, 1),
    )
    assert over == Decimal("100.00")  # 29 February and 1 March


def test_agreed_rate_per_day_is_a_365th() -> None:
    assert rules.daily_rate(Decimal("3.65")) == Decimal("0.000100000000")
    assert rules.daily_rate(None) == Decimal("0.0005")


RATE_CASES = [
    (None, Decimal("3.10"), None),
    (Decimal("3.10"), Decimal("3.10"), None),
    (Decimal("4.00"), Decimal("3.10"), None),
    (Decimal("3.00"), Decimal("3.10"), "低于签约时一年期"),
    (Decimal("3.00"), None, None),
]


@pytest.mark.parametrize(("agreed", "lpr", "words"), RATE_CASES)
def test_an_agreed_rate_below_the_lpr(
    agreed: Decimal | None, lpr: Decimal | None, words: str | None
) -> None:
    found = rules.check_rate(agreed, lpr)
    assert (found is None) if words is None else (words in str(found))


LPR = [
    (D(2024, 10, 21), Decimal("3.10")),
    (D(2025, 5, 20), Decimal("3.00")),
    (D(2024, 7, 22), Decimal("3.35")),
]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 7, 21), None),
        (D(2024, 7, 22), Decimal("3.35")),
        (D(2024, 12, 1), Decimal("3.10")),
        (D(2025, 5, 19), Decimal("3.10")),
        (D(2025, 5, 20), Decimal("3.00")),
    ],
)
def test_lpr_in_force_on_a_day(day: D, expected: Decimal | None) -> None:
    assert rules.lpr_on(day, LPR) == expected


def test_a_bill_counts_as_paid_at_maturity() -> None:
    assert rules.effective_day(D(2025, 9, 1), D(2026, 3, 1)) == D(2026, 3, 1)
    assert rules.effective_day(D(2025, 9, 1), None) == D(2025, 9, 1)


def test_lpr_history_is_in_order_and_plausible() -> None:
    days = [D.fromisoformat(d) for d, _ in rules.LPR_HISTORY]
    assert days == sorted(days)
    assert all(Decimal("2") < Decimal(r) < Decimal("5") for _, r in rules.LPR_HISTORY)


# --- the complaint clocks -------------------------------------------------------------------------

CAL = WorkCalendar()
COMPLAINT_CASES = [
    # accepted, received, transfer due (10 working days from the next day), result due, latest
    (D(2026, 3, 2), None, D(2026, 3, 16), None, None),  # Monday; no holiday in between
    (D(2026, 3, 6), None, D(2026, 3, 20), None, None),  # Friday
    # 2025 National Day: 1–8 October off; Sunday 28 September and Saturday 11 October worked
    (D(2025, 9, 26), None, D(2025, 10, 16), None, None),
    (D(2026, 3, 2), D(2026, 3, 10), D(2026, 3, 16), D(2026, 4, 9), D(2026, 6, 8)),
]


@pytest.mark.parametrize(("accepted", "received", "transfer", "result", "latest"), COMPLAINT_CASES)
def test_complaint_clocks(
    accepted: D, received: D | None, transfer: D, result: D | None, latest: D | None
) -> None:
    clock = rules.complaint_clock(accepted, received, CAL)
    assert (clock.transfer_due, clock.result_due, clock.result_latest) == (transfer, result, latest)
