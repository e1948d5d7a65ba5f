"""Job functions for the job tests (the workers of tests/test_jobs.py import them by name)."""

from __future__ import annotations

import time
from pathlib import Path

from qitong.accounts.sms import FileSmsBackend

CALLS: list[str] = []


def record(key: str) -> None:
    CALLS.append(key)


def fail(key: str) -> None:
    CALLS.append(key)
    raise RuntimeError(f"job {key} fails")


def slow_append(path: str, key: str, seconds: float) -> None:
    """Notes each start (`<path>.started`, so a test sees the claim without a database
    round trip), sleeps, then records that it ran: killed while sleeping, it leaves no trace
    but the start."""
    with Path(path + ".started").open("a") as out:
        out.write(key + "\n")
    time.sleep(seconds)
    target = Path(path)
    lines = target.read_text().split() if target.exists() else []
    if key not in lines:  # idempotent: a second run after a crash adds nothing
        with target.open("a") as out:
            out.write(key + "\n")


class SlowFileSmsBackend(FileSmsBackend):
    """A gateway that takes its time (so a test can kill the worker while it sends)."""

    def send(self, phone: str, text: str, key: str = "") -> None:
        time.sleep(2)
        super().send(phone, text, key)
