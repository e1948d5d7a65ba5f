"""The payment rules of 《保障中小企业款项支付条例》 (国务院令第728号, as revised by 国务院令第802号,
in force 2025-06-01), as pure functions of a contract's facts: the statutory due date and the
rule that produced it, late interest on the running balance, and the complaint clocks. No ORM
here, so every case is a row of a table test (tests/test_arrears_rules.py).

Interest is counted per calendar day (a leap year's 29 February is a day like any other); an
agreed annual rate is divided by 365 per day. An amount paid on day P was overdue on the days
after the due date up to and including P, so the interest on the running balance is

    rate × (owed × days(due, as_of) − Σ amount_j × days(max(paid_j, due), as_of))

with days(a, b) = max(0, b − a): linear in the dates, which the statistics sum in SQL from the
stored day numbers (arrears.stats).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from qitong.arrears.states import LARGE_ENTERPRISES, PUBLIC_BODIES, DebtorKind
from qitong.core.workdays import LOCAL_TZ, WorkCalendar, add_working_days

CENT = Decimal("0.01")
PUBLIC_TERM = 30  # 第九条第一款: 机关、事业单位 pay within 30 days of delivery
PUBLIC_MAX_TERM = 60  # ... the contract may agree longer, at most 60 days
LARGE_TERM = 60  # 第九条第二款: 大型企业 within 60 days unless a reasonable term is agreed
DEFAULT_DAILY_RATE = Decimal("0.0005")  # 第十七条: 万分之五 per day when no rate was agreed
DAYS_PER_YEAR = Decimal(365)
CONFIRM_DAYS = 30  # 第十六条: the debtor confirms a receivable within 30 days of the request
TRANSFER_WORKING_DAYS = 10  # 第二十四条: transferred within 10 working days of acceptance
RESULT_DAYS = 30  # 第二十五条: a result within 30 days of receiving the material
RESULT_MAX_DAYS = 90  # ... extendable with approval, at most 90 days in all


class RuleError(ValueError):
    """A contract fact the regulation refuses; `field` names it as the API does."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Contract:
    debtor_kind: str
    sme: bool  # the creditor was a small or medium enterprise when it signed (第三条)
    signed_on: dt.date
    delivered_on: dt.date | None = None
    accepted_on: dt.date | None = None
    acceptance_days: int | None = None  # the agreed inspection/acceptance period
    settlement_confirmed_on: dt.date | None = None  # progress or periodic settlement
    agreed_days: int | None = None
    back_to_back: bool = False  # "paid when the third party pays": void as a term


@dataclass(frozen=True)
class Due:
    on: dt.date
    start: dt.date
    days: int
    article: str  # 第九条第一款 ...
    rule: str  # the sentence shown with the date


def _start(c: Contract) -> tuple[dt.date, str, str]:
    """Where the clock starts: (day, what it is, the article)."""
    if c.settlement_confirmed_on is not None:
        return c.settlement_confirmed_on, "双方确认结算金额之日", "第九条第三款"
    if c.acceptance_days is not None and c.delivered_on is not None:
        period_end = c.delivered_on + dt.timedelta(days=c.acceptance_days)
        if c.accepted_on is None or c.accepted_on > period_end:
            # 第十条第二款: the payer delayed acceptance: the agreed period's end.
            return period_end, "约定验收期限届满之日（拖延验收）", "第十条"
        return c.accepted_on, "验收合格之日", "第十条"
    if c.accepted_on is not None:
        return c.accepted_on, "验收合格之日", "第十条"
    if c.delivered_on is not None:
        return c.delivered_on, "交付之日", "第九条"
    raise RuleError(
        "contract.delivered_on", "请填写交付日期（或验收合格、结算确认日期），付款期限自此起算"
    )


def _term(c: Contract) -> tuple[int, str, str]:
    """The term in days, its wording and its article."""
    if c.agreed_days is not None and c.agreed_days < 1:
        raise RuleError("contract.agreed_days", "约定付款期限应至少 1 日")
    if c.debtor_kind in PUBLIC_BODIES:
        if c.agreed_days is None:
            return PUBLIC_TERM, f"机关、事业单位 {PUBLIC_TERM} 日内支付", "第九条第一款"
        if c.agreed_days > PUBLIC_MAX_TERM:
            raise RuleError(
                "contract.agreed_days",
                f"机关、事业单位约定的付款期限最长 {PUBLIC_MAX_TERM} 日（条例第九条第一款），"
                f"约定的 {c.agreed_days} 日超出法定上限，按 {PUBLIC_MAX_TERM} 日适用；"
                f"请填写不超过 {PUBLIC_MAX_TERM} 的天数",
            )
        return c.agreed_days, f"合同约定 {c.agreed_days} 日（最长 60 日）", "第九条第一款"
    who = "大型企业" if c.debtor_kind in LARGE_ENTERPRISES else "团体组织（参照大型企业）"
    if c.agreed_days is None:
        return LARGE_TERM, f"{who} {LARGE_TERM} 日内支付", "第九条第二款"
    return c.agreed_days, f"{who}合同约定 {c.agreed_days} 日", "第九条第二款"


