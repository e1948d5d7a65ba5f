"""The annual disclosure (条例第十八条): by 31 March each 机关 and 事业单位 publishes the number
and amount of its contracts with small and medium enterprises still overdue and unpaid at
the end of the past year; large enterprises report the same in their annual report. One
query per year, shared by the page, the API and the Excel export; each debtor's figure
drills down to its contracts.

A contract counts when the creditor was an SME at signing, it was signed by the year's end,
its statutory due date passed before the year's end, and a balance was left at the year's
end (owed less what was paid by then and not refused); a claim written off or closed before
the year's end does not count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Q, Sum

from qitong.accounts.actor import Actor
from qitong.arrears.models import Debtor, Repayment
from qitong.arrears.selectors import claims_visible_to
from qitong.arrears.states import PUBLIC_BODIES, DebtorKind, RepaymentStatus
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import LOCAL_TZ, local_today

MONEY_OUT = DecimalField(max_digits=26, decimal_places=2)


@dataclass
class DisclosureRow:
    debtor_id: int
    name: str
    credit_code: str
    kind: str
    kind_label: str
    publishes: str  # how it discloses: a public notice, or the annual report
    contracts: int = 0
    amount: Decimal = Decimal(0)
    claims: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Disclosure:
    year: int
    due_by: dt.date  # published by 31 March of the next year
    rows: list[DisclosureRow]

    @property
    def contracts(self) -> int:
        return sum(r.contracts for r in self.rows)

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal(0))


def check_year(year: int | None) -> int:
    today = local_today()
    if year is None:
        return today.year - 1
    if not 2000 <= year <= today.year:
        raise ValidationFailed(fields={"year": f"年度应在 2000 到 {today.year} 之间"})
    return year


def disclosure(actor: Actor, *, year: int | None = None, debtor: int | None = None) -> Disclosure:
    """Every debtor's count and amount; one debtor's (`debtor`) also lists its contracts."""
    year = check_year(year)
    year_end = dt.date(year, 12, 31)
    end = dt.datetime.combine(year_end + dt.timedelta(days=1), dt.time(0), LOCAL_TZ)
    qs = (
        claims_visible_to(actor)
        .filter(creditor_sme=True, signed_on__lte=year_end, due_on__lt=year_end)
        .exclude(Q(closed_at__lt=end))
    )
    if debtor is not None:
        if not Debtor.objects.filter(pk=debtor).exists():
            raise ValidationFailed(fields={"debtor": f"未知的债务人：{debtor}"})
        qs = qs.filter(debtor_id=debtor)
    # Left at the year's end = today's balance + what was paid after it (one grouped query;
    # a per-claim subquery over every claim would be read row by row).
    after = (
        Repayment.objects.filter(claim__in=qs.values("pk"), paid_on__gt=year_end)
        .exclude(status=RepaymentStatus.REJECTED)
        .order_by()
        .values("claim")
    )
    later = dict(after.annotate(s=Sum("amount")).values_list("claim", "s"))
    qs = qs.filter(Q(balance__gt=0) | Q(pk__in=after.values("claim")))
    if debtor is None:
        return Disclosure(year=year, due_by=dt.date(year + 1, 3, 31), rows=_summed(qs, later))
    rows: dict[int, DisclosureRow] = {}
    for claim in qs.select_related("debtor", "creditor").order_by("debtor__name", "due_on", "pk"):
        left = claim.balance + Decimal(later.get(claim.pk) or 0)
        if left <= 0:
            continue
        d = claim.debtor
        row = rows.get(d.pk)
        if row is None:
            row = rows[d.pk] = DisclosureRow(
                debtor_id=d.pk,
                name=d.name,
                credit_code=d.credit_code,
                kind=d.kind,
                kind_label=DebtorKind(d.kind).label,
                publishes="向社会公开" if d.kind in PUBLIC_BODIES else "纳入企业年度报告",
            )
        row.contracts += 1
        row.amount += left
        row.claims.append(
            {
                "id": claim.pk,
                "number": claim.number,
                "contract_number": claim.contract_number,
                "creditor": claim.creditor.name,
                "due_on": claim.due_on,
                "overdue_days": (year_end - claim.due_on).days,
                "amount": f"{left:.2f}",
            }
        )
    return Disclosure(year=year, due_by=dt.date(year + 1, 3, 31), rows=list(rows.values()))


def _summed(qs: Any, later: dict[int, Any]) -> list[DisclosureRow]:
    """Every debtor's figures from the claims' plain values (no contract list)."""
    sums: dict[int, list[Any]] = {}
    for pk, balance, debtor_id in (
        qs.order_by().values_list("pk", "balance", "debtor_id").iterator(chunk_size=5000)
    ):
        left = balance + Decimal(later.get(pk) or 0)
        if left > 0:
            found = sums.setdefault(debtor_id, [0, Decimal(0)])
            found[0] += 1
            found[1] += left
    debtors = Debtor.objects.filter(pk__in=qs.order_by().values("debtor_id")).order_by("name", "pk")
    return [
        DisclosureRow(
            debtor_id=d.pk,
            name=d.name,
            credit_code=d.credit_code,
            kind=d.kind,
            kind_label=DebtorKind(d.kind).label,
            publishes="向社会公开" if d.kind in PUBLIC_BODIES else "纳入企业年度报告",
            contracts=sums[d.pk][0],
            amount=sums[d.pk][1],
        )
        for d in debtors
        if d.pk in sums
    ]
