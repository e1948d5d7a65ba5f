from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import TransactionTestCase

from tests import factories

# The trigger SQL lives in the migration; import it so the tests re-create exactly what ships.
_triggers = importlib.import_module("qitong.ledger.migrations.0002_append_only_triggers")
LEDGER_TRIGGERS_UP: dict[str, list[str]] = {
    "sqlite": _triggers.SQLITE_UP,
    "postgresql": _triggers.POSTGRES_UP,
}
LEDGER_TRIGGERS_DOWN: dict[str, list[str]] = {
    "sqlite": _triggers.SQLITE_DOWN,
    "postgresql": _triggers.POSTGRES_DOWN,
}


@pytest.fixture
def world(db: None) -> factories.World:
    return factories.world()


def _execute_all(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@contextmanager
def ledger_unlocked(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Drop the append-only triggers and delete the ledger rows; re-create the triggers on exit.

    Only for tearing down transactional tests: Django's flush empties every table (DELETE on
    SQLite, TRUNCATE on PostgreSQL), which the triggers rightly refuse.
    """
    if "ledger_event" not in connection.introspection.table_names():
        yield
        return
    vendor = connection.vendor
    with transaction.atomic(using=connection.alias):
        _execute_all(connection, LEDGER_TRIGGERS_DOWN[vendor])
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_event")
    try:
        yield
    finally:
        # DOWN first makes this safe whatever state a failed flush left behind.
        with transaction.atomic(using=connection.alias):
            _execute_all(connection, LEDGER_TRIGGERS_DOWN[vendor])
            _execute_all(connection, LEDGER_TRIGGERS_UP[vendor])


@pytest.fixture(autouse=True, scope="session")
def ledger_cleared_before_flush() -> Iterator[None]:
    """Let transactional tests (`transactional_db`, `live_server`, `django_db(transaction=True)`)
    write ledger events: their teardown flush runs with the triggers dropped and the ledger
    rows deleted, and the triggers are re-created right after the flush.

    Why wrap `TransactionTestCase._fixture_teardown` instead of a function-scoped fixture's
    teardown: the triggers can only come back *after* the flush (PostgreSQL fires the statement
    level TRUNCATE trigger even on an empty table), and a function-scoped fixture cannot be
    torn down after pytest-django's flush for `live_server` tests (its own autouse helper sets
    up `transactional_db` before any conftest fixture). Only transactional tests reach this
    method — `TestCase` overrides it with a rollback — so other tests are untouched.
    """
    original = TransactionTestCase._fixture_teardown

    def fixture_teardown(self: TransactionTestCase) -> Any:
        with ExitStack() as stack:
            for alias in self._databases_names(include_mirrors=False):
                stack.enter_context(ledger_unlocked(connections[alias]))
            return original(self)

    TransactionTestCase._fixture_teardown = fixture_teardown  # type: ignore[method-assign]
    try:
        yield
    finally:
        TransactionTestCase._fixture_teardown = original  # type: ignore[method-assign]
