"""What both bench scripts share: which database they use and how Django is started.

Without DATABASE_URL the bench uses its own SQLite file, var/bench.sqlite3, never the
embedded database of `make demo` (var/qitong.sqlite3).
"""

from __future__ import annotations

import os
from pathlib import Path
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
