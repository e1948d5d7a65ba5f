"""Load qitong over HTTP and measure: ticket creation throughput and the latency of the four
screens people wait on (department inbox, ticket detail, an enterprise's appeals, lookup by
credit code).

    python bench/load.py                       # starts `qitong serve` on a free 127.0.0.1 port
    python bench/load.py --url http://127.0.0.1:8000   # a running server on the same database

Traffic goes to 127.0.0.1 only. Tokens for the demo accounts are created in the database the
server uses (DATABASE_URL, or var/bench.sqlite3). See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, database_url, describe, setup_django

RESULTS = REPO / "bench" / "results"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
INBOX_DEPARTMENT = "自治区市场监督管理局"
TYPES = (
    ("consultation", 45),
    ("help", 20),
    ("complaint", 15),
    ("report", 5),
    ("suggestion", 7),
    ("praise", 3),
    ("problem_report", 5),
)
PROBLEM_CATEGORIES = ("broken_promise", "arrears", "policy_not_delivered", "approval_service")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="对 qitong 的 HTTP 接口压测：建单吞吐与四个常用页面的延迟"
    )
    p.add_argument(
        "--url",
        help="已运行的服务地址（须为 127.0.0.1，且使用同一数据库）；不给则自动启动 qitong serve",
    )
    p.add_argument(
        "--web-workers", type=int, default=2, help="自动启动时 gunicorn 工作进程数（默认 2）"
    )
    p.add_argument("--create", type=int, default=3000, help="建单总数上限（默认 3000）")
    p.add_argument("--create-clients", type=int, default=8, help="建单并发客户端数（默认 8）")
    p.add_argument(
        "--create-seconds", type=float, default=60, help="建单阶段时间上限（秒，默认 60）"
    )
    p.add_argument(
        "--requests", type=int, default=1000, help="每个读接口、每种并发的请求数上限（默认 1000）"
    )
    p.add_argument(
        "--read-clients", default="1,4", help="读接口的并发客户端数，逗号分隔（默认 1,4）"
    )
    p.add_argument(
        "--read-seconds",
        type=float,
        default=60,
        help="每个读接口、每种并发的时间上限（秒，默认 60）",
    )
    p.add_argument(
        "--only",
        default="",
        help="只测这些阶段，逗号分隔：create,inbox,detail,appeals,lookup,search,suggest,lifecycle",
    )
    p.add_argument("--seed", type=int, default=1, help="随机种子")
    p.add_argument("--json", action="store_true", help="把结果另存为 bench/results/load-*.json")
    return p.parse_args(argv)


# --- preparation (in the database the server uses) ---------------------------------------


@dataclass
class Fixture:
    tokens: dict[str, str]
    detail_ids: list[int]
    credit_codes: list[str]  # for lookups
    callers: list[tuple[str, str]]  # (credit code, phone) for new tickets
    categories: list[str]
    tickets: int
    inbox_open: int
    inbox_department: int
    enterprise_tickets: int
    # Knowledge-base searches: (query, the asking enterprise's region), from the quality set.
    queries: list[tuple[str, str]]
    articles: int


def prepare(rng: random.Random, samples: int = 5000) -> Fixture:
    from django.db.models import Max, Min

    from qitong.accounts.models import User
    from qitong.accounts.services import token_create
    from qitong.directory.models import Department
    from qitong.enterprises.models import Contact, Enterprise
    from qitong.knowledge.models import ArticleVersion
    from qitong.tickets.models import Category, Ticket

    users = {
        u.username: u
        for u in User.objects.filter(username__in=["operator", "handler", "desklead", "enterprise"])
    }
    missing = {"operator", "handler", "desklead", "enterprise"} - set(users)
    if missing:
        raise SystemExit(f"数据库中没有演示账号 {sorted(missing)}：请先运行 python bench/seed.py")
    tokens = {
        name: token_create(user=user, name="bench/load.py")[1] for name, user in users.items()
    }
    bounds = Ticket.objects.aggregate(lo=Min("id"), hi=Max("id"))
    ids: list[int] = []
    if bounds["lo"] is not None:
        candidates = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(samples * 2)}
        ids = list(Ticket.objects.filter(pk__in=candidates).values_list("pk", flat=True))[:samples]
    ent_bounds = Enterprise.objects.aggregate(lo=Min("id"), hi=Max("id"))
    picks = {rng.randint(ent_bounds["lo"], ent_bounds["hi"]) for _ in range(samples)}
    codes = list(Enterprise.objects.filter(pk__in=picks).values_list("credit_code", flat=True))
    phones = dict(
        Contact.objects.filter(
            enterprise__credit_code__in=codes, is_primary=True, phone_kind="mobile"
        ).values_list("enterprise__credit_code", "phone")
    )
    department = Department.objects.get(name=INBOX_DEPARTMENT, region__code="150000")
    inbox = Ticket.objects.filter(
        state__in=["dispatched", "in_progress"], lead_department=department
    ).count()
    return Fixture(
        tokens=tokens,
        detail_ids=ids,
        credit_codes=codes,
        callers=[(c, phones[c]) for c in codes if c in phones],
        categories=list(
            Category.objects.filter(active=True, parent__isnull=False).values_list(
                "code", flat=True
            )
        ),
        tickets=Ticket.objects.count(),
        inbox_open=inbox,
        inbox_department=department.pk,
        queries=_queries(),
        articles=ArticleVersion.objects.filter(is_live=True).count(),
        enterprise_tickets=Ticket.objects.filter(
            enterprise_id=users["enterprise"].enterprise_id
        ).count(),
    )


# --- the server ----------------------------------------------------------------------------


QUERIES = REPO / "tests" / "data" / "knowledge_queries.json"


def _queries() -> list[tuple[str, str]]:
    if not QUERIES.exists():
        return [("小微企业所得税优惠", "150000")]
    return [(q["query"], q["region"]) for q in json.loads(QUERIES.read_text(encoding="utf-8"))]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`qitong serve` as our child process; stopped with SIGTERM (it stops its own children)."""

    def __init__(self, web_workers: int, log: Path) -> None:
        self.port = free_port()
        self.log_path = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log.open("wb")
        command = [
            sys.executable,
            "-m",
            "qitong",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        command += ["--web-workers", str(web_workers)]
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, env=dict(os.environ), cwd=REPO
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"qitong serve 启动失败（退出码 {self.process.returncode}），见 {self.log_path}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"qitong serve 在 {timeout:.0f} 秒内未就绪，见 {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- the clients ---------------------------------------------------------------------------


class Client:
    """One keep-alive connection (one per thread), reconnecting once if the server closed it."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        all_headers = {**self.headers, **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


@dataclass
class Measurement:
    name: str
    clients: int
    count: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        del data["latencies_ms"]
        data["errors"] = dict(self.errors)
        data.update(
            rate=round(self.rate, 1),
            p50_ms=round(self.percentile(50), 1),
            p95_ms=round(self.percentile(95), 1),
            p99_ms=round(self.percentile(99), 1),
            max_ms=round(max(self.latencies_ms, default=float("nan")), 1),
            mean_ms=round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else None,
        )
        return data


Request = Callable[[random.Random], tuple[str, str, bytes | None, dict[str, str] | None]]


def run_phase(
    name: str,
    url: str,
    token: str,
    make: Request,
    *,
    clients: int,
    limit: int,
    seconds: float,
    expect: int,
    seed: int,
) -> Measurement:
    """`clients` threads each on its own connection issue requests until `limit` requests
    were started or `seconds` passed; latency is measured per request on the client."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    m = Measurement(name, clients)
    lock = threading.Lock()
    issued = [0]
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        rng = random.Random(f"{seed}-{name}-{index}")
        client = Client(host, port, token)
        while True:
            with lock:
                if issued[0] >= limit or time.monotonic() >= deadline:
                    return
                issued[0] += 1
            method, path, body, headers = make(rng)
            began = time.perf_counter()
            try:
                status, _ = client.call(method, path, body, headers)
                error = "" if status == expect else f"HTTP {status}"
            except OSError as exc:
                error = type(exc).__name__
            took = (time.perf_counter() - began) * 1000
            with lock:
                m.count += 1
                if error:
                    m.errors[error] += 1
                else:
                    m.ok += 1
                    m.latencies_ms.append(took)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    m.seconds = time.perf_counter() - started
    return m


def requests_for(fx: Fixture) -> dict[str, tuple[str, Request, int]]:
    """Phase name → (token user, request maker, expected status)."""
    types = [t for t, _ in TYPES]
    weights = [w for _, w in TYPES]

    def create(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str] | None]:
        code, phone = rng.choice(fx.callers)
        kind = rng.choices(types, weights)[0]
        body: dict[str, Any] = {
            "type": kind,
            "category": rng.choice(fx.categories),
            "urgency": "urgent" if rng.random() < 0.05 else "normal",
            "channel": "phone",
            "content": f"压测来电：企业咨询有关{rng.choice(fx.categories)}的政策与办理流程，请专席解答。编号 {rng.randrange(10**9)}",
            "credit_code": code,
            "contact_phone": phone,
        }
        if kind == "problem_report":
            body["problem_category"] = rng.choice(PROBLEM_CATEGORIES)
        # Fresh every run: a key seen before would be answered 200 with the earlier ticket.
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        return "POST", "/api/v1/tickets", json.dumps(body, ensure_ascii=False).encode(), headers

    def inbox(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str] | None]:
        # The department's own work (它主办的待签收与办理中), as an integrator's inbox reads it.
        query = urlencode(
            [
                ("department", fx.inbox_department),
                ("state", "dispatched"),
                ("state", "in_progress"),
                ("limit", "50"),
            ]
        )
        return "GET", f"/api/v1/tickets?{query}", None, None

    def detail(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str] | None]:
        return "GET", f"/api/v1/tickets/{rng.choice(fx.detail_ids)}", None, None

    def appeals(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str] | None]:
        return "GET", "/api/v1/tickets", None, None

    def lookup(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str] | None]:
        return (
            "GET",
            f"/api/v1/enterprises?{urlencode({'q': rng.choice(fx.credit_codes)})}",
            None,
            None,
        )

    def search(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str] | None]:
        query, region = rng.choice(fx.queries)
        return (
            "GET",
            f"/api/v1/knowledge/articles?{urlencode({'q': query, 'region': region})}",
            None,
            None,
        )

    def suggest(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str] | None]:
        # The console asks for suggestions as the operator types: every prefix of a question,
        # behind a short preamble like the start of a real appeal.
        query, region = rng.choice(fx.queries)
        typed = "企业来电咨询，" + query[: rng.randint(2, max(2, len(query)))]
        return (
            "GET",
            f"/api/v1/knowledge/articles?{urlencode({'q': typed, 'region': region, 'limit': 5})}",
            None,
            None,
        )

    # Reads first: every created ticket queues an SMS job, and the worker draining that queue
    # afterwards would otherwise compete with the read phases for the same two cores.
    return {
        "inbox": ("handler", inbox, 200),
        "detail": ("desklead", detail, 200),
        "appeals": ("enterprise", appeals, 200),
        "lookup": ("operator", lookup, 200),
        "search": ("operator", search, 200),
        "suggest": ("operator", suggest, 200),
        "create": ("operator", create, 201),
    }


