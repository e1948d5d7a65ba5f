"""Finding a ticket: by its QT number, credit code, phone or words of the appeal, from the desk
box and `GET /api/v1/tickets?q=`, always within the caller's scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from qitong.accounts.actor import actor_of
from qitong.tickets.models import Ticket
from qitong.tickets.search import classify, ticket_search
from qitong.tickets.services import TicketInput, ticket_create
from tests.factories import World
from tests.matrix import client_for

pytestmark = pytest.mark.django_db


def _file(
    world: World, content: str, *, baotou: bool = False, phone: str = "13900000011"
) -> Ticket:
    enterprise = world.baotou_ent if baotou else world.ent
    user = world.users["operator"]
    if baotou:
        from qitong.accounts.roles import Role
        from tests.factories import user as make_user

        user = make_user(f"bt{Ticket.objects.count()}", Role.OPERATOR, desk=world.baotou_desk)
    ticket, _ = ticket_create(
        data=TicketInput(
            type="consultation",
            category="tax.policy",
            urgency="normal",
            channel="phone",
            content=content,
            credit_code=enterprise.credit_code,
            contact_phone=phone,
        ),
        user=user,
    )
    return ticket


def _ids(world: World, role: str, q: str) -> list[int]:
    user = world.users[role]
    return list(ticket_search(actor=actor_of(user), user=user, q=q).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("q", "kind"),
    [
        ("QT20261202000006", "number"),
        ("qt20261202000006", "number"),
        ("91150102MA0QT0011F", "credit_code"),
        ("91150102", "words"),  # digits only: too ambiguous for a code prefix
        ("91150102MA", "credit_prefix"),
        ("138 0000 0001", "phone"),
        ("营业执照 延期", "words"),
        ("", "empty"),
    ],
)
def test_a_query_is_read_as_what_it_looks_like(q: str, kind: str) -> None:
    assert classify(q).kind == kind


def test_by_number_code_phone_and_words(world: World) -> None:
    power = _file(world, "新建车间需要增容用电，报装申请提交两周仍未安排现场勘察")
    license_ = _file(
        world, "食品生产许可证延续申请材料已提交，现场核查一直未安排", phone="13900000022"
    )
    assert _ids(world, "operator", power.number) == [power.pk]
    assert _ids(world, "operator", power.number.lower()) == [power.pk]
    assert set(_ids(world, "operator", world.ent.credit_code)) == {power.pk, license_.pk}
    assert _ids(world, "operator", "139 0000 0022") == [license_.pk]
    assert _ids(world, "operator", "用电 报装") == [power.pk]
    assert _ids(world, "operator", "现场") == [license_.pk, power.pk]  # newest first
    assert _ids(world, "operator", "现场 许可证") == [license_.pk]  # every word must occur
    assert _ids(world, "operator", "不存在的词语组合") == []


def test_an_enterprise_name_finds_its_tickets(world: World) -> None:
    ticket = _file(world, "咨询研发费用加计扣除")
    assert _ids(world, "operator", "测试科技") == [ticket.pk]


def test_search_stays_within_the_scope(world: World) -> None:
    ours = _file(world, "增容用电报装")
    theirs = _file(world, "增容用电报装", baotou=True)
    assert _ids(world, "operator", "增容 用电") == [ours.pk]
    assert _ids(world, "operator", theirs.number) == []
    assert _ids(world, "operator", world.baotou_ent.credit_code) == []
    assert _ids(world, "handler", ours.number) == []  # not dispatched to its department
    assert _ids(world, "enterprise", ours.number) == [ours.pk]  # its own
    assert _ids(world, "admin", "增容 用电") == [theirs.pk, ours.pk]


def test_phone_search_is_the_desks_alone(world: World) -> None:
    ticket = _file(world, "增容用电报装", phone="13900000033")
    assert _ids(world, "operator", "13900000033") == [ticket.pk]
    assert _ids(world, "supervisor", "13900000033") == []
    assert _ids(world, "admin", "13900000033") == []


def test_api_q(world: World) -> None:
    ticket = _file(world, "增容用电报装申请")
    client = client_for(world, "operator")
    for q in (ticket.number, "增容 用电", world.ent.credit_code):
        items = client.get("/api/v1/tickets", {"q": q}).json()["items"]
        assert [t["id"] for t in items] == [ticket.pk], q
    none = client.get("/api/v1/tickets", {"q": "QT20991231999999"}).json()["items"]
    assert none == []
    too_long = client.get("/api/v1/tickets", {"q": "字" * 101})
    assert too_long.status_code == 422 and "q" in too_long.json()["fields"]


def test_the_desk_box_finds_a_ticket_by_number(world: World) -> None:
    ticket = _file(world, "增容用电报装申请")
    client = client_for(world, "operator")
    page = client.get(reverse("dashboards:desk"), {"q": ticket.number}).content.decode()
    assert "找到 1 张工单" in page
    assert reverse("tickets:detail", args=[ticket.pk]) in page
    assert "未找到匹配的企业" not in page


def test_words_are_indexed_in_the_same_transaction(world: World) -> None:
    ticket = _file(world, "营商环境投诉：窗口办事排队时间过长")
    assert "排队" in ticket.search_words.split()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH '\"排队\"'")
            assert [r[0] for r in cursor.fetchall()] == [ticket.pk]


def test_the_sqlite_index_triggers_exist() -> None:
    """Altering or adding a column of tickets_ticket rebuilds the table on SQLite and drops its
    triggers (0010 did): after every migrate they are put back (tickets.apps, post_migrate)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's index is a generated column")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='tickets_ticket'"
        )
        names = {r[0] for r in cursor.fetchall()}
    assert {"tickets_fts_insert", "tickets_fts_update", "tickets_fts_delete"} <= names


def test_missing_triggers_are_put_back_and_the_index_rebuilt(world: World) -> None:
    from qitong.tickets.search import sqlite_index_ensure

    ticket = _file(world, "窗口排队时间过长")
    if connection.vendor != "sqlite":
        assert sqlite_index_ensure() is False
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER tickets_fts_insert")
    later = _file(world, "窗口排队仍然很长")  # written while the trigger was gone
    assert _ids(world, "operator", "排队") == [ticket.pk]
    assert sqlite_index_ensure() is True
    assert _ids(world, "operator", "排队") == [later.pk, ticket.pk]
    assert sqlite_index_ensure() is False
