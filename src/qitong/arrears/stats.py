"""The clearance KPIs (清欠统计), one function for the dashboard, the API and the drill-down:
total owed, repaid, balance, clearance rate, undisputed clearance rate (无分歧欠款应清尽清),
median days overdue at payment, interest accrued, the largest debtors (挂牌督办 candidates),
by 盟市 and by debtor kind, as of a day.

A day's figures count the contracts signed by then. The campaign's figures leave out claims
in litigation (they stay in the ledger) and written-off claims (their unpaid part is shown
as written off). Repaid means recorded and not refused by the creditor, paid by the day; the
part the creditor confirmed is shown beside it. Interest is summed in SQL from the claims' stored terms
(arrears.rules: linear in the day numbers), exact for any day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Least, Substr

from qitong.accounts.actor import Actor
from qitong.arrears.listing import ClaimFilter, claims_filtered
from qitong.arrears.models import Claim, Repayment
from qitong.arrears.states import ClaimState, DebtorKind, RepaymentStatus
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import local_today
from qitong.directory.models import Region

CENT = Decimal("0.01")
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=26, decimal_places=2))
MONEY_OUT = DecimalField(max_digits=26, decimal_places=2)
BIG_OUT = DecimalField(max_digits=40, decimal_places=12)


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _rate(part: Decimal, whole: Decimal) -> float | None:
    return None if whole <= 0 else round(float(part / whole * 100), 1)


@dataclass
class Row:
    key: str
    label: str
    count: int
    owed: Decimal
    repaid: Decimal
    balance: Decimal
    query: str

    @property
    def clearance_rate(self) -> float | None:
        return _rate(self.repaid, self.owed)


@dataclass
class ArrearsStats:
    as_of: dt.date
    start: dt.date | None
    claims: int
    owed: Decimal
    repaid: Decimal
    confirmed: Decimal
    repaid_in_period: Decimal
    written_off: Decimal
    balance: Decimal
    undisputed_owed: Decimal
    undisputed_repaid: Decimal
    overdue_claims: int
    overdue_balance: Decimal
    in_litigation: int
    litigation_owed: Decimal
    interest: Decimal
    median_days_overdue: float | None
    repayments: int
    by_region: list[Row] = field(default_factory=list)
    by_kind: list[Row] = field(default_factory=list)
    largest_debtors: list[Row] = field(default_factory=list)
    base_query: str = ""

    @property
    def clearance_rate(self) -> float | None:
        return _rate(self.repaid, self.owed)

    @property
    def undisputed_clearance_rate(self) -> float | None:
        return _rate(self.undisputed_repaid, self.undisputed_owed)


def _median(histogram: list[tuple[int, int]]) -> float | None:
    total = sum(n for _, n in histogram)
    if total == 0:
        return None
    ordered = sorted(histogram)
    lower = (total - 1) // 2
    upper = total // 2
    seen = 0
    values: dict[int, int] = {}
    for days, n in ordered:
        for index in (lower, upper):
            if seen <= index < seen + n:
                values[index] = days
        seen += n
    return (values[lower] + values[upper]) / 2


def arrears_stats(
    actor: Actor,
    *,
    base: ClaimFilter | None = None,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
    top: int = 10,
    use_tally: bool = True,
) -> ArrearsStats:
    """The KPIs over the claims the reader may see, narrowed by `base` (region, kind...)."""
    today = local_today()
    as_of = as_of or today
    if as_of > today:
        raise ValidationFailed(fields={"as_of": f"统计日期不能晚于今天 {today:%Y-%m-%d}"})
    if start is not None and start > as_of:
        raise ValidationFailed(fields={"from": "起始日期不能晚于统计日期"})
    base = base or ClaimFilter()
    if use_tally and as_of == today and start is None:
        fast = _from_tally(actor, base, today, top)
        if fast is not None:
            return fast
    # A debt exists from its contract on, whenever its ledger reached the platform (the
    # 盟市 import past years' ledgers).
    scoped = claims_filtered(actor, base).filter(signed_on__lte=as_of).order_by()
    campaign = scoped.filter(in_litigation=False)
    current = as_of >= today
    written_off = Q(state=ClaimState.WRITTEN_OFF)
    if current:
        everything = campaign.annotate(paid=F("repaid"))
        claims = everything.exclude(written_off)  # the figures; a write-off is counted apart
        undisputed = ExpressionWrapper(F("owed") - F("disputed"), output_field=MONEY_OUT)
        overdue = Q(due_on__lt=as_of) & ~Q(state=ClaimState.CLOSED) & Q(owed__gt=F("paid"))
        totals = claims.aggregate(
            claims=Count("pk"),
            owed_sum=Sum("owed"),
            repaid=Sum("paid"),
            confirmed_sum=Sum("confirmed"),
            undisputed_owed=Sum(undisputed),
            undisputed_repaid=Sum(Least(F("paid"), undisputed)),
            overdue_claims=Count("pk", filter=overdue),
            overdue_balance=Sum(F("owed") - F("paid"), filter=overdue, output_field=MONEY_OUT),
        )
        gone = everything.filter(written_off).aggregate(
            s=Sum(F("owed") - F("paid"), output_field=MONEY_OUT)
        )
        groups = None
    else:
        totals, gone, groups = _as_of(campaign, as_of)
    litigation = scoped.filter(in_litigation=True).aggregate(n=Count("pk"), owed_sum=Sum("owed"))
    owed = _money(totals["owed_sum"])
    repaid = _money(totals["repaid"])
    written = _money(gone["s"])
    payments = Repayment.objects.filter(
        claim__in=campaign.exclude(written_off).values("pk"), paid_on__lte=as_of
    ).exclude(status=RepaymentStatus.REJECTED)
    if start is not None:
        payments = payments.filter(paid_on__gte=start)
    histogram = list(
        payments.order_by()
        .values_list("days_overdue")
        .annotate(n=Count("pk"))
        .values_list("days_overdue", "n")
    )
    stats = ArrearsStats(
        as_of=as_of,
        start=start,
        claims=int(totals["claims"] or 0),
        owed=owed,
        repaid=repaid,
        # confirmed by the creditor: today's figure (a confirmation's day is in the ledger)
        confirmed=_money(totals["confirmed_sum"]),
        repaid_in_period=_money(payments.aggregate(s=Sum("amount"))["s"]),
        written_off=written,
        balance=owed - repaid,
        undisputed_owed=_money(totals["undisputed_owed"]),
        undisputed_repaid=_money(totals["undisputed_repaid"]),
        overdue_claims=int(totals["overdue_claims"] or 0),
        overdue_balance=_money(totals["overdue_balance"]),
        in_litigation=int(litigation["n"] or 0),
        litigation_owed=_money(litigation["owed_sum"]),
        interest=interest_total(campaign.exclude(written_off), as_of),
        median_days_overdue=_median(histogram),
        repayments=sum(n for _, n in histogram),
    )
    drill = _drill(base)
    stats.base_query = drill.query()
    if groups is None:
        live = campaign.annotate(paid=F("repaid")).exclude(written_off)
        stats.by_region = _by_region(live, drill)
        stats.by_kind = _by_kind(live, drill)
        stats.largest_debtors = _largest(live, drill, top)
    else:
        regions, kinds, debtors = groups
        stats.by_region = _region_rows(sorted(regions.values(), key=lambda r: r["group"]), drill)
        stats.by_kind = [
            _row(k.value, k.label, kinds[k.value], drill.but(kind=k.value).query())
            for k in DebtorKind
            if k.value in kinds
        ]
        ranked = sorted(
            (r for r in debtors.values() if r["owed_sum"] > r["paid_sum"]),
            key=lambda r: (-(r["owed_sum"] - r["paid_sum"]), r["debtor"]),
        )[:top]
        stats.largest_debtors = [
            _row(str(r["debtor"]), r["name"], r, drill.but(debtor=r["debtor"]).query())
            for r in ranked
        ]
    return stats


def _as_of(campaign: QuerySet[Claim], as_of: dt.date) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """A past day's figures: what each claim had been paid by then (one grouped query over
    the repayments), summed here over the claims' rows — a per-claim subquery referenced by
    every sum would be evaluated once per sum and row."""
    paid_by = dict(
        Repayment.objects.filter(claim__in=campaign.values("pk"), paid_on__lte=as_of)
        .exclude(status=RepaymentStatus.REJECTED)
        .order_by()
        .values("claim")
        .annotate(s=Sum("amount"))
        .values_list("claim", "s")
    )
    t = {k: Decimal(0) for k in ("owed_sum", "repaid", "confirmed_sum", "undisputed_owed")}
    t |= {"undisputed_repaid": Decimal(0), "overdue_balance": Decimal(0)}
    n = overdue_n = 0
    written = Decimal(0)
    regions: dict[Any, dict[str, Any]] = {}
    kinds: dict[Any, dict[str, Any]] = {}
    debtors: dict[Any, dict[str, Any]] = {}
    rows = campaign.values_list(
        "pk", "owed", "disputed", "confirmed", "due_on", "state", "region_code",
        "debtor_kind", "debtor_id", "debtor__name",
    )  # fmt: skip
    for pk, owed, disputed, confirmed, due_on, state, region, kind, debtor, name in rows.iterator(
        chunk_size=5000
    ):
        paid = Decimal(paid_by.get(pk) or 0)
        if state == ClaimState.WRITTEN_OFF:
            written += owed - paid
            continue
        n += 1
        undisputed = owed - disputed
        t["owed_sum"] += owed
        t["repaid"] += paid
        t["confirmed_sum"] += confirmed
        t["undisputed_owed"] += undisputed
        t["undisputed_repaid"] += min(paid, undisputed)
        if due_on < as_of and state != ClaimState.CLOSED and owed > paid:
            overdue_n += 1
            t["overdue_balance"] += owed - paid
        key = region if region.endswith("0000") else region[:4]
        for bucket, k, extra in (
            (regions, key, {}),
            (kinds, kind, {}),
            (debtors, debtor, {"debtor": debtor, "name": name}),
        ):
            r = bucket.setdefault(
                k, {"group": k, "n": 0, "owed_sum": Decimal(0), "paid_sum": Decimal(0), **extra}
            )
            r["n"] += 1
            r["owed_sum"] += owed
            r["paid_sum"] += paid
    totals: dict[str, Any] = {**t, "claims": n, "overdue_claims": overdue_n}
    return totals, {"s": written}, (regions, kinds, debtors)


def _drill(base: ClaimFilter) -> ClaimFilter:
    """What each figure's link opens: the claims it counts (in the campaign: not in
    litigation, not written off)."""
    drill = base if base.litigation is not None else base.but(litigation=False)
    return drill if drill.state else drill.but(state="live")


def interest_total(claims: QuerySet[Claim], as_of: dt.date) -> Decimal:
    """Σ rate × (owed × (A − due) − Σ amount × (A − effective)), each term where positive."""
    day = as_of.toordinal()
    accrued = claims.filter(due_day__lt=day).aggregate(
        s=Sum(
            ExpressionWrapper(
                F("daily_rate") * F("owed") * (Value(day) - F("due_day")), output_field=BIG_OUT
            )
        )
    )["s"]
    paid = (
        Repayment.objects.filter(claim__in=claims.values("pk"), effective_day__lt=day)
        .exclude(status=RepaymentStatus.REJECTED)
        .aggregate(
            s=Sum(
                ExpressionWrapper(
                    F("claim__daily_rate") * F("amount") * (Value(day) - F("effective_day")),
                    output_field=BIG_OUT,
                )
            )
        )["s"]
    )
    return _money(Decimal(accrued or 0) - Decimal(paid or 0))


def _row(key: str, label: str, r: dict[str, Any], query: str) -> Row:
    owed = _money(r["owed_sum"])
    repaid = _money(r["paid_sum"])
    return Row(key, label, int(r["n"]), owed, repaid, owed - repaid, query)


def _grouped(claims: QuerySet[Claim], key: Any) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in claims.annotate(group=key)
        .values("group")
        .annotate(n=Count("pk"), owed_sum=Sum("owed"), paid_sum=Sum("paid"))
        .order_by("group")
    ]


def _by_region(claims: QuerySet[Claim], base: ClaimFilter) -> list[Row]:
    """By 盟市 (the first four digits of the debtor's region; 自治区本级 as its own row)."""
    key = Case(
        When(region_code__endswith="0000", then=F("region_code")),
        default=Substr("region_code", 1, 4),
    )
    return _region_rows(_grouped(claims, key), base)


def _region_rows(rows: list[dict[str, Any]], base: ClaimFilter) -> list[Row]:
    codes = [str(r["group"]).ljust(6, "0") for r in rows]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    out = []
    for r, code in zip(rows, codes, strict=True):
        label = names.get(code, code) + ("本级" if code.endswith("0000") else "")
        own = code.endswith("0000")  # 自治区本级: that code alone, not its subtree
        narrowed = base.but(region_exact=code) if own else base.but(region=code)
        out.append(_row(code, label, r, narrowed.query()))
    return out


def _by_kind(claims: QuerySet[Claim], base: ClaimFilter) -> list[Row]:
    rows = {r["group"]: r for r in _grouped(claims, F("debtor_kind"))}
    return [
        _row(kind.value, kind.label, rows[kind.value], base.but(kind=kind.value).query())
        for kind in DebtorKind
        if kind.value in rows
    ]


def _largest(claims: QuerySet[Claim], base: ClaimFilter, top: int) -> list[Row]:
    rows = [
        dict(r)
        for r in claims.values("debtor", "debtor__name")
        .annotate(n=Count("pk"), owed_sum=Sum("owed"), paid_sum=Sum("paid"))
        .annotate(left=ExpressionWrapper(F("owed_sum") - F("paid_sum"), output_field=MONEY_OUT))
        .filter(left__gt=0)
        .order_by("-left", "debtor")[:top]
    ]
    return [
        _row(
            str(r["debtor"]),
            str(r["debtor__name"]),
            r,
            base.but(debtor=r["debtor"]).query(),
        )
        for r in rows
    ]


def _from_tally(actor: Actor, base: ClaimFilter, today: dt.date, top: int) -> ArrearsStats | None:
    """Today's KPIs from the running tally (arrears.tallied), or None when it cannot say."""
    from qitong.arrears import tallied

    if {
        k for k in ("state", "overdue", "disputed", "debtor") if getattr(base, k) not in ("", None)
    }:
        return None
    rows = tallied.tallies(actor, base)
    days = tallied.histogram(actor, base)
    if rows is None or days is None:
        return None
    campaign = rows.filter(in_litigation=False)
    live = campaign.exclude(state=ClaimState.WRITTEN_OFF)
    all_ = tallied._sums(live)
    gone = tallied._sums(campaign.filter(state=ClaimState.WRITTEN_OFF))
    undisputed = live.aggregate(
        o=Sum("undisputed_owed"), r=Sum("undisputed_repaid"), c=Sum("confirmed")
    )
    drill = _drill(base)
    waiting = tallied._claim_sums(tallied.not_yet_due(actor, drill, today))
    owing = tallied._sums(live.filter(outstanding=True))
    litigation = tallied._sums(rows.filter(in_litigation=True))
    owed = _money(all_["owed"])
    repaid = _money(all_["repaid"])
    written = _money(gone["owed"]) - _money(gone["repaid"])
    stats = ArrearsStats(
        as_of=today,
        start=None,
        claims=int(all_["n"]),
        owed=owed,
        repaid=repaid,
        confirmed=_money(undisputed["c"]),
        repaid_in_period=repaid,
        written_off=written,
        balance=owed - repaid,
        undisputed_owed=_money(undisputed["o"]),
        undisputed_repaid=_money(undisputed["r"]),
        overdue_claims=int(owing["n"]) - int(waiting["n"]),
        overdue_balance=_money(owing["balance"]) - _money(waiting["balance"]),
        in_litigation=int(litigation["n"]),
        litigation_owed=_money(litigation["owed"]),
        interest=tallied.interest_today(actor, drill, live, today),
        median_days_overdue=_median(days),
        repayments=sum(n for _, n in days),
    )
    stats.base_query = drill.query()
    stats.by_region = _region_rows(tallied.grouped(live, tallied.region_key()), drill)
    kinds = {r["group"]: r for r in tallied.grouped(live, F("debtor_kind"))}
    stats.by_kind = [
        _row(k.value, k.label, kinds[k.value], drill.but(kind=k.value).query())
        for k in DebtorKind
        if k.value in kinds
    ]
    stats.largest_debtors = [
        _row(str(r["debtor"]), str(r["debtor__name"]), r, drill.but(debtor=r["debtor"]).query())
        for r in tallied.largest(live, top)
    ]
    return stats


def clearance_by_region(as_of: dt.date) -> dict[str, dict[str, Decimal]]:
    """The clearance figures of every debtor region as of a day, by the campaign's rules
    (contracts signed by then, not in litigation, not written off; repaid = recorded by then
    and not refused by the creditor): per 6-digit region code, owed, repaid, the undisputed
    part owed and repaid. What the quarterly assessment (appraisal) scores each 盟市 on; the
    same definitions as `arrears_stats`."""
    campaign = (
        Claim.objects.filter(signed_on__lte=as_of, in_litigation=False)
        .exclude(state=ClaimState.WRITTEN_OFF)
        .order_by()
    )
    paid_by = dict(
        Repayment.objects.filter(claim__in=campaign.values("pk"), paid_on__lte=as_of)
        .exclude(status=RepaymentStatus.REJECTED)
        .order_by()
        .values("claim")
        .annotate(s=Sum("amount"))
        .values_list("claim", "s")
    )
    out: dict[str, dict[str, Decimal]] = {}
    rows = campaign.values_list("pk", "owed", "disputed", "region_code")
    for pk, owed, disputed, region in rows.iterator(chunk_size=5000):
        paid = Decimal(paid_by.get(pk) or 0)
        undisputed = owed - disputed
        r = out.setdefault(
            region,
            {
                k: Decimal(0)
                for k in ("claims", "owed", "repaid", "undisputed_owed", "undisputed_repaid")
            },
        )
        r["claims"] += 1
        r["owed"] += owed
        r["repaid"] += paid
        r["undisputed_owed"] += undisputed
        r["undisputed_repaid"] += min(paid, undisputed)
    return out