LABELS = {
    "create": "建单 POST /api/v1/tickets（operator）",
    "inbox": "部门待办首页（handler，dispatched+in_progress，50 条）",
    "detail": "工单详情 GET /api/v1/tickets/{id}（desklead）",
    "appeals": "企业诉求列表 GET /api/v1/tickets（enterprise）",
    "lookup": "按信用代码查企业 GET /api/v1/enterprises?q=（operator）",
    "search": "知识检索 GET /api/v1/knowledge/articles?q=&region=（operator）",
    "suggest": "边输入边推荐知识（问题的各个前缀，operator）",
}


LIFECYCLE = ("create", "dispatch", "sign", "remind", "reply", "accept_reply", "callback")


def lifecycle_create(fx: Fixture, rng: random.Random) -> dict[str, Any]:
    """A complaint registered by the desk: it goes to a department (bench/lifecycle.py too)."""
    code, phone = rng.choice(fx.callers)
    return {
        "type": "complaint",
        "category": rng.choice(fx.categories),
        "channel": "phone",
        "content": f"压测：企业反映办事不便，请承办单位核实处理。编号 {rng.randrange(10**9)}",
        "credit_code": code,
        "contact_phone": phone,
    }


def lifecycle_actions(fx: Fixture) -> list[tuple[str, str, dict[str, Any]]]:
    """The six actions after intake, in order: (action, who, body)."""
    return [
        ("dispatch", "operator", {"department": fx.inbox_department}),
        ("sign", "handler", {}),
        ("remind", "desklead", {"note": "请按时办理"}),
        ("reply", "handler", {"result": "resolved", "explanation": "已核实并处理，答复企业。"}),
        ("accept_reply", "desklead", {}),
        ("callback", "operator", {"satisfaction": 5, "resolved": True}),
    ]


