"""What each step of the loop costs in SQL statements, pinned (STYLE habit 9): an action
reads its ticket once (locked, with what the response shows and its ledger chain's head),
writes the ticket, its ledger event and all its notifications in one statement (the SMS
outbox needs no job row), and answers from what it saved. Reference tables (SLA policies,
the calendar, categories, departments) come from the per-process caches, as in production.
The counts include the transaction's markers (BEGIN and COMMIT, or the test's savepoints)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qitong.accounts.services import token_create
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference_caches(settings):  # type: ignore[no-untyped-def]
    """Caching on, as in production (the test settings turn it off), and emptied before and
    after so nothing this test reads outlives it."""
    from qitong.core.workdays import CALENDAR_CACHE
    from qitong.directory.selectors import ACTIVE_DEPARTMENTS
    from qitong.tickets.deadlines import POLICY_CACHE
    from qitong.tickets.selectors import CATEGORY_CACHE

    caches = (CALENDAR_CACHE, ACTIVE_DEPARTMENTS, POLICY_CACHE, CATEGORY_CACHE)
    settings.QITONG_REFERENCE_CACHE_SECONDS = 60
    for cache in caches:
        cache.clear()
    yield
    for cache in caches:
        cache.clear()


# Statements per request (issue 9 measured 11, 20, 11, 12, 14, 15, 14 on SQLite before: 97).
EXPECTED = {
    # + the hotline rollup's upserts (tickets.rollup): one per changed table, none if no
    # counted fact changes (remind, accept_reply)
    "create": 9,  # counter, ticket, ledger, notifications + enterprise lookup + BEGIN/COMMIT
    "dispatch": 8,  # ticket+head, assignment, notifications, ticket, ledger + BEGIN/COMMIT
    "sign": 7,
    "remind": 6,
    "reply": 8,
    "accept_reply": 6,
    "callback": 7,
}


def test_the_seven_requests_of_a_tickets_life_cost_what_they_are_pinned_to(
    world: World, reference_caches: None
) -> None:
    clients = {}
    for role in ("operator", "handler", "desk_lead"):
        _, token = token_create(user=world.users[role])
        clients[role] = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert clients[role].get("/api/v1/me").status_code == 200  # the token is now cached
    counts: dict[str, int] = {}

    def post(step: str, role: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        with CaptureQueriesContext(connection) as queries:
            response = clients[role].post(path, data=body, content_type="application/json")
        assert response.status_code in (200, 201), response.content
        counts[step] = len(queries)
        result: dict[str, Any] = response.json()
        return result

    def life() -> dict[str, Any]:
        ticket = post(
            "create",
            "operator",
            "/api/v1/tickets",
            {
                "type": "complaint",
                "category": "enforcement.inspection",
                "channel": "phone",
                "content": "执法检查过于频繁，影响正常生产经营。",
                "credit_code": world.ent.credit_code,
                "contact_phone": "13800000001",
            },
        )
        act = f"/api/v1/tickets/{ticket['id']}/actions/"
        post("dispatch", "operator", act + "dispatch", {"department": world.dept.pk})
        post("sign", "handler", act + "sign", {})
        post("remind", "desk_lead", act + "remind", {"note": "请按时办理"})
        post("reply", "handler", act + "reply", {"result": "resolved", "explanation": "已处理"})
        post("accept_reply", "desk_lead", act + "accept_reply", {})
        final = post(
            "callback", "operator", act + "callback", {"satisfaction": 5, "resolved": True}
        )
        assert final["state"] == "closed"
        return final

    life()  # the first one fills the per-process caches (SLA policies, the calendar)
    life()
    assert counts == EXPECTED, str(counts)
    assert sum(counts.values()) == 51


@pytest.mark.django_db(transaction=True)
def test_a_request_keeps_its_database_connection_on_both_databases() -> None:
    """Persistent connections on SQLite as on PostgreSQL: the end of a request (Django's
    request_finished → close_old_connections) keeps the connection for the next one."""
    from django.db import close_old_connections

    connection.close()  # start from a fresh, healthy connection whatever ran before
    connection.ensure_connection()
    before = connection.connection
    close_old_connections()
    assert connection.connection is before
