"""Django's SQLite backend, with its writers taking turns promptly.

SQLite admits one writer at a time; a transaction that finds the write lock taken retries in
SQLite's busy handler, which sleeps 1, 2, 5 … then 50 and 100 ms between tries. Under a desk's
load (8 clients, web workers and the job worker writing at once) those sleeps, not the work,
were the slowest requests: p99 ≈ 0.5 s and 1.6 s at worst for actions that take 5 ms.

Here every transaction (BEGIN IMMEDIATE takes the write lock anyway) first takes an exclusive
`flock` on `<database>-writers.lock`: every process and thread of this product waits on the
lock file and the next one goes within a few milliseconds of a commit or rollback. The wait is bounded
by the connection's timeout, after which it fails as SQLite would ("database is locked").
Writers that don't use this backend (the sqlite3 shell) still meet SQLite's own busy handler.
In-memory databases have nobody to wait for and take no lock.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# Seconds between tries once the lock was found taken: from half a millisecond, doubling to at
# most five (SQLite's own handler reaches 100).
POLL_FIRST, POLL_MAX = 0.0005, 0.005


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writers_fd: int | None = None
        self._writing = False

    def _writers_lock(self) -> int | None:
        if self.is_in_memory_db():
            return None
        if self._writers_fd is None:
            path = f"{self.settings_dict['NAME']}-writers.lock"
            self._writers_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._writers_fd

    def _start_transaction_under_autocommit(self) -> None:
        fd = self._writers_lock()
        if fd is not None and not self._writing:
            timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
            deadline = time.monotonic() + timeout
            pause = POLL_FIRST
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise OperationalError("database is locked") from exc
                    time.sleep(pause)
                    pause = min(pause * 2, POLL_MAX)
            self._writing = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in the stubs
        except BaseException:
            self._release_writers()
            raise

    def _release_writers(self) -> None:
        if self._writing and self._writers_fd is not None:
            fcntl.flock(self._writers_fd, fcntl.LOCK_UN)
        self._writing = False

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # not in the stubs
        finally:
            self._release_writers()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # not in the stubs
        finally:
            self._release_writers()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # not in the stubs
        finally:
            self._release_writers()

    def close(self) -> None:
        super().close()
        if self._writers_fd is not None and not self.in_atomic_block:
            os.close(self._writers_fd)
            self._writers_fd = None
