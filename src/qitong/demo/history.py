"""A year of hotline history for the demo's dashboards: a few thousand tickets across the
盟市, departments, types, channels and outcomes, written by the bench seeder's writer
(qitong.seeding: each ticket's whole life with a valid ledger chain, SLA deadlines from the
real policies, some late, extended, redone or dissatisfied), then the rollup rebuilt."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

from qitong.demo.tickets import KEY
from qitong.tickets.models import Ticket

DEFAULT_HISTORY = 3000


def load_demo_history(n: int, out: Callable[[str], object] = print) -> int:
    """Seed `n` past tickets once (none if any ticket other than the staged appeals exists:
    the demo never adds to real work); returns how many were made."""
    if n <= 0 or Ticket.objects.exclude(idempotency_key__startswith=KEY).exists():
        return 0
    from qitong.seeding.run import seed_tickets

    out(f"正在生成过去一年的 {n:,} 张历史工单（统计看板用）…")
    # planner statistics after the load, unless inside a transaction (a test), where
    # PostgreSQL refuses VACUUM
    analyze = not connection.in_atomic_block
    report = seed_tickets(
        tickets=n, enterprises=0, workers=0, analyze=analyze, fast_load=False, out=lambda _: None
    )
    return report.tickets
