"""Seeding N tickets in chunks: creation times for all of them first (sorted, so ids and
numbers grow with time as in production), then chunks of stories generated in worker
processes and written by this process, one transaction per chunk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import chinese_calendar
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ, WorkCalendar
from qitong.seeding import bulkload, reference, writer
from qitong.seeding.distributions import P_DUPLICATE
from qitong.seeding.lifecycle import live
from qitong.seeding.story import SUBJECT, Result
from qitong.seeding.world import Deadlines, World
from qitong.tickets.models import Ticket, TicketCounter
from qitong.tickets.rollup import rollup_rebuild

Out = Callable[[str], None]
DAY = 86400
UTC8 = 8 * 3600  # Asia/Shanghai has no daylight saving: local day = (ts + 8 h) // 1 day
# Calls per local hour (0-23): a 7x24 hotline that is busiest in office hours.
HOUR_WEIGHTS = (
    *(0.15, 0.1, 0.08, 0.06, 0.06, 0.1, 0.2, 0.45, 0.9, 1.6, 1.7, 1.6),
    *(1.0, 0.9, 1.5, 1.6, 1.5, 1.3, 0.8, 0.55, 0.5, 0.4, 0.3, 0.2),
)


@dataclass
class ChunkSpec:
    index: int
    first_id: int
    times: list[float]  # epoch seconds, sorted
    numbers: list[str]
    demo_positions: frozenset[int]  # offsets in this chunk filed by the demo enterprise
    seed: str


@dataclass
class ChunkOut:
    index: int
    data: dict[str, Any]  # table name → encoded rows
    tickets: int = 0
    events: int = 0
    states: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    departments: Counter[int] = field(default_factory=Counter)
    events_per_ticket: Counter[int] = field(default_factory=Counter)
    demo_enterprise: int = 0


@dataclass
class SeedReport:
    tickets: int = 0
    events: int = 0
    seconds: float = 0.0
    states: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    departments: Counter[int] = field(default_factory=Counter)
    events_per_ticket: Counter[int] = field(default_factory=Counter)
    demo_enterprise: int = 0
    write_seconds: float = 0.0  # of `seconds`, spent writing (COPY / INSERT and commit)


# --- worker side -------------------------------------------------------------------------

_WORLD: World | None = None
_DEADLINES: Deadlines | None = None
_VENDOR = ""


def _init_worker(world: World, vendor: str) -> None:
    global _WORLD, _DEADLINES, _VENDOR
    _WORLD, _VENDOR = world, vendor
    _DEADLINES = Deadlines(world.policies, WorkCalendar(world.overrides))


def generate(spec: ChunkSpec) -> ChunkOut:
    """Live every story of a chunk and encode its rows (no database access)."""
    world, deadlines = _WORLD, _DEADLINES
    assert world is not None and deadlines is not None
    rng = random.Random(spec.seed)  # nosec B311 # generated data, not security
    results: list[Result] = []
    previous: Result | None = None
    for offset, (ts, number) in enumerate(zip(spec.times, spec.numbers, strict=True)):
        duplicate = previous is not None and rng.random() < P_DUPLICATE
        if offset in spec.demo_positions and world.demo_enterprise is not None:
            enterprise = world.enterprises[world.demo_enterprise]
            duplicate = False
        elif duplicate and previous is not None:
            enterprise = world.enterprises_by_id[previous.ticket["enterprise_id"]]
        else:
            enterprise = world.pick_enterprise(rng.random())
        previous = live(
            world,
            deadlines,
            rng,
            ticket_id=spec.first_id + offset,
            number=number,
            created_at=dt.datetime.fromtimestamp(ts, dt.UTC),
            enterprise=enterprise,
            duplicate_of=previous if duplicate else None,
        )
        results.append(previous)
    return _encode(spec.index, results, world)


def _encode(index: int, results: list[Result], world: World) -> ChunkOut:
    events: list[dict[str, Any]] = []
    out = ChunkOut(index, {})
    for result in results:
        chain = [
            writer.ChainEvent(
                e.at,
                e.action,
                e.actor.id,
                e.actor.display,
                e.actor.role,
                e.from_state,
                e.to_state,
                e.payload,
            )
            for e in result.events
        ]
        events += writer.chain_rows(SUBJECT, str(result.ticket["id"]), chain)
        out.states[result.ticket["state"]] += 1
        out.types[result.ticket["type"]] += 1
        out.events_per_ticket[len(chain)] += 1
        if result.ticket["lead_department_id"]:
            out.departments[result.ticket["lead_department_id"]] += 1
        if (
            world.demo_enterprise is not None
            and result.ticket["enterprise_id"] == world.enterprises[world.demo_enterprise].id
        ):
            out.demo_enterprise += 1
    out.tickets, out.events = len(results), len(events)
    out.data = {
        writer.TICKET.name: writer.TICKET.encode(_VENDOR, (r.ticket for r in results)),
        writer.ASSIGNMENT.name: writer.ASSIGNMENT.encode(
            _VENDOR, (a for r in results for a in r.assignments)
        ),
        writer.DECISION.name: writer.DECISION.encode(
            _VENDOR, (d for r in results for d in r.decisions)
        ),
        writer.EVENT.name: writer.EVENT.encode(_VENDOR, events),
    }
    return out


# --- main side ---------------------------------------------------------------------------


def creation_times(n: int, now: dt.datetime, rng: random.Random, *, span: int = 365) -> list[float]:
    """n creation moments over the `span` days up to `now` (a year by default), sorted:
    fewer on weekends and holidays (chinese-calendar), more in office hours, slowly growing."""
    today = now.astimezone(LOCAL_TZ).date()
    now_ts = now.timestamp()
    days = [today - dt.timedelta(days=span - 1 - i) for i in range(span)]
    weights = []
    for i, day in enumerate(days):
        try:
            workday = chinese_calendar.is_workday(day)
        except NotImplementedError:
            workday = day.weekday() < 5
        weights.append((1.0 if workday else 0.3) * (0.75 + 0.5 * i / max(1, span - 1)))
    starts = [dt.datetime.combine(d, dt.time(0), LOCAL_TZ).timestamp() for d in days]
    day_pick = rng.choices(range(span), weights=weights, k=n)
    hour_pick = rng.choices(range(24), weights=HOUR_WEIGHTS, k=n)
    times = []
    for d, h in zip(day_pick, hour_pick, strict=True):
        ts = starts[d] + h * 3600 + rng.random() * 3600
        while ts >= now_ts - 1:  # not yet happened today: draw again (rejection sampling)
            d = rng.choices(range(span), weights=weights)[0]
            h = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            ts = starts[d] + h * 3600 + rng.random() * 3600
        times.append(ts)
    times.sort()
    return times


def ticket_numbers(times: list[float]) -> tuple[list[str], dict[dt.date, int]]:
    """QT + local yyyymmdd + per-day sequence, continuing each day's TicketCounter; returns
    the numbers and the last sequence used per day."""
    counters = dict(TicketCounter.objects.values_list("day", "last"))
    numbers = []
    used: dict[dt.date, int] = {}
    labels: dict[int, tuple[dt.date, str]] = {}
    for ts in times:
        day = int((ts + UTC8) // DAY)
        if day not in labels:
            date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
            labels[day] = (date, f"QT{date:%Y%m%d}")
            used[date] = counters.get(date, 0)
        date, label = labels[day]
        used[date] += 1
        numbers.append(f"{label}{used[date]:06d}")
    return numbers, used


def _chunks(
    n: int,
    times: list[float],
    numbers: list[str],
    first_id: int,
    demo: set[int],
    size: int,
    seed: int,
) -> Iterator[ChunkSpec]:
    for index, start in enumerate(range(0, n, size)):
        stop = min(n, start + size)
        yield ChunkSpec(
            index,
            first_id + start,
            times[start:stop],
            numbers[start:stop],
            frozenset(p - start for p in demo if start <= p < stop),
            f"{seed}-chunk-{start}",
        )


def demo_enterprise_share(n: int) -> int:
    """How many tickets the demo `enterprise` account's enterprise files: a few hundred."""
    return min(300, n // 50)


def seed_tickets(
    *,
    tickets: int,
    enterprises: int,
    seed: int = 12345,
    chunk: int = 5000,
    workers: int = 0,
    analyze: bool = True,
    fast_load: bool = True,
    days: int = 365,
    out: Out = print,
) -> SeedReport:
    """Seed `tickets` tickets (after making sure the reference data is there). The database
    must be migrated and the demo loaded. workers=0 generates in this process; fast_load
    (PostgreSQL only) drops the secondary indexes and constraints of the four bulk tables
    while loading and rebuilds them after (qitong.seeding.bulkload)."""
    now = clock.now()
    reference.ensure_accounts(out)
    reference.ensure_enterprises(enterprises, out)
    world = reference.build_world(now)
    rng = random.Random(f"{seed}-times")  # nosec B311 # generated data, not security
    times = creation_times(tickets, now, rng, span=days)
    numbers, used = ticket_numbers(times)
    first_id = (Ticket.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    demo = (
        set(rng.sample(range(tickets), demo_enterprise_share(tickets)))
        if world.demo_enterprise is not None
        else set()
    )
    specs = _chunks(tickets, times, numbers, first_id, demo, chunk, seed)
    report = SeedReport()
    started = time.perf_counter()  # the ticket phase; reference data is timed by the caller
    out(f"  工单：生成 {tickets:,} 张（{max(1, workers)} 个生成进程，每批 {chunk:,} 张）")
    bulk = fast_load and connection.vendor == "postgresql"
    tables = tuple(t.name for t in writer.TABLES)
    with bulkload.without_indexes(tables, out) if bulk else contextlib.nullcontext():
        for result in _generated(specs, world, workers):
            began = time.perf_counter()
            with transaction.atomic():
                for table in writer.TABLES:
                    writer.write(table, result.data[table.name])
            report.write_seconds += time.perf_counter() - began
            _add(report, result)
            _progress(report, tickets, started, out)
    report.seconds = time.perf_counter() - started  # generation and writing, indexes rebuilt
    _finish(used, analyze, out)
    return report


def _generated(specs: Iterator[ChunkSpec], world: World, workers: int) -> Iterator[ChunkOut]:
    vendor = connection.vendor
    if workers <= 0:
        _init_worker(world, vendor)
        yield from map(generate, specs)
        return
    connection.close()  # the forked workers must not share this connection
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_init_worker, initargs=(world, vendor)) as pool:
        yield from pool.imap(generate, specs, chunksize=1)


def _add(report: SeedReport, result: ChunkOut) -> None:
    report.tickets += result.tickets
    report.events += result.events
    report.states.update(result.states)
    report.types.update(result.types)
    report.departments.update(result.departments)
    report.events_per_ticket.update(result.events_per_ticket)
    report.demo_enterprise += result.demo_enterprise


_last_progress = [0.0]


def _progress(report: SeedReport, total: int, started: float, out: Out) -> None:
    now = time.perf_counter()
    if now - _last_progress[0] < 10 and report.tickets < total:
        return
    _last_progress[0] = now
    elapsed = now - started
    rate = report.tickets / max(elapsed, 0.001)
    eta = (total - report.tickets) / rate if rate else 0
    out(
        f"  {report.tickets:>10,}/{total:,} 张（{report.tickets / total:4.0%}）"
        f" 台账事件 {report.events:,}  {rate:,.0f} 张/秒  已用 {elapsed:,.0f} 秒（写库 {report.write_seconds:,.0f} 秒）"
        f"  剩余约 {eta:,.0f} 秒"
    )


def _finish(used: dict[dt.date, int], analyze: bool, out: Out) -> None:
    """Per-day number counters (so new tickets continue the sequence), the id sequence after
    explicit ids, and planner statistics."""
    with transaction.atomic():
        TicketCounter.objects.bulk_create(
            [TicketCounter(day=day, last=last) for day, last in used.items()],
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["last"],
        )
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket]):
                cursor.execute(sql)
    out("  重建热线统计汇总…")
    rollup_rebuild()
    if not analyze:
        return
    out("  更新统计信息（ANALYZE）…")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM also sets the visibility map, so index-only scans work from the start.
            for table in writer.TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {table.name}")
        cursor.execute("ANALYZE")  # the reference tables too (departments, specialists, ...)
