"""Ticket search at scale: each kind of query (QT number, credit code, phone, common and rare
words, an enterprise name) as the actors who search — a city desk's operator, a department
handler, an administrator — in-process through `tickets.search.ticket_search` and a page of 25,
timed per call (wall), with p50/p95/max.

    python bench/search.py                  # var/bench.sqlite3, or DATABASE_URL
    python bench/search.py --repeat 30

Runs against the bench database seeded by bench/seed.py (its tickets carry search_words).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, describe, setup_django

PAGE = 25


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="工单检索：各类查询在大数据量下的耗时")
    parser.add_argument("--repeat", type=int, default=20, help="每类查询的次数（默认 20）")
    args = parser.parse_args(argv)
    url = database_url()
    setup_django()
    from qitong.accounts.actor import actor_of
    from qitong.accounts.models import User
    from qitong.accounts.roles import Role
    from qitong.enterprises.models import Contact
    from qitong.tickets.models import Ticket
    from qitong.tickets.search import ticket_search

    rng = random.Random(7)
    total = Ticket.objects.count()
    print(f"工单检索基准：{describe(url)}，共 {total} 张工单")
    sample = list(
        Ticket.objects.order_by("?" if total < 50000 else "pk").values(
            "number", "enterprise__credit_code", "enterprise__name", "contact_phone"
        )[:2000]
    )
    phones = list(Contact.objects.values_list("phone", flat=True)[:2000])
    actors = {
        "operator": User.objects.filter(role=Role.OPERATOR, desk__isnull=False)
        .order_by("pk")
        .last(),
        "handler": User.objects.filter(role=Role.HANDLER, department__isnull=False).first(),
        "admin": User.objects.filter(role=Role.ADMIN).first(),
    }
    queries = {
        "number": lambda: rng.choice(sample)["number"],
        "credit_code": lambda: rng.choice(sample)["enterprise__credit_code"],
        "phone": lambda: rng.choice(phones or [s["contact_phone"] for s in sample]),
        "common_word": lambda: rng.choice(["申请", "企业", "办理"]),
        "two_words": lambda: rng.choice(["营业执照 变更", "增容 用电", "社保 补贴", "拖欠 账款"]),
        "rare_word": lambda: rng.choice(["勘察", "排队", "扩岗", "见习"]),
        "name": lambda: rng.choice(sample)["enterprise__name"][:6],
    }
    print(f"{'查询':<12}{'角色':<10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'命中(页)':>10}")
    for role, user in actors.items():
        if user is None:
            continue
        actor = actor_of(user)
        for kind, make in queries.items():
            times, hits = [], 0
            for _ in range(args.repeat):
                q = make()
                start = time.perf_counter()
                page = list(
                    ticket_search(actor=actor, user=user, q=q).select_related(
                        "enterprise", "category", "lead_department"
                    )[:PAGE]
                )
                times.append((time.perf_counter() - start) * 1000)
                hits += len(page)
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            print(
                f"{kind:<12}{role:<10}{statistics.median(times):>9.1f}{p95:>9.1f}"
                f"{times[-1]:>9.1f}{hits / args.repeat:>10.1f}"
            )


if __name__ == "__main__":
    main()
