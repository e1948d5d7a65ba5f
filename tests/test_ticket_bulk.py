"""Bulk actions (催办、派单、审核通过) from the list and the API: one service call per ticket,
each ledgered; a refused ticket changes nothing of the others and says why; scope holds."""

from __future__ import annotations

from qitong.ledger.models import Event
from qitong.tickets.models import Ticket
from qitong.tickets.states import TicketState as S
from tests.factories import World
from tests.matrix import client_for
from tests.test_ticket_pages import _baotou
from tests.ticket_factories import file_by_phone, ticket_in_state


def test_a_desk_dispatches_a_selection_to_one_department(world: World) -> None:
    a, b = file_by_phone(world), file_by_phone(world)
    closed = ticket_in_state(world, S.CLOSED)
    client = client_for(world, "operator")
    response = client.post(
        "/tickets/bulk/",
        {"bulk_action": "dispatch", "ticket": [a.pk, b.pk, closed.pk], "department": world.dept.pk,
         "back": "state=registered"},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain[-1][0] == "/tickets/?state=registered"
    page = response.content.decode()
    assert f"已派单 2 张工单：{a.number}、{b.number}" in page
    assert f"1 张未派单——{closed.number}：" in page
    for t in (a, b):
        t.refresh_from_db()
        assert t.state == S.DISPATCHED and t.lead_department_id == world.dept.pk
    assert (
        Event.objects.filter(action="dispatch").count() >= 2 + 1
    )  # each its own event (+ closed's own)
    closed.refresh_from_db()
    assert closed.state == S.CLOSED


def test_the_api_reminds_and_reports_each_ticket(world: World) -> None:
    held = ticket_in_state(world, S.IN_PROGRESS)
    outside = _baotou(world, S.REGISTERED)
    client = client_for(world, "desk_lead")
    body = client.post(
        "/api/v1/tickets/bulk-actions/remind",
        {"tickets": [held.pk, outside.pk, held.pk], "note": "请加快办理"},
        content_type="application/json",
    ).json()
    assert body["done"] == 1 and body["refused"] == 1
    ok, refused = body["results"]
    assert ok["id"] == held.pk and ok["ok"] is True
    assert refused == {
        "id": outside.pk,
        "number": "",
        "ok": False,
        "state": "",
        "error": refused["error"],
    }
    assert Event.objects.filter(action="remind", subject_id=str(held.pk)).count() == 1


def test_bulk_accept_and_bad_requests(world: World) -> None:
    replied = [ticket_in_state(world, S.REPLIED) for _ in range(2)]
    client = client_for(world, "desk_lead")
    body = client.post(
        "/api/v1/tickets/bulk-actions/accept_reply",
        {"tickets": [t.pk for t in replied]},
        content_type="application/json",
    ).json()
    assert body["done"] == 2
    assert set(
        Ticket.objects.filter(pk__in=[t.pk for t in replied]).values_list("state", flat=True)
    ) == {S.AWAITING_CALLBACK}
    bad = client.post(
        "/api/v1/tickets/bulk-actions/dispatch",
        {"tickets": [replied[0].pk]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "department" in bad.json()["fields"]
    assert (
        client.post(
            "/api/v1/tickets/bulk-actions/close", {"tickets": [1]}, content_type="application/json"
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/tickets/bulk-actions/remind", {"tickets": []}, content_type="application/json"
        ).status_code
        == 422
    )
    # a role without the action: the page refuses before touching a ticket
    handler = client_for(world, "handler")
    response = handler.post(
        "/tickets/bulk/", {"bulk_action": "remind", "ticket": [replied[0].pk]}, follow=True
    )
    assert "请选择批量操作" in response.content.decode()


def test_the_list_offers_the_bulk_bar_to_the_desk_only(world: World) -> None:
    file_by_phone(world)
    assert 'id="bulk"' in client_for(world, "desk_lead").get("/tickets/").content.decode()
    assert 'id="bulk"' not in client_for(world, "handler").get("/tickets/").content.decode()
