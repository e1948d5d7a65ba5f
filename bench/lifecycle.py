"""What one ticket's life costs, step by step, in-process: the seven requests of the loop
(create, dispatch, sign, remind, reply, accept the reply, call back) through the API with token
auth, as the desk and the department make them. Prints CPU ms, wall ms and SQL statements per
step and per ticket; no HTTP, no other clients (bench/load.py measures under load).

    python bench/lifecycle.py --tickets 200        # on var/bench.sqlite3 or DATABASE_URL
    python bench/lifecycle.py --json               # also save bench/results/lifecycle-*.json

Needs a seeded bench database (python bench/seed.py).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, database_url, describe, setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="一张工单七个请求的逐步开销（进程内）")
    parser.add_argument("--tickets", type=int, default=200, help="计时的工单数（默认 200）")
    parser.add_argument("--warmup", type=int, default=10, help="预热的工单数（默认 10）")
    parser.add_argument("--json", action="store_true", help="另存为 bench/results/lifecycle-*.json")
    parser.add_argument("--show-sql", action="store_true", help="打印最后一张工单每步的 SQL")
    parser.add_argument("--profile", metavar="STEP", help="只对这一步做 cProfile，打印热点")
    args = parser.parse_args(argv)
    url = database_url()
    setup_django()
    logging.disable(logging.INFO)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load import LIFECYCLE, lifecycle_actions, lifecycle_create, prepare
    from qitong.directory.models import Department

    rng = random.Random(1)
    fx = prepare(rng, samples=500)
    Department.objects.filter(pk=fx.inbox_department).update(reply_needs_signoff=False)
    clients = {name: Client(HTTP_AUTHORIZATION=f"Bearer {t}") for name, t in fx.tokens.items()}
    cpu: dict[str, list[float]] = defaultdict(list)
    wall: dict[str, list[float]] = defaultdict(list)
    sql: dict[str, list[int]] = defaultdict(list)
    last: dict[str, list[str]] = {}

    profiler = cProfile.Profile() if args.profile else None

    def call(step: str, who: str, path: str, body: dict[str, Any], keep: bool) -> dict[str, Any]:
        connection.queries_log.clear()  # it keeps 9,000 at most: count each request alone
        profiling = profiler is not None and keep and step == args.profile
        with CaptureQueriesContext(connection) as queries:
            if profiling:
                profiler.enable()
            w, c = time.perf_counter(), time.process_time()
            response = clients[who].post(path, data=body, content_type="application/json")
            c, w = time.process_time() - c, time.perf_counter() - w
            if profiling:
                profiler.disable()
        assert response.status_code in (200, 201), (step, response.status_code, response.content)
        if keep:
            cpu[step].append(c * 1000)
            wall[step].append(w * 1000)
            sql[step].append(len(queries))
            last[step] = [q["sql"] for q in queries.captured_queries]
        result: dict[str, Any] = response.json()
        return result

    def one(keep: bool) -> None:
        ticket = call("create", "operator", "/api/v1/tickets", lifecycle_create(fx, rng), keep)
        act = f"/api/v1/tickets/{ticket['id']}/actions/"
        for name, user, body in lifecycle_actions(fx):
            call(name, user, act + name, body, keep)

    for _ in range(args.warmup):
        one(False)
    for _ in range(args.tickets):
        one(True)

    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"qitong|django/db", 45)
    if args.show_sql:
        for step, statements in last.items():
            print(f"--- {step}: {len(statements)}")
            for statement in statements:
                print(
                    "   ",
                    statement if "QITONG_FULL_SQL" in __import__("os").environ else statement[:220],
                )
    print(f"数据库：{describe(url)}；{args.tickets} 张工单，每张 7 个请求（进程内，令牌认证）")
    print(f"{'步骤':<14}{'CPU ms':>9}{'墙钟 ms':>10}{'p99 ms':>9}{'SQL 条数':>10}")
    rows = {}
    for step in LIFECYCLE:
        p99 = sorted(wall[step])[int(len(wall[step]) * 0.99) - 1] if wall[step] else 0.0
        rows[step] = {
            "cpu_ms": round(statistics.fmean(cpu[step]), 2),
            "wall_ms": round(statistics.fmean(wall[step]), 2),
            "wall_p99_ms": round(p99, 2),
            "sql": round(statistics.fmean(sql[step]), 1),
        }
        r = rows[step]
        print(
            f"{step:<16}{r['cpu_ms']:>9.1f}{r['wall_ms']:>10.1f}{r['wall_p99_ms']:>9.1f}{r['sql']:>10.1f}"
        )
    total = {k: round(sum(r[k] for r in rows.values()), 1) for k in ("cpu_ms", "wall_ms", "sql")}
    print(
        f"{'每张工单合计':<12}{total['cpu_ms']:>9.1f}{total['wall_ms']:>10.1f}{'':>9}{total['sql']:>10.1f}"
    )
    if args.json:
        out = (
            REPO
            / "bench"
            / "results"
            / f"lifecycle-{connection.vendor}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        )
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps({"steps": rows, "total": total, "tickets": args.tickets}, indent=2)
        )
        print(f"结果已保存：{out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
