"""The running tally (arrears.tally) gives the same totals and KPIs as the claims themselves,
for every scope and filter it answers, after every kind of action (repayments confirmed and
refused, a bill maturing after today, disputes, litigation, a write-off, a correction, a
claim not yet due); a rebuild gives the same rows as the running sums."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import pytest

from qitong.accounts.actor import actor_of
from qitong.accounts.roles import Role
from qitong.arrears.listing import ClaimFilter, claims_filtered, ledger_totals, totals
from qitong.arrears.models import ClaimTally, RepaymentTally
from qitong.arrears.stats import _from_tally, arrears_stats
from qitong.arrears.tallied import tallied_totals
from qitong.arrears.tally import tally_rebuild
from qitong.core.workdays import local_today
from tests.arrears_factories import Books, books
from tests.factories import World, user

pytestmark = pytest.mark.django_db


def build(b: Books) -> None:
    for state in ("registered", "verified", "planned", "partly_repaid", "repaid", "closed"):
        b.reach(state, contract={"number": f"S-{state}"})
    b.reach("disputed", contract={"number": "S-d"})
    b.reach("litigation", contract={"number": "S-l"})
    b.reach("written_off", contract={"number": "S-w"})
    soon = (local_today() - dt.timedelta(days=3)).isoformat()
    b.create(contract={"number": "S-new", "delivered_on": soon}, owed="50000")  # not due yet
    bill = b.create(contract={"number": "S-bill", "non_cash_agreed": True})
    later = (local_today() + dt.timedelta(days=60)).isoformat()
    b.repay(bill, "1000000", paid_on="2025-09-05", method="bill", matures_on=later)
    refused = b.repay(b.create(contract={"number": "S-r"}, owed="70000"), "70000")
    b.act(
        refused,
        "reject_repayment",
        b.creditor,
        repayment=b.last_repayment(refused).pk,
        reason="未收到",
    )
    fixed = b.create(contract={"number": "S-c"}, owed="90000")
    b.act(fixed, "correct", owed="80000", reason="录入错误")


FILTERS = [
    ClaimFilter(),
    ClaimFilter(overdue=True),
    ClaimFilter(overdue=False),
    ClaimFilter(state="open"),
    ClaimFilter(state="closed"),
    ClaimFilter(kind="organ", level="county"),
    ClaimFilter(region="150100"),
    ClaimFilter(region="150102"),
    ClaimFilter(region_exact="150102"),
    ClaimFilter(disputed=True),
    ClaimFilter(litigation=False, overdue=True),
]


def test_totals_and_kpis_from_the_tally_equal_the_claims(world: World) -> None:
    b = books(world)
    build(b)
    region_office = user("region_office", Role.SUPERVISOR)
    readers = [actor_of(u) for u in (b.office, region_office, world.users["admin"])]
    today = local_today()
    for actor in readers:
        for f in FILTERS:
            assert tallied_totals(actor, f, today) is not None  # the tally answers this one
            assert ledger_totals(actor, f) == totals(claims_filtered(actor, f), today), (
                actor.role,
                f,
            )
        for base in (ClaimFilter(), ClaimFilter(region="150100"), ClaimFilter(kind="organ")):
            assert _from_tally(actor, base, today, 10) is not None
            fast = asdict(arrears_stats(actor, base=base))
            raw = asdict(arrears_stats(actor, base=base, use_tally=False))
            assert fast == raw, (actor.role, base)


def test_a_rebuild_gives_the_running_rows(world: World) -> None:
    build(books(world))

    def rows() -> tuple[Any, Any]:
        claims = sorted(
            (tuple(str(v) for v in r) for r in ClaimTally.objects.values_list(
                "debtor_id", "region_code", "debtor_kind", "state", "in_litigation",
                "has_dispute", "outstanding", "n", "owed", "repaid", "balance",
                "undisputed_owed", "undisputed_repaid",
            ) if r[7]),
        )  # fmt: skip
        paid = sorted(
            tuple(str(v) for v in r)
            for r in RepaymentTally.objects.values_list(
                "city", "campaign", "days_overdue", "n", "amount"
            )
            if r[3]
        )
        return claims, paid

    running = rows()
    tally_rebuild()
    assert rows() == running
    assert running[0] and running[1]


def test_a_past_day_after_the_last_change_reads_as_today(world: World) -> None:
    """The past-day path (each claim's payments by then, summed in Python) agrees with the
    claims' stored figures when nothing happened since."""
    build(books(world))
    actor = actor_of(world.users["admin"])
    yesterday = local_today() - dt.timedelta(days=1)
    past = asdict(arrears_stats(actor, as_of=yesterday))
    now = asdict(arrears_stats(actor, use_tally=False))
    for key in ("as_of", "interest", "overdue_claims", "overdue_balance"):
        past.pop(key), now.pop(key)  # a day's interest and what fell due today differ
    assert past == now
