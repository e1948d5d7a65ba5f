"""The ticket API contract: paths, codes, errors, idempotency, scoping, cursor pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qitong.tickets.models import Ticket
from qitong.tickets.states import TicketState as S
from tests.factories import World
from tests.matrix import client_for
from tests.ticket_factories import ticket_in_state

pytestmark = pytest.mark.django_db


def _body(world: World, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "type": "consultation",
        "category": "tax.policy",
        "urgency": "normal",
        "channel": "phone",
        "content": "研发费用加计扣除比例是多少？",
        "credit_code": world.ent.credit_code,
        "contact_phone": "+86 138 0000 0001",
    }
    body.update(overrides)
    return body


def post(client, path: str, body: dict[str, object], **headers: str):  # type: ignore[no-untyped-def]
    return client.post(path, body, content_type="application/json", headers=headers)


def test_staff_creates_registered_ticket_with_deadlines(world: World) -> None:
    response = post(client_for(world, "operator"), "/api/v1/tickets", _body(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "registered" and data["number"].startswith("QT")
    assert data["deadlines"]["dispatch"] is not None
    assert "dispatch" in data["allowed_actions"]
    assert data["contact_phone"] == "138****0001"


def test_enterprise_ticket_is_its_own_and_submitted(world: World) -> None:
    body = _body(world, channel="web")
    del body["credit_code"]
    response = post(client_for(world, "enterprise"), "/api/v1/tickets", body)
    assert response.status_code == 201
    data = response.json()
    assert data["state"] == "submitted"
    assert data["enterprise"]["credit_code"] == world.ent.credit_code
    assert data["contact_phone"] == "13800000001"  # its own number, unmasked


def test_idempotency_key_yields_one_ticket(world: World) -> None:
    client = client_for(world, "operator")
    first = post(client, "/api/v1/tickets", _body(world), **{"Idempotency-Key": "abc-123"})
    second = post(client, "/api/v1/tickets", _body(world), **{"Idempotency-Key": "abc-123"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Ticket.objects.count() == 1


def test_same_key_with_another_body_is_refused(world: World) -> None:
    client = client_for(world, "operator")
    key = {"Idempotency-Key": "k-1"}
    assert post(client, "/api/v1/tickets", _body(world), **key).status_code == 201
    for changed in (_body(world, content="另一件事"), _body(world, type="gossip")):
        again = post(client, "/api/v1/tickets", changed, **key)
        assert again.status_code == 422
        assert again.json()["code"] == "idempotency_mismatch"
        assert "Idempotency-Key" in again.json()["fields"]
    assert Ticket.objects.count() == 1


def test_two_users_may_send_the_same_key(world: World) -> None:
    """The lookup is per user: a second operator's appeal under the same key is their own."""
    from qitong.accounts.roles import Role
    from tests.factories import user

    other = user("operator2", Role.OPERATOR, desk=world.users["operator"].desk)
    second_client = client_for(world, "operator")
    second_client.force_login(other)
    key = {"Idempotency-Key": "shared-key"}
    first = post(client_for(world, "operator"), "/api/v1/tickets", _body(world), **key)
    second = post(second_client, "/api/v1/tickets", _body(world), **key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert Ticket.objects.count() == 2


def test_keys_are_not_truncated(world: World) -> None:
    client = client_for(world, "operator")
    prefix = "p" * 100
    assert (
        post(client, "/api/v1/tickets", _body(world), **{"Idempotency-Key": prefix}).status_code
        == 201
    )
    longer = post(client, "/api/v1/tickets", _body(world), **{"Idempotency-Key": prefix + "x"})
    assert longer.status_code == 422 and "Idempotency-Key" in longer.json()["fields"]
    assert Ticket.objects.count() == 1


def test_invalid_ticket_names_fields(world: World) -> None:
    response = post(
        client_for(world, "operator"),
        "/api/v1/tickets",
        _body(world, type="gossip", channel="fax", content=""),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"type", "channel", "content"}
    assert Ticket.objects.count() == 0


def test_actions_through_the_api(world: World) -> None:
    ticket = ticket_in_state(world, S.REGISTERED)
    operator = client_for(world, "operator")
    url = f"/api/v1/tickets/{ticket.pk}/actions/dispatch"
    missing = post(operator, url, {})
    assert missing.status_code == 422
    assert missing.json()["fields"] == {"department": "请选择承办单位"}
    ok = post(operator, url, {"department": world.dept.pk, "version": ticket.version})
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "dispatched"
    again = post(operator, url, {"department": world.dept.pk})
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    stale = post(
        client_for(world, "handler"),
        f"/api/v1/tickets/{ticket.pk}/actions/sign",
        {"version": ticket.version},
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    signed = post(client_for(world, "handler"), f"/api/v1/tickets/{ticket.pk}/actions/sign", {})
    assert signed.json()["state"] == "in_progress"


def test_out_of_scope_is_404_and_wrong_role_is_403(world: World) -> None:
    ticket = ticket_in_state(world, S.DISPATCHED)
    from tests.factories import user

    outsider = user("bt_op", "operator", desk=world.baotou_desk)
    from django.test import Client

    client = Client()
    client.force_login(outsider)
    assert client.get(f"/api/v1/tickets/{ticket.pk}").status_code == 404
    assert post(client, f"/api/v1/tickets/{ticket.pk}/actions/remind", {}).status_code == 404
    forbidden = post(
        client_for(world, "enterprise"), f"/api/v1/tickets/{ticket.pk}/actions/sign", {}
    )
    assert forbidden.status_code == 403


def test_detail_timeline_hides_internal_steps_from_the_enterprise(world: World) -> None:
    ticket = ticket_in_state(world, S.IN_PROGRESS)
    post(
        client_for(world, "desk_lead"),
        f"/api/v1/tickets/{ticket.pk}/actions/remind",
        {"note": "内部催办说明"},
    )
    staff = client_for(world, "desk_lead").get(f"/api/v1/tickets/{ticket.pk}").json()
    assert [e["action"] for e in staff["timeline"]] == [
        "create",
        "register",
        "dispatch",
        "sign",
        "remind",
    ]
    assert staff["timeline"][-1]["note"] == "内部催办说明"
    mine = client_for(world, "enterprise").get(f"/api/v1/tickets/{ticket.pk}").json()
    assert [e["label"] for e in mine["timeline"]] == [
        "诉求已提交",
        "专席已受理",
        "已转承办单位办理",
        "承办单位已签收",
    ]
    assert all(e["actor"] == "" for e in mine["timeline"])


def test_confidential_ticket_hides_the_enterprise_from_the_department(world: World) -> None:
    ticket = ticket_in_state(world, S.DISPATCHED)
    Ticket.objects.filter(pk=ticket.pk).update(confidential=True)
    data = client_for(world, "handler").get(f"/api/v1/tickets/{ticket.pk}").json()
    assert data["enterprise"] is None and data["contact_phone"] == ""
    assert client_for(world, "operator").get(f"/api/v1/tickets/{ticket.pk}").json()["enterprise"]


def test_list_is_scoped_filtered_and_paged_by_cursor(world: World) -> None:
    tickets = [ticket_in_state(world, S.REGISTERED) for _ in range(5)]
    ticket_in_state(world, S.DISPATCHED)
    client = client_for(world, "operator")
    page = client.get("/api/v1/tickets", {"state": "registered", "limit": 2}).json()
    seen = [t["id"] for t in page["items"]]
    while page["next_cursor"]:
        page = client.get(
            "/api/v1/tickets", {"state": "registered", "limit": 2, "cursor": page["next_cursor"]}
        ).json()
        seen += [t["id"] for t in page["items"]]
    assert seen == sorted((t.pk for t in tickets), reverse=True)
    handler = client_for(world, "handler").get("/api/v1/tickets").json()
    assert [t["state"] for t in handler["items"]] == ["dispatched"]
    bad = client.get("/api/v1/tickets", {"state": "flying"})
    assert bad.status_code == 422 and "state" in bad.json()["fields"]


@pytest.mark.parametrize("role", ["operator", "handler", "enterprise", "specialist"])
def test_a_list_page_costs_the_same_queries_whatever_its_size(
    world: World, role: str, django_assert_num_queries: Any
) -> None:
    """No query per row: a presenter reading a relation the list does not fetch would add one
    per ticket and break this."""
    states = [S.DISPATCHED, S.IN_PROGRESS, S.WITH_SPECIALIST, S.SUSPENDED]
    client = client_for(world, role)
    client.get("/api/v1/tickets")  # warm: session, user
    for state in states:  # at least one ticket each role sees
        ticket_in_state(world, state)
    with CaptureQueriesContext(connection) as one:
        small = client.get("/api/v1/tickets").json()["items"]
    for state in states * 3:
        ticket_in_state(world, state)
    with django_assert_num_queries(len(one.captured_queries)):
        large = client.get("/api/v1/tickets").json()["items"]
    assert len(large) > len(small) >= 1
    assert all(item["allowed_actions"] is not None and item["deadlines"] for item in large)


def test_categories_tree(world: World) -> None:
    data = client_for(world, "enterprise").get("/api/v1/categories").json()
    tax = next(c for c in data if c["code"] == "tax")
    assert {"code": "tax.policy", "name": "税收优惠政策", "children": []} in tax["children"]


def test_confidential_timeline_masks_the_enterprise_account_in_the_api(world: World) -> None:
    ticket = ticket_in_state(world, S.DISPATCHED)
    Ticket.objects.filter(pk=ticket.pk).update(confidential=True)
    entries = client_for(world, "handler").get(f"/api/v1/tickets/{ticket.pk}").json()["timeline"]
    create = entries[0]
    assert create["action"] == "create" and create["actor"] == "企业（保密）"
    assert all(e["actor"] != "enterprise" for e in entries)


def test_enterprise_timeline_names_its_own_steps_and_the_close(world: World) -> None:
    ticket = ticket_in_state(world, S.CLOSED)
    post(
        client_for(world, "enterprise"), f"/api/v1/tickets/{ticket.pk}/actions/rate", {"rating": 5}
    )
    labels = [
        e["label"]
        for e in client_for(world, "enterprise")
        .get(f"/api/v1/tickets/{ticket.pk}")
        .json()["timeline"]
    ]
    assert labels[-2:] == ["专席已回访，诉求已办结", "您已评价"]
