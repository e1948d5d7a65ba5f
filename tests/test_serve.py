"""`qitong serve`: web + worker start together, /healthz sees the worker, SIGTERM stops both,
the death of one stops the other, and start-up refuses an unmigrated database or a busy port.

The end-to-end tests run `qitong serve` as a real subprocess against its own database: a
temporary SQLite file, or — when the suite runs on PostgreSQL — a throw-away PostgreSQL
database created next to the test database (so the same code path is exercised on both).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from qitong.jobs.models import Periodic
from qitong.jobs.services import PERIODICS, periodics_ensure

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="process checks read /proc (Linux)"
)

HEALTH_DEADLINE = 60.0
STOP_DEADLINE = 30.0  # generous: CI runs this beside another xdist worker


# --- in-process: the periodic jobs ------------------------------------------------------------


@pytest.mark.django_db
def test_periodic_jobs_are_created_once_and_repaired():
    periodics_ensure()
    Periodic.objects.filter(name="qitong-ticket-sweep").update(func="wrong.func", every_seconds=5)
    periodics_ensure()

    assert Periodic.objects.count() == len(PERIODICS)
    sweep = Periodic.objects.get(name="qitong-ticket-sweep")
    assert (sweep.func, sweep.every_seconds) == ("qitong.tickets.tasks.sweep", 60)


# --- helpers for the subprocess tests --------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()  # fields after "(comm)": state, ppid, ...


@dataclass(frozen=True)
class Proc:
    pid: int
    start: str  # start time in clock ticks: tells a reused pid apart

    def alive(self) -> bool:
        fields = _stat(self.pid)
        return fields is not None and fields[19] == self.start and fields[0] not in ("Z", "X")


def descendants(pid: int) -> list[Proc]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[Proc] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if (fields := _stat(child)) is not None:
                found.append(Proc(child, fields[19]))
                stack.append(child)
    return found


def get_health(url: str) -> tuple[int, dict[str, object]] | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)
    except OSError:
        return None


@dataclass
class ServeEnv:
    env: dict[str, str]
    var_dir: Path
    vendor: str


@contextlib.contextmanager
def _postgres_schema(db: dict[str, Any]) -> Iterator[str]:
    """A fresh schema inside the (already created) PostgreSQL test database, dropped afterwards;
    the subprocesses see only it through `search_path`, so their committed rows (schedules,
    heartbeats, queued jobs) never reach the tables the other tests use."""
    import psycopg

    schema = f"qitong_serve_{os.getpid()}"
    user = quote(str(db["USER"] or ""), safe="")
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db["PASSWORD"] else ""
    url = (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}?currentSchema={schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module")
def serve_env(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None
) -> Iterator[ServeEnv]:
    """Environment for `qitong serve` subprocesses: development settings (the embedded
    default), own var/ directory, own database (a SQLite file, or a schema in the PostgreSQL
    test database), already migrated."""
    from django.db import connection

    var_dir = tmp_path_factory.mktemp("serve") / "var"
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="qitong.config.settings.dev",
        QITONG_VAR_DIR=str(var_dir),
        QITONG_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    with contextlib.ExitStack() as stack:
        if connection.vendor == "postgresql":
            env["DATABASE_URL"] = stack.enter_context(_postgres_schema(connection.settings_dict))
        migrate = subprocess.run(
            [sys.executable, "-m", "qitong", "migrate", "--no-input", "-v0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr
        yield ServeEnv(env, var_dir, connection.vendor)


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_output(self, text: str, deadline: float = 5.0) -> None:
        end = time.monotonic() + deadline
        while text not in self.output():
            assert time.monotonic() < end, f"{text!r} never appeared in:\n{self.output()}"
            time.sleep(0.1)

    def child_pid(self, label: str) -> int:
        match = re.search(rf"{label}）：进程号 (\d+)", self.output())
        assert match, self.output()
        return int(match.group(1))

    def wait_health(self, predicate, deadline: float = HEALTH_DEADLINE) -> dict[str, object]:
        url = f"http://127.0.0.1:{self.port}/healthz"
        end = time.monotonic() + deadline
        last = None
        while time.monotonic() < end:
            assert self.process.poll() is None, f"serve exited early:\n{self.output()}"
            last = get_health(url)
            if last is not None and predicate(last):
                return last[1]
            time.sleep(0.5)
        raise AssertionError(f"/healthz never satisfied the check; last: {last}\n{self.output()}")

    def wait_exit(self, deadline: float = STOP_DEADLINE) -> int:
        try:
            return self.process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"serve still running after {deadline} s:\n{self.output()}"
            ) from None


@pytest.fixture
def serve(serve_env: ServeEnv, tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(*args: str, port: int | None = None) -> Running:
        port = port or free_port()
        log = tmp_path / f"serve-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "qitong",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--web-workers",
                    "1",
                    *args,
                ],
                env=serve_env.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = Running(process, log, port)
        started.append(running)
        return running

    yield start
    for running in started:  # whatever a failed test left behind
        leftovers = descendants(running.process.pid)
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()
        for proc in leftovers:
            if proc.alive():
                os.kill(proc.pid, signal.SIGKILL)


# --- end to end --------------------------------------------------------------------------------


@pytest.mark.parametrize("stop", ["sigterm", "ctrl-c"])
def test_serve_runs_web_and_worker_and_a_signal_stops_both(serve, serve_env, stop):
    running = serve()

    body = running.wait_health(lambda r: r[0] == 200 and r[1]["worker"]["ok"])

    assert body["database"] == {"ok": True, "vendor": serve_env.vendor}
    assert body["status"] == "ok"
    output = running.output()
    assert f"企通已启动：http://127.0.0.1:{running.port}/" in output
    gunicorn = running.child_pid("Web 服务（gunicorn")
    worker = running.child_pid("后台任务进程（worker")
    # gunicorn master + its worker, and the job worker. gunicorn forks its worker
    # asynchronously, so give the tree a moment instead of trusting one snapshot.
    settle = time.monotonic() + 10
    tree = descendants(running.process.pid)
    while len(tree) < 3 and time.monotonic() < settle:
        time.sleep(0.2)
        tree = descendants(running.process.pid)
    pids = {p.pid for p in tree}
    assert {gunicorn, worker} <= pids
    assert len(tree) >= 3, tree
    running.wait_output('"GET /healthz HTTP/1.1" 200')  # gunicorn's access log: stdout

    stopped_at = time.monotonic()
    if stop == "sigterm":
        running.process.send_signal(signal.SIGTERM)
    else:
        # What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
        os.killpg(running.process.pid, signal.SIGINT)
    code = running.wait_exit()
    assert time.monotonic() - stopped_at < 5, "a clean stop takes less than 5 s"

    assert code == 0, running.output()
    assert "企通已停止" in running.output()
    deadline = time.monotonic() + 10
    while any(p.alive() for p in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p.pid for p in tree if p.alive()] == []


@pytest.mark.parametrize("label", ["Web 服务（gunicorn", "后台任务进程（worker"])
def test_a_child_killed_is_started_again_and_the_service_heals(serve, label):
    running = serve()
    running.wait_health(lambda r: r[0] == 200 and r[1]["worker"]["ok"])
    child = running.child_pid(label)

    os.kill(child, signal.SIGKILL)
    running.wait_output(f"{label}）意外退出，已重新启动", deadline=10)

    assert running.process.poll() is None
    restarted = int(
        re.findall(rf"{label}）意外退出，已重新启动：进程号 (\d+)", running.output())[-1]
    )
    assert restarted != child
    running.wait_health(lambda r: r[0] == 200 and r[1]["worker"]["ok"])
    running.process.send_signal(signal.SIGTERM)
    assert running.wait_exit() == 0, running.output()


def test_serve_refuses_a_port_in_use(serve):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        running = serve(port=taken.getsockname()[1])
        code = running.wait_exit()
    assert code == 1
    assert "端口可能已被占用" in running.output()
    assert "企通已启动" not in running.output()


def test_serve_refuses_an_unmigrated_database(tmp_path):
    """The embedded default: a fresh var/ directory has no migrated SQLite database yet."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="qitong.config.settings.dev", QITONG_VAR_DIR=str(tmp_path / "var")
    )
    result = subprocess.run(
        [sys.executable, "-m", "qitong", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "个迁移未执行，服务未启动" in result.stderr
    assert "请先运行：qitong migrate" in result.stderr
    assert str(tmp_path / "var" / "qitong.sqlite3") in result.stderr
    assert "企通已启动" not in result.stdout
