"""What both bench scripts share: which database they use and how Django is started.

Without DATABASE_URL the bench uses its own SQLite file, var/bench.sqlite3, never the
embedded database of `make demo` (var/qitong.sqlite3).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = REPO / "var" / "bench.sqlite3"
PG_EXAMPLE = "postgres://postgres@127.0.0.1:5432/qitong_bench"


def database_url() -> str:
    """DATABASE_URL, or the bench's SQLite file (exported so child processes use it too)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DEFAULT_SQLITE}"
        os.environ["DATABASE_URL"] = url
    return url


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def sqlite_path(url: str) -> Path:
    import dj_database_url

    return Path(str(dj_database_url.parse(url)["NAME"]))


def pg_database(url: str) -> tuple[str, str]:
    """(database name, URL of the maintenance database `postgres` on the same server)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return name, urlunsplit(parts._replace(path="/postgres"))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qitong.config.settings.dev")
    import django

    django.setup()


def describe(url: str) -> str:
    """The database for humans, without a password."""
    if not is_postgres(url):
        return f"SQLite {sqlite_path(url)}"
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"PostgreSQL {host}:{parts.port or 5432}/{parts.path.lstrip('/')}"


def timed(fn: Any, repeat: int) -> dict[str, float]:
    """p50 / p95 / max in ms of `repeat` calls after one warm-up call."""
    fn()  # warm up (connections, caches)
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return {
        "p50": round(statistics.median(runs), 1),
        "p95": round(runs[max(0, int(len(runs) * 0.95) - 1)], 1),
        "max": round(runs[-1], 1),
    }


def ok(response: Any) -> None:
    assert response.status_code == 200, (response.status_code, response.content[:300])
