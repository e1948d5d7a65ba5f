"""Where a request's time goes, without HTTP and without other clients: each benchmarked
endpoint called in-process (Django test client, the same middleware and auth), with its SQL
(and EXPLAIN ANALYZE of the slowest statement), wall and CPU time per request, and optionally
a cProfile of the Python side.

    python bench/endpoint_profile.py                    # every endpoint
    python bench/endpoint_profile.py inbox --cprofile   # one endpoint, with the top functions

Runs against the bench database (DATABASE_URL or var/bench.sqlite3); creates tickets when
profiling `create`.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, describe, setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="逐个接口在进程内剖析：SQL、耗时与 Python 热点")
    parser.add_argument(
        "endpoints", nargs="*", help="create inbox detail appeals lookup（默认全部）"
    )
    parser.add_argument("--repeat", type=int, default=50, help="计时的请求次数（默认 50）")
    parser.add_argument("--cprofile", action="store_true", help="打印 cProfile 的前 30 个函数")
    parser.add_argument(
        "--no-explain", action="store_true", help="不对最慢的语句做 EXPLAIN ANALYZE"
    )
    args = parser.parse_args(argv)
    url = database_url()
    setup_django()
    logging.disable(logging.INFO)  # django-q announces every enqueued job
    from django.db import connection
    from django.test import Client

    from bench.load import prepare, requests_for

    rng = random.Random(time.time())
    fx = prepare(rng, samples=1000)
    plans = requests_for(fx)
    print(f"数据库：{describe(url)}；工单 {fx.tickets:,} 张")
    for name in args.endpoints or list(plans):
        user, make, expect = plans[name]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {fx.tokens[user]}")

        def one(client: Client = client, make: Any = make, expect: int = expect) -> None:
            method, path, body, headers = make(rng)
            extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
            if method == "GET":
                response = client.get(path, **extra)
            else:
                response = client.post(path, data=body, content_type="application/json", **extra)
            assert response.status_code == expect, (response.status_code, response.content[:300])

        for _ in range(5):
            one()
        connection.force_debug_cursor = True
        connection.queries_log.clear()
        one()
        queries = list(connection.queries)
        connection.force_debug_cursor = False
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.repeat):
            one()
        wall = (time.perf_counter() - wall) / args.repeat * 1000
        cpu = (time.process_time() - cpu) / args.repeat * 1000
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        print(
            f"\n=== {name}：每次 {wall:.1f} ms（本进程 CPU {cpu:.1f} ms），{len(queries)} 条 SQL，SQL 计 {sql_ms:.1f} ms"
        )
        for q in queries:
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")
        slowest = max(queries, key=lambda q: float(q["time"]), default=None)
        if slowest and not args.no_explain and slowest["sql"].lstrip().upper().startswith("SELECT"):
            explain(connection, slowest["sql"])
        if args.cprofile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(20):
                one()
            profile.disable()
            stats = pstats.Stats(profile)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(25)


def explain(connection: Any, sql: str) -> None:
    """EXPLAIN ANALYZE of a logged statement (parameters are already inlined in the log)."""
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    print("  最慢语句的执行计划：")
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        for row in cursor.fetchall():
            print("    " + " ".join(str(c) for c in row))


if __name__ == "__main__":
    main()
