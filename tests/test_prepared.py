"""core.prepared: a queryset compiled once and run again by primary key gives what the
queryset itself gives — the same row, the same joined objects and annotations, typed values —
for each key, and nothing outside the queryset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.roles import Role
from qitong.core.prepared import PreparedGet, prepared, prepared_clear
from qitong.tickets.models import Ticket
from qitong.tickets.selectors import tickets_visible_to
from tests.factories import World
from tests.ticket_factories import file_by_phone, submit_online

pytestmark = pytest.mark.django_db


def _scoped(world: World, role: str):  # type: ignore[no-untyped-def]
    return (
        tickets_visible_to(actor_of(world.users[role]))
        .select_related("enterprise", "category", "desk")
        .annotate(doubled=F("version") * 2)
        .order_by()
    )


def test_each_key_gives_the_row_the_queryset_gives(world: World) -> None:
    first, second = file_by_phone(world), submit_online(world)
    get = PreparedGet(_scoped(world, "operator"))
    for ticket in (first, second, first):
        plain = _scoped(world, "operator").get(pk=ticket.pk)
        with CaptureQueriesContext(connection) as queries:
            got = get.get(ticket.pk)
            assert got is not None
            # Joined objects and annotations come with the row: no further statement.
            assert (got.enterprise.name, got.category.code, got.doubled) == (
                plain.enterprise.name,
                plain.category.code,
                plain.version * 2,
            )
        assert len(queries) == 1
        assert got.pk == ticket.pk and got.number == plain.number
        assert isinstance(got.created_at, dt.datetime) and got.created_at == plain.created_at
        assert got._state.adding is False and got._state.db == "default"


def test_nothing_outside_the_queryset(world: World) -> None:
    ticket = file_by_phone(world)
    other = Actor(role=Role.ENTERPRISE, enterprise_id=world.baotou_ent.pk)
    assert PreparedGet(tickets_visible_to(other)).get(ticket.pk) is None  # another's scope
    assert PreparedGet(Ticket.objects.none()).get(ticket.pk) is None
    mine = PreparedGet(Ticket.objects.all())
    assert mine.get(ticket.pk + 1000) is None
    assert mine.get("not a number") is None
    assert mine.get(str(ticket.pk)).pk == ticket.pk  # type: ignore[union-attr]


def test_statements_are_kept_per_key_and_locks_still_lock(world: World) -> None:
    ticket = file_by_phone(world)
    prepared_clear()
    builds: list[str] = []

    def build(role: str):  # type: ignore[no-untyped-def]
        builds.append(role)
        return tickets_visible_to(actor_of(world.users[role])).select_for_update()

    with transaction.atomic():
        for role in ("operator", "operator", "enterprise", "operator"):
            assert prepared(("t", role), lambda role=role: build(role)).get(ticket.pk) is not None
    assert builds == ["operator", "enterprise"]
    if connection.vendor == "postgresql":
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            prepared(("t", "operator"), lambda: build("operator")).get(ticket.pk)
        assert "FOR UPDATE" in queries[-1]["sql"]
    prepared_clear()


def test_by_another_unique_field(world: World) -> None:
    from qitong.enterprises.models import Enterprise
    from qitong.enterprises.selectors import enterprises_visible_to

    operator = world.users["operator"]  # Hohhot's desk: Baotou's enterprises are out of scope
    get = PreparedGet(enterprises_visible_to(operator), field="credit_code")
    found = get.get(world.ent.credit_code)
    assert found is not None and found.pk == world.ent.pk and found.region.code == "150102"
    assert get.get(world.baotou_ent.credit_code) is None
    assert get.get("91150102MA0000000X") is None
    with pytest.raises(AssertionError):
        PreparedGet(Enterprise.objects.all(), field="name")  # not unique: no single row
