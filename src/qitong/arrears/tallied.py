"""The ledger's totals and today's KPIs read from the running tally (arrears.tally) instead
of the claims, when what is asked can be: a supervisor's or a global reader's scope (a region
prefix), narrowed by state, debtor kind, level, region, litigation, a disputed amount, a
debtor or overdue. The few claims the tally cannot place by itself — those still owed whose
due date has not come (not overdue yet, and owing no interest), and those whose last payment
counts later than today (a bill not yet matured) — are read from the claims and put right.
Anything else (another scope, a contract kind, an amount range, a past day, a period) is
answered from the claims themselves (arrears.listing, arrears.stats), with the same result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr

from qitong.accounts.actor import Actor
from qitong.accounts.roles import GLOBAL_ROLES, Role
from qitong.arrears import rules
from qitong.arrears.listing import STATE_GROUPS, ClaimFilter, check, claims_filtered
from qitong.arrears.models import Claim, ClaimTally, RepaymentTally
from qitong.arrears.states import ClaimState, RepaymentStatus
from qitong.directory.models import code_prefix

TALLIED = {"state", "kind", "level", "region", "region_exact", "overdue", "disputed"}
TALLIED |= {"litigation", "debtor"}
ZERO = Decimal(0)
BIG = DecimalField(max_digits=40, decimal_places=12)


def _scope(actor: Actor) -> QuerySet[ClaimTally] | None:
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return ClaimTally.objects.all()
    if actor.role == Role.SUPERVISOR:
        qs = ClaimTally.objects.all()
        prefix = actor.region_prefix
        return qs if prefix is None else qs.filter(region_code__startswith=prefix)
    return None  # departments and creditors read their own claims, not a region's


def tallies(actor: Actor, f: ClaimFilter) -> QuerySet[ClaimTally] | None:
    """The tally rows of the claims `f` selects (overdue aside), or None if it cannot say."""
    given = {x.name for x in fields(f) if getattr(f, x.name) not in ("", None)}
    if given - TALLIED:
        return None
    qs = _scope(actor)
    if qs is None:
        return None
    check(f)
    if f.state:
        group = STATE_GROUPS.get(f.state)
        qs = qs.filter(state__in=group) if group else qs.filter(state=f.state)
    if f.kind:
        qs = qs.filter(debtor_kind=f.kind)
    if f.level:
        qs = qs.filter(debtor_level=f.level)
    if f.region:
        qs = qs.filter(region_code__startswith=code_prefix(f.region))
    if f.region_exact:
        qs = qs.filter(region_code=f.region_exact)
    if f.disputed is not None:
        qs = qs.filter(has_dispute=f.disputed)
    if f.litigation is not None:
        qs = qs.filter(in_litigation=f.litigation)
    if f.debtor is not None:
        qs = qs.filter(debtor_id=f.debtor)
    return qs


def not_yet_due(actor: Actor, f: ClaimFilter, today: dt.date) -> QuerySet[Claim]:
    """Claims still owed whose due date has not passed (through the claims' index)."""
    return claims_filtered(actor, f.but(overdue=None)).filter(pk__in=_due_from(today)).order_by()


def _due_from(day: dt.date) -> Any:
    """The ids of the claims still owed and due on `day` or later, through the due-date
    index alone (few: the recent ones); the rest of a filter then narrows those rows, never
    the other way round (SQLite would otherwise walk a kind's or a state's whole index)."""
    return Claim.objects.filter(outstanding=True, due_on__gte=day).order_by().values("pk")


SUMS = ("owed", "repaid", "balance", "disputed_amount")


def _sums(qs: QuerySet[ClaimTally]) -> dict[str, Any]:
    row = qs.aggregate(
        t_n=Sum("n"),
        t_owed=Sum("owed"),
        t_repaid=Sum("repaid"),
        t_balance=Sum("balance"),
        t_disputed_amount=Sum("disputed_amount"),
    )
    return {k: row[f"t_{k}"] or 0 for k in ("n", *SUMS)}


def _claim_sums(qs: QuerySet[Claim]) -> dict[str, Any]:
    row = qs.order_by().aggregate(
        t_n=Count("pk"),
        t_owed=Sum("owed"),
        t_repaid=Sum("repaid"),
        t_balance=Sum("balance"),
        t_disputed_amount=Sum("disputed"),
    )
    return {k: row[f"t_{k}"] or 0 for k in ("n", *SUMS)}


def _minus(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {k: a[k] - b[k] for k in a}


def _plus(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {k: a[k] + b[k] for k in a}


def tallied_totals(actor: Actor, f: ClaimFilter, today: dt.date) -> dict[str, Any] | None:
    """The ledger's totals (as arrears.listing.totals), or None when the tally cannot say."""
    rows = tallies(actor, f)
    if rows is None:
        return None
    waiting = _claim_sums(not_yet_due(actor, f, today))
    owing = _sums(rows.filter(outstanding=True))
    overdue = _minus(owing, waiting)
    if f.overdue is True:
        chosen = overdue
    elif f.overdue is False:
        chosen = _plus(_sums(rows.filter(outstanding=False)), waiting)
    else:
        chosen = _sums(rows)
    if f.overdue is False:
        overdue = {k: 0 for k in overdue}
    out: dict[str, Any] = {"count": int(chosen["n"]), "overdue": int(overdue["n"])}
    for name, key in (
        ("owed", "owed"),
        ("repaid", "repaid"),
        ("balance", "balance"),
        ("disputed", "disputed_amount"),
    ):
        out[name] = f"{Decimal(chosen[key]):.2f}"
    out["overdue_balance"] = f"{Decimal(overdue['balance']):.2f}"
    return out


# --- today's KPIs ---------------------------------------------------------------------------


def interest_today(
    actor: Actor, f: ClaimFilter, rows: QuerySet[ClaimTally], day: dt.date
) -> Decimal:
    """Σ rate × balance × A + Σ rate × (paid_weighted − owed × due) over the rows, less the
    claims not due yet (they owe none), put right for a payment counting after `day`."""
    a = day.toordinal()
    agg = rows.aggregate(rb=Sum("r_balance"), rc=Sum("r_const"))
    total = Decimal(agg["rb"] or 0) * a + Decimal(agg["rc"] or 0)
    campaign = f.but(litigation=False)
    early = (
        claims_filtered(actor, campaign)
        .exclude(state=ClaimState.WRITTEN_OFF)
        .filter(pk__in=Claim.objects.filter(due_on__gte=day).order_by().values("pk"))
        .order_by()
    )
    term = ExpressionWrapper(
        F("daily_rate") * (F("balance") * Value(a) - F("owed") * F("due_day") + F("paid_weighted")),
        output_field=BIG,
    )
    total -= Decimal(early.aggregate(s=Sum(term))["s"] or 0)
    late = (
        claims_filtered(actor, campaign)
        .exclude(state=ClaimState.WRITTEN_OFF)
        .filter(due_day__lt=a, last_paid_day__gt=a)
        .order_by()
        .prefetch_related("repayments")
    )
    for c in late:
        formula = c.daily_rate * (c.balance * a - c.owed * c.due_day + c.paid_weighted)
        payments = [
            rules.Payment(dt.date.fromordinal(r.effective_day), r.amount)
            for r in c.repayments.all()
            if r.status != RepaymentStatus.REJECTED
        ]
        exact = rules.interest(
            owed=c.owed, due_on=c.due_on, rate=c.daily_rate, payments=payments, as_of=day
        )
        total += exact - formula
    return total.quantize(rules.CENT)


def histogram(actor: Actor, f: ClaimFilter) -> list[tuple[int, int]] | None:
    """(days overdue, repayments) of the campaign, or None for a county-sized region."""
    region = f.region_exact or f.region
    if region and len(code_prefix(region)) > 4:
        return None
    qs = RepaymentTally.objects.filter(campaign=True)
    prefix = actor.region_prefix if actor.role == Role.SUPERVISOR else None
    if prefix:
        qs = qs.filter(city__startswith=prefix[:4])
    if f.region_exact:
        qs = qs.filter(city=f.region_exact[:4])
    elif f.region:
        qs = qs.filter(city__startswith=code_prefix(f.region)[:4])
    if f.kind:
        qs = qs.filter(debtor_kind=f.kind)
    if f.level:
        qs = qs.filter(debtor_level=f.level)
    return [
        (int(d), int(n))
        for d, n in qs.values("days_overdue").annotate(s=Sum("n")).values_list("days_overdue", "s")
        if n
    ]


def region_key() -> Any:
    return Case(
        When(region_code__endswith="0000", then=F("region_code")),
        default=Substr("region_code", 1, 4),
    )


def grouped(rows: QuerySet[ClaimTally], key: Any) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in rows.annotate(group=key)
        .values("group")
        .annotate(n=Sum("n"), owed_sum=Sum("owed"), paid_sum=Sum("repaid"))
        .order_by("group")
    ]


def largest(rows: QuerySet[ClaimTally], top: int) -> list[dict[str, Any]]:
    found = (
        rows.values("debtor", "debtor__name")
        .annotate(n=Sum("n"), owed_sum=Sum("owed"), paid_sum=Sum("repaid"), left=Sum("balance"))
        .filter(left__gt=0)
        .order_by("-left", "debtor")[:top]
    )
    return [dict(r) for r in found]
