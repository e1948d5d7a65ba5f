"""Excel export at scale: the whole ticket list (every row the reader may see) written by
tickets.exports in a child process, timed, with the child's peak resident memory — run for
two sizes to show the memory does not grow with the rows.

    python bench/export.py                       # all tickets, and the first 10,000
    python bench/export.py --rows 1000000 --rows 10000

Runs against the bench database seeded by bench/seed.py.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, describe, setup_django


def child(rows: int) -> None:
    """Export `rows` tickets (0: all) as the administrator into a temporary file."""
    setup_django()
    from qitong.accounts.actor import actor_of
    from qitong.accounts.models import User
    from qitong.accounts.roles import Role
    from qitong.tickets.exports import export_tickets
    from qitong.tickets.listing import ticket_list

    user = User.objects.filter(role=Role.ADMIN).first()
    assert user is not None
    actor = actor_of(user)
    qs = ticket_list(user=user, actor=actor, filters={"sort": "created"})
    if rows:
        qs = qs[:rows]
    started = time.perf_counter()
    out, count = export_tickets(qs, user=user, actor=actor, title="压测导出", filters={})
    seconds = time.perf_counter() - started
    size = os.fstat(out.fileno()).st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RESULT {count} {seconds:.1f} {size} {peak:.0f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="工单导出：大数据量下的耗时与峰值内存")
    parser.add_argument("--rows", type=int, action="append", help="导出行数（0 为全部；可多次）")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        child(args.child)
        return
    url = database_url()
    print(f"工单导出基准：{describe(url)}")
    print(f"{'行数':>10}{'耗时 s':>9}{'行/秒':>10}{'文件 MB':>10}{'峰值内存 MB':>13}")
    for rows in args.rows or [10000, 0]:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(rows)],
            capture_output=True, text=True, check=True, env=os.environ,
        )  # fmt: skip
        line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
        _, count, seconds, size, peak = line.split()
        rate = int(count) / max(float(seconds), 0.001)
        print(
            f"{int(count):>10,}{float(seconds):>9.1f}{rate:>10,.0f}{int(size) / 1e6:>10.1f}{float(peak):>13.0f}"
        )


if __name__ == "__main__":
    main()
