"""Crash probe: 8 clients register tickets for 60 s while a web worker and the job worker are
killed with SIGKILL; then every acknowledged ticket must exist exactly once, every job and
notification must have completed once (each SMS sent once), and the ledger must verify.

    python bench/crash_probe.py                     # var/bench.sqlite3, or DATABASE_URL
    python bench/crash_probe.py --seconds 60 --clients 8

Runs `qitong serve` (2 gunicorn workers + the job worker) as bench/load.py does, with the file
SMS backend so that sends can be counted across processes. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import random
import re
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, database_url, describe, setup_django


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry))
    return found


def child_pid(log: Path, label: str) -> int:
    found = re.findall(rf"{label}）[^：\n]*：进程号 (\d+)", log.read_text(errors="replace"))
    return int(found[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="崩溃探针：压测中 kill -9 Web 与后台任务进程")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--drain-seconds", type=float, default=120)
    args = parser.parse_args(argv)
    url = database_url()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    sms_file = results / f"crash-sms-{stamp}.jsonl"
    os.environ["QITONG_SMS_BACKEND"] = "qitong.accounts.sms.FileSmsBackend"
    os.environ["QITONG_SMS_FILE"] = str(sms_file)
    setup_django()
    logging.disable(logging.INFO)
    from bench.load import Client, Server, prepare
    from qitong.jobs.models import Job
    from qitong.ledger.services import ledger_verify
    from qitong.notifications.models import Notification
    from qitong.tickets.models import Ticket

    rng = random.Random(7)
    fx = prepare(rng, samples=2000)
    start_id = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    server = Server(web_workers=2, log=results / f"crash-serve-{stamp}.log")
    server.wait_ready()
    print(
        f"数据库：{describe(url)}；服务 {server.url}；{args.clients} 个客户端 {args.seconds:.0f} 秒"
    )
    acked: dict[str, int] = {}
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def client(index: int) -> None:
        local = random.Random(index)
        api = Client("127.0.0.1", server.port, fx.tokens["operator"])
        while time.monotonic() < deadline:
            code, phone = local.choice(fx.callers)
            key = uuid.uuid4().hex
            body = json.dumps(
                {
                    "type": "consultation",
                    "category": local.choice(fx.categories),
                    "channel": "phone",
                    "content": f"崩溃探针：企业咨询政策。{key[:8]}",
                    "credit_code": code,
                    "contact_phone": phone,
                }
            ).encode()
            for _attempt in range(20):  # the same key until acknowledged: never twice
                try:
                    status, raw = api.call(
                        "POST", "/api/v1/tickets", body, {"Idempotency-Key": key}
                    )
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors[type(exc).__name__] += 1
                    time.sleep(0.2)
                    api = Client("127.0.0.1", server.port, fx.tokens["operator"])
                    continue
                if status in (200, 201):
                    with lock:
                        acked[key] = json.loads(raw)["id"]
                    break
                with lock:
                    errors[f"HTTP {status}"] += 1
                time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    killed = []
    time.sleep(args.seconds / 4)
    web = children(child_pid(server.log_path, "Web 服务（gunicorn"))
    if web:
        os.kill(web[0], signal.SIGKILL)
        killed.append(f"Web 工作进程 {web[0]}（{time.monotonic() - began:.0f} 秒）")
    time.sleep(args.seconds / 4)
    worker = child_pid(server.log_path, "后台任务进程（worker")
    os.kill(worker, signal.SIGKILL)
    killed.append(f"后台任务进程 {worker}（{time.monotonic() - began:.0f} 秒）")
    for t in threads:
        t.join()
    load_seconds = time.monotonic() - began
    print(f"已 kill -9：{'、'.join(killed)}；确认建单 {len(acked):,} 张，客户端重试 {dict(errors)}")

    new = Ticket.objects.filter(pk__gt=start_id)
    drained_at = None
    waited = time.monotonic()
    while time.monotonic() - waited < args.drain_seconds:
        pending = Job.objects.filter(failed_at__isnull=True).exclude(
            func="qitong.tickets.tasks.sweep"
        )
        unsent = Notification.objects.filter(
            subject_id__in=[str(pk) for pk in acked.values()], sms_sent_at__isnull=True
        ).exclude(phone="")
        if not pending.exists() and not unsent.exists():
            drained_at = time.monotonic() - waited
            break
        time.sleep(1)
    server.stop()

    keys = list(acked)
    per_key = Counter(
        new.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    )
    missing = [k for k in keys if per_key[k] == 0]
    doubled = [k for k, n in per_key.items() if n > 1]
    sms_rows = Notification.objects.filter(
        subject_id__in=[str(pk) for pk in acked.values()]
    ).exclude(phone="")
    lines = (
        [json.loads(x) for x in sms_file.read_text().splitlines() if x.strip()]
        if sms_file.exists()
        else []
    )
    sent = Counter(m["key"] for m in lines)
    expected = {f"notification-{pk}" for pk in sms_rows.values_list("pk", flat=True)}
    failed_jobs = Job.objects.filter(failed_at__isnull=False).count()
    report = {
        "database": describe(url),
        "seconds": round(load_seconds, 1),
        "acknowledged": len(acked),
        "tickets_created": new.count(),
        "missing": len(missing),
        "duplicated": len(doubled),
        "sms_expected": len(expected),
        "sms_sent": len(set(sent) & expected),
        "sms_sent_twice": sum(1 for k in expected if sent[k] > 1),
        "sms_unsent": len(expected - set(sent)),
        "failed_jobs": failed_jobs,
        "drained_after_seconds": round(drained_at, 1) if drained_at is not None else None,
        "client_retries": dict(errors),
        "killed": killed,
    }
    check = ledger_verify(subject_type="tickets.ticket")
    report["ledger_events_checked"] = check.verified
    report["ledger_broken"] = check.broken.describe() if check.broken else None
    print(json.dumps(report, ensure_ascii=False, indent=2))
    out = results / f"crash-{'postgresql' if 'postgres' in url else 'sqlite'}-{stamp}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    ok = (
        not missing
        and not doubled
        and report["sms_unsent"] == 0
        and report["sms_sent_twice"] == 0
        and failed_jobs == 0
        and drained_at is not None
        and check.broken is None
    )
    print("通过" if ok else "未通过", f"（结果：{out.relative_to(REPO)}）")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
