"""The KPIs' running tally (arrears.models.ClaimTally, RepaymentTally): what one claim and its
repayments contribute, the difference an action makes, applied by adding in the same
transaction (core.upsert), and a rebuild from the claims (after a bulk load, or to check).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qitong.arrears.models import Claim, ClaimTally, Repayment, RepaymentTally
from qitong.arrears.states import OPEN_STATES, ClaimState, RepaymentStatus
from qitong.core.upsert import upsert_add

CLAIM_KEYS = [
    "debtor_id",
    "region_code",
    "debtor_kind",
    "debtor_level",
    "state",
    "in_litigation",
    "has_dispute",
    "outstanding",
]
CLAIM_VALUES = [
    "n",
    "owed",
    "repaid",
    "confirmed",
    "disputed_amount",
    "balance",
    "undisputed_owed",
    "undisputed_repaid",
    "r_balance",
    "r_const",
]
PAID_KEYS = ["city", "debtor_kind", "debtor_level", "campaign", "days_overdue"]
PAID_VALUES = ["n", "amount"]
ClaimKey = tuple[Any, ...]
Vector = tuple[Any, ...]


def is_outstanding(claim: Claim) -> bool:
    return claim.state in OPEN_STATES and claim.balance > 0


def claim_contribution(c: Claim) -> dict[ClaimKey, Vector]:
    if c.pk is None:
        return {}
    key = (
        c.debtor_id,
        c.region_code,
        c.debtor_kind,
        c.debtor_level,
        c.state,
        c.in_litigation,
        c.disputed > 0,
        is_outstanding(c),
    )
    undisputed = max(Decimal(0), c.owed - c.disputed)
    vector = (
        1,
        c.owed,
        c.repaid,
        c.confirmed,
        c.disputed,
        c.balance,
        undisputed,
        min(c.repaid, undisputed),
        c.daily_rate * c.balance,
        c.daily_rate * (c.paid_weighted - c.owed * c.due_day),
    )
    return {key: vector}


Paid = dict[tuple[Any, ...], Any]


def paid_contribution(c: Claim) -> Paid:
    """(key, "n" | "amount") → the count and amount of the claim's repayments that count,
    by days overdue."""
    out: Paid = {}
    if c.pk is None:
        return out
    campaign = not c.in_litigation and c.state != ClaimState.WRITTEN_OFF
    rows = (
        Repayment.objects.filter(claim_id=c.pk)
        .exclude(status=RepaymentStatus.REJECTED)
        .values_list("days_overdue", "amount")
    )
    for days, amount in rows:
        key = (c.region_code[:4], c.debtor_kind, c.debtor_level, campaign, days)
        out[(*key, "n")] = out.get((*key, "n"), 0) + 1
        out[(*key, "amount")] = out.get((*key, "amount"), Decimal(0)) + amount
    return out


def claim_apply(before: dict[ClaimKey, Vector], after: dict[ClaimKey, Vector]) -> None:
    rows = []
    for key in sorted(set(before) | set(after), key=str):
        old = before.get(key) or (0,) * len(CLAIM_VALUES)
        new = after.get(key) or (0,) * len(CLAIM_VALUES)
        delta = tuple(b - a for a, b in zip(old, new, strict=True))
        if any(delta):
            rows.append((*key, *delta))
    upsert_add(ClaimTally._meta.db_table, CLAIM_KEYS, CLAIM_VALUES, rows)


def paid_apply(before: Paid, after: Paid) -> None:
    keys = {k[:-1] for k in (*before, *after)}
    rows = []
    for key in sorted(keys, key=str):
        n = after.get((*key, "n"), 0) - before.get((*key, "n"), 0)
        amount = after.get((*key, "amount"), 0) - before.get((*key, "amount"), 0)
        if n or amount:
            rows.append((*key, n, amount))
    upsert_add(RepaymentTally._meta.db_table, PAID_KEYS, PAID_VALUES, rows)


def tally_rebuild() -> int:
    """Recount everything from the claims and repayments; returns the rows written."""
    ClaimTally.objects.all().delete()
    RepaymentTally.objects.all().delete()
    claims: dict[ClaimKey, list[Any]] = {}
    meta: dict[int, tuple[Any, ...]] = {}
    for c in Claim.objects.all().iterator(chunk_size=5000):
        for key, vector in claim_contribution(c).items():
            found = claims.setdefault(key, [0] * len(CLAIM_VALUES))
            for i, v in enumerate(vector):
                found[i] += v
        campaign = not c.in_litigation and c.state != ClaimState.WRITTEN_OFF
        meta[c.pk] = (c.region_code[:4], c.debtor_kind, c.debtor_level, campaign)
    paid: dict[tuple[Any, ...], list[Any]] = {}
    rows = (
        Repayment.objects.exclude(status=RepaymentStatus.REJECTED)
        .values_list("claim_id", "days_overdue", "amount")
        .iterator(chunk_size=5000)
    )
    for claim_id, days, amount in rows:
        key = (*meta[claim_id], days)
        found = paid.setdefault(key, [0, Decimal(0)])
        found[0] += 1
        found[1] += amount
    ClaimTally.objects.bulk_create(
        (
            ClaimTally(
                **dict(zip(CLAIM_KEYS, key, strict=True)), **dict(zip(CLAIM_VALUES, v, strict=True))
            )
            for key, v in claims.items()
        ),
        batch_size=2000,
    )
    RepaymentTally.objects.bulk_create(
        (
            RepaymentTally(**dict(zip(PAID_KEYS, key, strict=True)), n=v[0], amount=v[1])
            for key, v in paid.items()
        ),
        batch_size=2000,
    )
    return len(claims) + len(paid)
