"""The claims ledger's filters, shared by the page, the API, the Excel export and every figure
of the statistics that drills down to its claims: one `ClaimFilter`, one queryset.

Every list reads through `claims_visible_to`, so a filter only narrows what the reader may
see. A bad value is named (the page beside its field, the API as a 422) and filters nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum

from qitong.accounts.actor import Actor
from qitong.arrears.models import Claim, parse_claim_number
from qitong.arrears.selectors import claims_visible_to
from qitong.arrears.states import (
    FINAL_STATES,
    OPEN_STATES,
    ClaimState,
    ContractKind,
    DebtorKind,
    DebtorLevel,
)
from qitong.core.errors import ValidationFailed
from qitong.core.workdays import local_today
from qitong.directory.models import code_prefix

STATE_GROUPS = {
    "open": OPEN_STATES,
    "final": FINAL_STATES,
    "live": frozenset(set(ClaimState) - {ClaimState.WRITTEN_OFF}),  # what the KPIs count
}


@dataclass(frozen=True)
class ClaimFilter:
    """Each field narrows the list; "" / None = not filtered."""

    state: str = ""  # a ClaimState, or "open" / "final"
    kind: str = ""  # the debtor's kind
    level: str = ""  # the debtor's level
    region: str = ""  # a region code (the debtor's region, its subtree)
    region_exact: str = ""  # that region alone (自治区本级 without the 盟市 below)
    contract_kind: str = ""
    overdue: bool | None = None  # open, a balance, past the statutory due date
    disputed: bool | None = None  # a disputed amount (or in a dispute state)
    litigation: bool | None = None
    amount_min: Decimal | None = None  # on the amount owed
    amount_max: Decimal | None = None
    debtor: int | None = None
    creditor: int | None = None
    batch: str = ""  # an import batch
    q: str = ""  # a number (QK2026-000123), a contract number or words of the debtor's name

    def query(self) -> str:
        """The filter as a query string (what a statistic's figure links to)."""
        pairs = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value in ("", None):
                continue
            pairs.append(
                (f.name, "true" if value is True else "false" if value is False else str(value))
            )
        return urlencode(pairs)

    def but(self, **changes: Any) -> ClaimFilter:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return ClaimFilter(**values)


def check(f: ClaimFilter) -> None:
    """Values the types cannot check (the API's Literal enums check the rest)."""
    errors = {}
    if f.state and f.state not in STATE_GROUPS and f.state not in ClaimState.values:
        errors["state"] = "状态应为：" + "、".join([*STATE_GROUPS, *ClaimState.values])
    if f.kind and f.kind not in DebtorKind.values:
        errors["kind"] = "债务人类型应为：" + "、".join(DebtorKind.values)
    if f.level and f.level not in DebtorLevel.values:
        errors["level"] = "债务人层级应为：" + "、".join(DebtorLevel.values)
    if f.contract_kind and f.contract_kind not in ContractKind.values:
        errors["contract_kind"] = "合同类型应为：" + "、".join(ContractKind.values)
    if f.region and not (f.region.isdigit() and 2 <= len(f.region) <= 6):
        errors["region"] = "区划代码应为 2 到 6 位数字"
    if f.region_exact and not (f.region_exact.isdigit() and len(f.region_exact) == 6):
        errors["region_exact"] = "区划代码应为 6 位数字"
    if f.amount_min is not None and f.amount_max is not None and f.amount_max < f.amount_min:
        errors["amount_max"] = "金额上限不能小于下限"
    if errors:
        raise ValidationFailed(fields=errors)


def overdue_q(today: dt.date) -> Q:
    """Still owed (an open state, a balance: the stored flag) and past the due date. On the
    day number, not the date: the date's index would lead SQLite to sort every overdue
    claim for a page of 50 instead of reading them in the list's order."""
    return Q(outstanding=True, due_day__lt=today.toordinal())


def narrowed(qs: QuerySet[Claim], f: ClaimFilter, today: dt.date | None = None) -> QuerySet[Claim]:
    check(f)
    today = today or local_today()
    if f.state:
        qs = (
            qs.filter(state__in=STATE_GROUPS[f.state])
            if f.state in STATE_GROUPS
            else qs.filter(state=f.state)
        )
    if f.kind:
        qs = qs.filter(debtor_kind=f.kind)
    if f.level:
        qs = qs.filter(debtor_level=f.level)
    if f.region:
        qs = qs.filter(region_code__startswith=code_prefix(f.region))
    if f.region_exact:
        qs = qs.filter(region_code=f.region_exact)
    if f.contract_kind:
        qs = qs.filter(contract_kind=f.contract_kind)
    if f.overdue is True:
        qs = qs.filter(overdue_q(today))
    elif f.overdue is False:
        qs = qs.exclude(overdue_q(today))
    disputed = Q(disputed__gt=0)
    if f.disputed is True:
        qs = qs.filter(disputed)
    elif f.disputed is False:
        qs = qs.exclude(disputed)
    if f.litigation is not None:
        qs = qs.filter(in_litigation=f.litigation)
    if f.amount_min is not None:
        qs = qs.filter(owed__gte=f.amount_min)
    if f.amount_max is not None:
        qs = qs.filter(owed__lte=f.amount_max)
    if f.debtor is not None:
        qs = qs.filter(debtor_id=f.debtor)
    if f.creditor is not None:
        qs = qs.filter(creditor_id=f.creditor)
    if f.batch:
        qs = qs.filter(import_batch=f.batch)
    text = f.q.strip()
    if text:
        pk = parse_claim_number(text)
        qs = (
            qs.filter(pk=pk)
            if pk is not None
            else qs.filter(Q(contract_number=text) | Q(debtor__name__contains=text))
        )
    return qs


def claims_filtered(actor: Actor, f: ClaimFilter) -> QuerySet[Claim]:
    return narrowed(claims_visible_to(actor), f)


def list_related(qs: QuerySet[Claim]) -> QuerySet[Claim]:
    return qs.select_related("debtor", "creditor")


def totals(qs: QuerySet[Claim], today: dt.date | None = None) -> dict[str, Any]:
    """The figures at the top of the ledger, in one query over the filtered set."""
    today = today or local_today()
    row = qs.order_by().aggregate(
        t_count=Count("pk"),
        t_owed=Sum("owed"),
        t_repaid=Sum("repaid"),
        t_balance=Sum("balance"),
        t_disputed=Sum("disputed"),
        t_overdue=Count("pk", filter=overdue_q(today)),
        t_overdue_balance=Sum("balance", filter=overdue_q(today)),
    )
    out: dict[str, Any] = {k: int(row[f"t_{k}"] or 0) for k in ("count", "overdue")}
    for k in ("owed", "repaid", "balance", "disputed", "overdue_balance"):
        out[k] = f"{Decimal(row[f't_{k}'] or 0):.2f}"
    return out


def ledger_totals(actor: Actor, f: ClaimFilter, today: dt.date | None = None) -> dict[str, Any]:
    """The totals of what `f` selects in the reader's scope: from the running tally where
    it can say (arrears.tallied), else from the claims."""
    from qitong.arrears.tallied import tallied_totals

    today = today or local_today()
    fast = tallied_totals(actor, f, today)
    return fast if fast is not None else totals(claims_filtered(actor, f), today)


def as_filter(data: dict[str, Any]) -> ClaimFilter:
    """From the API's query schema or the page's cleaned form."""
    names = {f.name for f in fields(ClaimFilter)}
    values = {k: v for k, v in data.items() if k in names and v not in (None, "")}
    return ClaimFilter(**values)