def run_lifecycle(
    url: str, fx: Fixture, *, clients: int, seconds: float, seed: int
) -> list[Measurement]:
    """`clients` threads each take tickets through the seven steps of the loop (create,
    dispatch + sign, remind, reply + accept, callback) as the desk and the department would;
    one Measurement per step, and `lifecycle` for all requests together."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    steps = {name: Measurement(f"lc-{name}", clients) for name in LIFECYCLE}
    total = Measurement("lifecycle", clients)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        rng = random.Random(f"{seed}-lifecycle-{index}")
        who = {u: Client(host, port, fx.tokens[u]) for u in ("operator", "handler", "desklead")}

        def step(name: str, user: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
            began = time.perf_counter()
            try:
                status, raw = who[user].call("POST", path, json.dumps(body).encode())
                error = "" if status in (200, 201) else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                status, raw, error = 0, b"", type(exc).__name__
            took = (time.perf_counter() - began) * 1000
            with lock:
                for m in (steps[name], total):
                    m.count += 1
                    if error:
                        m.errors[error] += 1
                    else:
                        m.ok += 1
                        m.latencies_ms.append(took)
            return None if error else dict(json.loads(raw))

        while time.monotonic() < deadline:
            ticket = step("create", "operator", "/api/v1/tickets", lifecycle_create(fx, rng))
            if ticket is None:
                continue
            act = f"/api/v1/tickets/{ticket['id']}/actions/"
            for name, user, body in lifecycle_actions(fx):
                if step(name, user, act + name, body) is None:
                    break

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    for m in (*steps.values(), total):
        m.seconds = elapsed
    return [total, *steps.values()]


def print_table(results: list[Measurement]) -> None:
    print(
        f"\n{'阶段':<10}{'并发':>4}{'请求':>7}{'成功':>7}{'错误':>6}{'每秒':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    for m in results:
        s = m.summary()
        print(
            f"{m.name:<12}{m.clients:>4}{m.count:>7}{m.ok:>7}{sum(m.errors.values()):>6}{s['rate']:>9.1f}"
            f"{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['p99_ms']:>9.1f}{s['max_ms']:>9.1f}"
        )
        if m.errors:
            print(f"{'':12}错误：{dict(m.errors)}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    db = database_url()
    setup_django()
    from django.db import connection

    rng = random.Random(args.seed)
    fx = prepare(rng)
    vendor = connection.vendor
    connection.close()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    server = None
    if args.url:
        parts = urlsplit(args.url)
        if parts.hostname not in LOCAL_HOSTS:
            raise SystemExit("只向本机（127.0.0.1）发送压测流量")
        url = args.url.rstrip("/")
    else:
        server = Server(args.web_workers, RESULTS / f"serve-{stamp}.log")
        url = server.url
    print(
        f"数据库：{describe(db)}；工单 {fx.tickets:,} 张；handler 所在单位待办（待签收+办理中）{fx.inbox_open:,} 张；"
        f"enterprise 的诉求 {fx.enterprise_tickets:,} 张；现行知识 {fx.articles:,} 条"
    )
    print(
        f"服务：{url}{'（qitong serve，gunicorn ' + str(args.web_workers) + ' 个工作进程）' if server else ''}；"
        f"CPU {os.cpu_count()} 核；1 分钟负载 {os.getloadavg()[0]:.1f}"
    )
    load_before = os.getloadavg()[0]
    try:
        if server:
            server.wait_ready()
        rest = only - {"lifecycle"}
        results = measure(requests_for(fx), args, url, fx.tokens, rest) if rest or not only else []
        if not only or "lifecycle" in only:
            from qitong.directory.models import Department

            # The lifecycle replies straight to the desk (no department sign-off).
            Department.objects.filter(pk=fx.inbox_department).update(reply_needs_signoff=False)
            connection.close()
            lifecycle = run_lifecycle(
                url,
                fx,
                clients=args.create_clients,
                seconds=args.create_seconds,
                seed=args.seed,
            )
            results += lifecycle
            s = lifecycle[0].summary()
            print(
                f"  工单一生七步（{args.create_clients} 个客户端）：{lifecycle[0].ok:,} 个请求，"
                f"{s['rate']:.1f} 次/秒，p99 {s['p99_ms']:.1f} ms",
                flush=True,
            )
    finally:
        if server:
            server.stop()
    print_table(results)
    if args.json:
        facts = {
            "database": describe(db),
            "vendor": vendor,
            "tickets": fx.tickets,
            "inbox_open": fx.inbox_open,
            "enterprise_tickets": fx.enterprise_tickets,
            "articles": fx.articles,
            "cpus": os.cpu_count(),
            "web_workers": args.web_workers if server else None,
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        }
        path = RESULTS / f"load-{vendor}-{stamp}.json"
        RESULTS.mkdir(parents=True, exist_ok=True)
        results_json = [m.summary() for m in results]
        path.write_text(
            json.dumps({**facts, "results": results_json}, ensure_ascii=False, indent=2)
        )
        print(f"结果已保存：{path.relative_to(REPO)}")


def measure(
    plans: dict[str, tuple[str, Request, int]],
    args: argparse.Namespace,
    url: str,
    tokens: dict[str, str],
    only: set[str],
) -> list[Measurement]:
    """Warm every phase up (both gunicorn workers load their code and caches), then measure
    each phase: reads at every --read-clients level, creation at --create-clients."""
    plans = {name: plan for name, plan in plans.items() if not only or name in only}
    for name, (user, make, expect) in plans.items():
        limit = 8 if name == "create" else 20
        run_phase(
            f"{name}-warmup",
            url,
            tokens[user],
            make,
            clients=4,
            limit=limit,
            seconds=30,
            expect=expect,
            seed=args.seed,
        )
    results = []
    for name, (user, make, expect) in plans.items():
        if name == "create":
            runs = [(args.create_clients, args.create, args.create_seconds)]
        else:
            levels = args.read_clients.split(",")
            runs = [(int(c), args.requests, args.read_seconds) for c in levels]
        for clients, limit, seconds in runs:
            m = run_phase(
                name,
                url,
                tokens[user],
                make,
                clients=clients,
                limit=limit,
                seconds=seconds,
                expect=expect,
                seed=args.seed,
            )
            results.append(m)
            s = m.summary()
            print(
                f"  {LABELS[name]}，并发 {clients}：{m.ok:,}/{m.count:,} 成功，"
                f"{s['rate']:.1f}/秒，p95 {s['p95_ms']:.1f} ms",
                flush=True,
            )
    return results


if __name__ == "__main__":
    main()
