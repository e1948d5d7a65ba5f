"""`qitong serve`: the web server (gunicorn) and the job worker (`qitong worker`) as one
service.

Both run as child processes of this command, each in its own process group, so that Ctrl-C
in a terminal reaches only us and we decide how they stop: SIGTERM to each (gunicorn finishes
the requests in flight, the worker the job in hand), wait, then SIGKILL the whole group of
whatever is left. A child that dies on its own is started again (a crashed worker's jobs go
back to the queue when their lease runs out); one that keeps dying — five times within a
minute — stops the service with a non-zero exit, for a supervisor (systemd, a container
runtime) to act on.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess  # nosec B404 # the launcher runs our own fixed commands
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from qitong.jobs.services import periodics_ensure

POLL_SECONDS = 0.2
RESTARTS_PER_MINUTE = 5  # more, and the child is broken rather than unlucky


def unapplied_migrations(alias: str = DEFAULT_DB_ALIAS) -> int:
    executor = MigrationExecutor(connections[alias])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if `qitong serve` itself is killed (even with SIGKILL),
    so no orphaned gunicorn or cluster keeps the port and the database busy."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _no_control_socket() -> list[str]:
    """gunicorn >= 25 opens a control socket at one per-user path (~/.gunicorn/gunicorn.ctl),
    which a second `qitong serve` on the machine would fight over; we do not use it."""
    from gunicorn.config import KNOWN_SETTINGS

    known = any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS)
    return ["--no-control-socket"] if known else []


@dataclass
class Child:
    label: str
    process: subprocess.Popen[bytes]
    command: list[str]
    env: dict[str, str]
    restarts: list[float] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signum)

    def kill_group(self) -> None:
        # Its own process group (process_group=0): this also reaches gunicorn's workers and
        # the cluster's sentinel, pusher and workers.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


class Command(BaseCommand):
    help = "启动企通：Web 服务（gunicorn）与后台任务进程一同运行，子进程意外退出时自动重启，Ctrl-C 同时停止"
    # We check migrations ourselves and refuse to start, instead of a warning that scrolls away.
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="监听端口（默认 8000）")
        parser.add_argument(
            "--web-workers", type=int, default=2, help="gunicorn 工作进程数（默认 2）"
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="每个 gunicorn 工作进程的线程数（默认 4）"
        )
        parser.add_argument(
            "--stop-timeout",
            type=float,
            default=4.0,
            help="停止时等待子进程自行退出的秒数，超时则强制结束（默认 4）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._signals: list[int] = []
        host, port = options["host"], options["port"]
        if options["web_workers"] < 1 or options["threads"] < 1:
            raise CommandError("--web-workers 与 --threads 至少为 1")
        self._check_database()
        self._check_port(host, port)
        periodics_ensure()
        # whitenoise serves from the app directories (finders); an absent STATIC_ROOT only
        # makes every worker warn at start-up.
        if settings.STATIC_ROOT:
            Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        # From here on only the children use the database.
        connections.close_all()

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        env = self._child_env()
        children = [
            self._start("Web 服务（gunicorn）", self._gunicorn_command(options), env),
            self._start("后台任务进程（worker）", [sys.executable, "-m", "qitong", "worker"], env),
        ]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # nosec B104 # compares the bind address to print a local URL; binds nothing
        self.stdout.write(
            f"企通已启动：http://{shown}:{port}/  （按 Ctrl-C 停止）\n"
            + "".join(f"  {c.label}：进程号 {c.process.pid}\n" for c in children)
        )
        self.stdout.flush()
        code = self._supervise(children, options["stop_timeout"])
        if code:
            raise SystemExit(code)

    # --- start-up checks -----------------------------------------------------------------------

    def _check_database(self) -> None:
        db = settings.DATABASES[DEFAULT_DB_ALIAS]
        where = str(db["NAME"]) if str(db["ENGINE"]).endswith("sqlite3") else "PostgreSQL"
        try:
            pending = unapplied_migrations()
        except Exception as exc:
            raise CommandError(f"无法连接数据库（{where}）：{exc}") from exc
        if pending:
            raise CommandError(
                f"数据库（{where}）尚未初始化或有 {pending} 个迁移未执行，服务未启动。\n"
                "请先运行：qitong migrate"
            )

    def _check_port(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host.strip("[]"), port))
            except OSError as exc:
                raise CommandError(
                    f"无法监听 {host}:{port}（{exc.strerror}）：端口可能已被占用，请用 --port 换一个端口"
                ) from exc

    # --- children ------------------------------------------------------------------------------

    @staticmethod
    def _child_env() -> dict[str, str]:
        env = dict(os.environ)
        # The same settings, var/ directory and database as this process, whatever the cwd.
        env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
        env["QITONG_VAR_DIR"] = str(settings.VAR_DIR)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    @staticmethod
    def _gunicorn_command(options: dict[str, Any]) -> list[str]:
        host = options["host"]
        bind = (
            f"[{host.strip('[]')}]:{options['port']}"
            if ":" in host
            else f"{host}:{options['port']}"
        )
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "qitong.config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["web_workers"]),
            "--worker-class",
            "gthread",
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            "--graceful-timeout",
            str(max(1, int(options["stop_timeout"]) - 2)),
            "--name",
            "qitong-web",
            *_no_control_socket(),
        ]

    @staticmethod
    def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, env=env, process_group=0, preexec_fn=_die_with_parent)  # nosec B603 # fixed argument list, no shell

    def _start(self, label: str, command: list[str], env: dict[str, str]) -> Child:
        return Child(label, self._spawn(command, env), command, env)

    def _restart(self, child: Child) -> bool:
        """Start a dead child again; False when it has died too often to keep trying."""
        now = time.monotonic()
        child.restarts = [t for t in child.restarts if now - t < 60] + [now]
        if len(child.restarts) > RESTARTS_PER_MINUTE:
            return False
        child.kill_group()  # whatever it left behind (gunicorn workers, a stuck job)
        child.process.wait()
        child.process = self._spawn(child.command, child.env)
        self.stderr.write(f"{child.label}意外退出，已重新启动：进程号 {child.process.pid}")
        return True

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals.append(signum)

    # --- supervision ---------------------------------------------------------------------------

    def _supervise(self, children: list[Child], stop_timeout: float) -> int:
        """Run until a signal, restarting children that die; stop all when a child keeps
        dying. Returns the exit status."""
        failed: Child | None = None
        while not self._signals and failed is None:
            for child in children:
                if not child.alive and not self._signals and not self._restart(child):
                    failed = child
                    break
            time.sleep(POLL_SECONDS)
        if failed is not None:
            self.stderr.write(
                f"{failed.label}一分钟内反复退出（退出码 {failed.process.returncode}），"
                "正在停止其他进程…"
            )
        else:
            name = signal.Signals(self._signals[0]).name
            self.stdout.write(f"收到 {name}，正在停止 Web 服务与后台任务进程…")
        forced = self._stop(children, stop_timeout)
        if failed is not None:
            return 1
        if forced:
            self.stderr.write(
                f"以下进程未在 {stop_timeout:g} 秒内退出，已强制结束：{'、'.join(forced)}"
            )
            return 1
        # Stopped by the SIGTERM we sent (a child still starting up has no handler yet).
        unclean = [c for c in children if c.process.returncode not in (0, -signal.SIGTERM)]
        for child in unclean:
            self.stderr.write(f"{child.label}退出码为 {child.process.returncode}")
        if unclean:
            return 1
        self.stdout.write("企通已停止。")
        return 0

    def _stop(self, children: list[Child], timeout: float) -> list[str]:
        """SIGTERM each live child, wait up to `timeout`, then SIGKILL the rest (and at once on
        a second Ctrl-C). Returns the labels of children that had to be killed."""
        signals_seen = len(self._signals)
        for child in children:
            if child.alive:
                child.signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(c.alive for c in children):
            if time.monotonic() >= deadline or len(self._signals) > signals_seen:
                break
            time.sleep(POLL_SECONDS)
        forced = [c.label for c in children if c.alive]
        for child in children:
            # Also reaps leftovers of a child that exited but left its own children behind.
            child.kill_group()
            child.process.wait()
        return forced
