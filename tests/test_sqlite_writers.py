"""SQLite writers take turns on a lock file (qitong.core.db.sqlite3): a writer that finds
another's transaction open goes within milliseconds of its commit — not after SQLite's busy
handler's 50–100 ms sleeps — and gives up with "database is locked" after the timeout."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

from qitong.core.models import WorkerHeartbeat

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writer lock only"),
]


def _write_in_thread(started: dict[str, object], timeout: float | None = None) -> threading.Thread:
    def run() -> None:
        own = connections["default"]  # this thread's own connection
        if timeout is not None:
            options = {**own.settings_dict["OPTIONS"], "timeout": timeout}
            own.settings_dict = {**own.settings_dict, "OPTIONS": options}
        try:
            with transaction.atomic():
                started["got"] = time.monotonic()
                WorkerHeartbeat.objects.create(name="t", last_seen="2026-12-02T00:00:00Z")
        except OperationalError as exc:
            started["error"] = str(exc)
        finally:
            own.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_waiting_writer_goes_right_after_the_commit() -> None:
    started: dict[str, object] = {}
    with transaction.atomic():
        WorkerHeartbeat.objects.create(name="holder", last_seen="2026-12-02T00:00:00Z")
        thread = _write_in_thread(started)
        time.sleep(1.0)  # the other writer is waiting on the lock now (SQLite: in 100 ms naps)
        assert "got" not in started
        released = time.monotonic()
    thread.join(10)
    assert "error" not in started, started
    got = started["got"]
    assert isinstance(got, float) and got - released < 0.03  # SQLite's own handler: 0–100 ms later
    assert set(WorkerHeartbeat.objects.values_list("name", flat=True)) == {"holder", "t"}


def test_a_writer_gives_up_after_its_timeout() -> None:
    started: dict[str, object] = {}
    with transaction.atomic():
        WorkerHeartbeat.objects.create(name="holder", last_seen="2026-12-02T00:00:00Z")
        thread = _write_in_thread(started, timeout=0.3)
        thread.join(10)
    assert started.get("error") == "database is locked"
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["holder"]
