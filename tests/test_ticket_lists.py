"""The staff ticket list: scope, every filter in the URL, bad filters named, sorting, paging,
the department's closed history, and the Excel export (rows, masking, the ledger)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from qitong.ledger.models import Event
from qitong.tickets.models import Ticket
from qitong.tickets.states import TicketState as S
from tests.factories import World
from tests.matrix import client_for
from tests.test_ticket_pages import _baotou
from tests.ticket_factories import act, file_by_phone, ticket_in_state


def numbers(response: Any) -> list[str]:
    return re.findall(r">(QT\d{14})</a></td>", response.content.decode())


def test_the_supervisor_lists_its_region_only_and_filters_by_url(world: World) -> None:
    closed = ticket_in_state(world, S.CLOSED)
    registered = ticket_in_state(world, S.REGISTERED)
    outside = _baotou(world, S.REGISTERED)
    client = client_for(world, "supervisor")
    everything = numbers(client.get("/tickets/"))
    assert closed.number in everything and registered.number in everything
    assert outside.number not in everything  # Baotou is outside the Hohhot supervisor
    assert numbers(client.get("/tickets/?state=closed")) == [closed.number]
    assert numbers(client.get("/tickets/?state=open")) == [registered.number]
    assert numbers(client.get("/tickets/?satisfaction=satisfied")) == [closed.number]
    assert numbers(client.get("/tickets/?fact=signed_on_time&fact=replied_on_time")) == [
        closed.number
    ]
    assert numbers(client.get(f"/tickets/?department={world.dept.pk}")) == [closed.number]
    assert numbers(client.get(f"/tickets/?q={registered.number}")) == [registered.number]
    page = client.get("/tickets/?state=closed").content.decode()
    assert "状态：已办结" in page and '共 <strong class="num" data-total>1</strong> 件' in page
    # sorted: oldest first puts the first one created first
    assert numbers(client.get("/tickets/?sort=created"))[0] == closed.number


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=nonsense", "状态"),
        ("created_from=2026-13-01", "登记日期从"),
        ("created_from=2026-05-02&created_to=2026-05-01", "登记日期至：结束日期不能早于开始日期"),
        ("department=abc", "主办单位"),
        ("fact=bogus", "统计口径"),
        ("sort=-password", "排序"),
    ],
)
def test_a_bad_filter_is_named_and_lists_nothing(world: World, query: str, field: str) -> None:
    ticket_in_state(world, S.REGISTERED)
    response = client_for(world, "supervisor").get(f"/tickets/?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    summary = re.search(r"<div [^>]*data-filter-errors>(.*?)</div>", page, re.S)
    assert summary is not None and field in summary.group(1), page[:2000]
    assert numbers(response) == []


def test_the_department_lists_its_own_and_its_closed_history(world: World) -> None:
    closed = ticket_in_state(world, S.CLOSED)
    waiting = ticket_in_state(world, S.REGISTERED)  # not dispatched: not the department's
    client = client_for(world, "handler")
    assert numbers(client.get("/tickets/")) == [closed.number]
    assert numbers(client.get("/tickets/?state=final&sort=-closed")) == [closed.number]
    assert waiting.number not in numbers(client.get(f"/tickets/?q={waiting.number}"))
    page = client.get("/tickets/").content.decode()
    assert 'name="department"' not in page  # a department's list is its own work
    assert "本单位已办结的工单" in client.get("/department/").content.decode()


def test_paging_keeps_the_filters(world: World) -> None:
    for _ in range(3):
        file_by_phone(world)
    from qitong.tickets import listing

    listing.PAGE_SIZE, saved = 2, listing.PAGE_SIZE
    try:
        response = client_for(world, "operator").get("/tickets/?type=consultation")
    finally:
        listing.PAGE_SIZE = saved
    page = response.content.decode()
    assert len(numbers(response)) == 2
    assert "?type=consultation&amp;page=2" in page


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_has_the_filtered_rows_in_words_and_is_ledgered(world: World) -> None:
    closed = ticket_in_state(world, S.CLOSED)
    ticket_in_state(world, S.REGISTERED)
    response = client_for(world, "supervisor").get("/tickets/export.xlsx?state=closed")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response)
    assert "状态：已办结" in rows[0][0]
    assert rows[1][0] == "工单编号"
    assert [r[0] for r in rows[2:]] == [closed.number]
    header = rows[1]
    data = dict(zip(header, rows[2], strict=False))
    assert data["状态"] == "已办结" and data["诉求类型"] == "投诉" and data["满意度"] == "非常满意"
    assert data["按时签收"] == "是"
    event = Event.objects.filter(action="tickets_export").get()
    assert event.payload["rows"] == 1 and event.payload["filters"] == {"state": ["closed"]}


def test_a_department_export_hides_a_confidential_enterprise(world: World) -> None:
    ticket = file_by_phone(
        world, type="complaint", category="enforcement.inspection", confidential=True
    )
    act(world, ticket, "dispatch", "operator", department=world.dept.pk)
    rows = _sheet(client_for(world, "handler").get("/tickets/export.xlsx"))
    data = dict(zip(rows[1], rows[2], strict=False))
    assert data["企业"] == "（保密工单）" and not data["统一社会信用代码"]
    rows = _sheet(client_for(world, "operator").get("/tickets/export.xlsx"))
    data = dict(zip(rows[1], rows[2], strict=False))
    assert data["企业"] == Ticket.objects.get(pk=ticket.pk).enterprise.name


def test_the_printable_assignment_sheet(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    page = client_for(world, "handler").get(f"/tickets/{ticket.pk}/print/").content.decode()
    assert "工单交办单" in page and ticket.number in page and world.dept.name in page
    assert "签收时限" in page and "签收人" in page
    assert "办理操作" not in page and "site-header" not in page  # no panels, no navigation
    assert "13800000001" not in page  # the number stays masked on paper
    assert client_for(world, "enterprise").get(f"/tickets/{ticket.pk}/print/").status_code == 404
    outside = _baotou(world, S.REGISTERED)
    assert client_for(world, "handler").get(f"/tickets/{outside.pk}/print/").status_code == 404