def due_date(c: Contract) -> Due:
    """The statutory due date: the term counted from delivery, acceptance or the confirmed
    settlement. A 背靠背 clause changes nothing (第九条 forbids it as a condition)."""
    if c.debtor_kind not in DebtorKind.values:
        raise RuleError("debtor.kind", f"未知的债务人类型：{c.debtor_kind}")
    start, start_label, start_article = _start(c)
    days, term_label, term_article = _term(c)
    notes = []
    if c.back_to_back:
        notes.append("以第三方付款为条件的约定无效（第九条）")
    if not c.sme:
        notes.append("债权人签约时非中小企业，条例不适用，仅作参考（第三条）")
    article = term_article if start_article == "第九条" else f"{start_article}、{term_article}"
    rule = f"自{start_label}（{start:%Y-%m-%d}）起，{term_label}（{article}）"
    if notes:
        rule += "；" + "；".join(notes)
    return Due(
        on=start + dt.timedelta(days=days), start=start, days=days, article=article, rule=rule
    )


def check_dates(c: Contract, today: dt.date) -> dict[str, str]:
    """Dates out of order or in the future, keyed by field (all at once)."""
    errors: dict[str, str] = {}
    named = {
        "contract.delivered_on": (c.delivered_on, "交付日期"),
        "contract.accepted_on": (c.accepted_on, "验收日期"),
        "contract.settlement_confirmed_on": (c.settlement_confirmed_on, "结算确认日期"),
    }
    if c.signed_on > today:
        errors["contract.signed_on"] = f"签订日期不能晚于今天 {today:%Y-%m-%d}"
    for field, (day, label) in named.items():
        if day is None:
            continue
        if day < c.signed_on:
            errors[field] = f"{label}不能早于合同签订日期 {c.signed_on:%Y-%m-%d}"
        elif day > today:
            errors[field] = f"{label}不能晚于今天 {today:%Y-%m-%d}"
    if (
        c.accepted_on is not None
        and c.delivered_on is not None
        and c.accepted_on < c.delivered_on
        and "contract.accepted_on" not in errors
    ):
        errors["contract.accepted_on"] = f"验收日期不能早于交付日期 {c.delivered_on:%Y-%m-%d}"
    return errors


# --- interest (第十七条) ------------------------------------------------------------------------


def daily_rate(agreed_rate: Decimal | None) -> Decimal:
    """Per day: the agreed annual rate (%) / 365, or 万分之五 when none was agreed."""
    if agreed_rate is None:
        return DEFAULT_DAILY_RATE
    return (agreed_rate / Decimal(100) / DAYS_PER_YEAR).quantize(Decimal("1e-12"))


def check_rate(agreed_rate: Decimal | None, lpr: Decimal | None) -> str | None:
    """The agreed rate may not be below the one-year LPR at signing."""
    if agreed_rate is None or lpr is None or agreed_rate >= lpr:
        return None
    return (
        f"约定的逾期利率 {agreed_rate}% 低于签约时一年期贷款市场报价利率（LPR）{lpr}%"
        "（条例第十七条）；请按合同核对，或不填按每日万分之五计"
    )


@dataclass(frozen=True)
class Payment:
    on: dt.date  # when it counts as paid (a bill's maturity when later: 第十一条)
    amount: Decimal


def overdue_days(due_on: dt.date, day: dt.date) -> int:
    return max(0, (day - due_on).days)


def interest(
    *, owed: Decimal, due_on: dt.date, rate: Decimal, payments: Iterable[Payment], as_of: dt.date
) -> Decimal:
    """Late interest accrued to `as_of` on the running balance, rounded to the fen."""
    total = owed * overdue_days(due_on, as_of)
    for p in payments:
        total -= p.amount * max(0, (as_of - max(p.on, due_on)).days)
    return (total * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def effective_day(paid_on: dt.date, matures_on: dt.date | None) -> dt.date:
    """A bill or voucher never extends the term (第十一条): it counts as paid at maturity."""
    return max(paid_on, matures_on) if matures_on is not None else paid_on


def lpr_on(day: dt.date, table: Sequence[tuple[dt.date, Decimal]]) -> Decimal | None:
    """The one-year LPR in force on `day` (the table: effective date, rate %)."""
    found = None
    for effective, rate in sorted(table):
        if effective <= day:
            found = rate
    return found


# --- complaints (第二十四条、第二十五条) ------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintClock:
    transfer_due: dt.date  # transferred to the handling department by this day
    result_due: dt.date | None  # the handling department's result by this day
    result_latest: dt.date | None  # the furthest an approved extension may reach


def complaint_clock(
    accepted_on: dt.date, received_on: dt.date | None, cal: WorkCalendar
) -> ComplaintClock:
    """`accepted_on`: formal acceptance; `received_on`: the handling department got the
    material (None: not transferred yet). 10 working days counted from the next day."""
    start = dt.datetime.combine(accepted_on, dt.time(12), LOCAL_TZ)
    transfer = add_working_days(start, TRANSFER_WORKING_DAYS, cal).date()
    if received_on is None:
        return ComplaintClock(transfer, None, None)
    return ComplaintClock(
        transfer,
        received_on + dt.timedelta(days=RESULT_DAYS),
        received_on + dt.timedelta(days=RESULT_MAX_DAYS),
    )


# The one-year LPR as published by the National Interbank Funding Center since the 2019
# reform (effective date, % per year); administrators add later ones (arrears.LoanPrimeRate).
LPR_HISTORY: tuple[tuple[str, str], ...] = (
    ("2019-08-20", "4.25"),
    ("2019-09-20", "4.20"),
    ("2019-11-20", "4.15"),
    ("2020-02-20", "4.05"),
    ("2020-04-20", "3.85"),
    ("2021-12-20", "3.80"),
    ("2022-01-20", "3.70"),
    ("2022-08-22", "3.65"),
    ("2023-06-20", "3.55"),
    ("2023-08-21", "3.45"),
    ("2024-07-22", "3.35"),
    ("2024-10-21", "3.10"),
    ("2025-05-20", "3.00"),
)
