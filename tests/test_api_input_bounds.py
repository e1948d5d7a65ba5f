"""Bad input is a 4xx in the error shape, never a 500, and the two databases behave the same:
each case here was a server error (or a silent difference between SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from qitong.enterprises.models import Enterprise
from qitong.tickets.models import Ticket
from tests.factories import World
from tests.matrix import client_for
from tests.test_ticket_api import _body, post
from tests.ticket_factories import ticket_in_state

pytestmark = pytest.mark.django_db

HUGE = 10**30


def _error(response, status: int = 422) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, object] = response.json()
    assert set(body) == {"code", "message", "fields"}
    return body


@pytest.mark.parametrize("path", ["/api/v1/regions", "/api/v1/enterprises", "/api/v1/departments"])
@pytest.mark.parametrize(
    ("query", "field"),
    [(f"limit={HUGE}", "limit"), (f"offset={HUGE}", "offset"), ("offset=-1", "offset")],
)
def test_pages_are_bounded(world: World, path: str, query: str, field: str) -> None:
    body = _error(client_for(world, "operator").get(f"{path}?{query}"))
    assert body["code"] == "invalid" and field in body["fields"]  # type: ignore[operator]


def test_largest_page_is_served(world: World) -> None:
    response = client_for(world, "operator").get("/api/v1/regions?limit=500&offset=100000")
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/tickets/{HUGE}",
        f"/api/v1/enterprises/{HUGE}",
        f"/api/v1/knowledge/articles/{HUGE}",
        "/api/v1/tickets/0",
    ],
)
def test_ids_beyond_any_key_are_field_errors(world: World, path: str) -> None:
    body = _error(client_for(world, "operator").get(path))
    assert body["code"] == "invalid"


def test_action_on_a_huge_ticket_id(world: World) -> None:
    response = post(client_for(world, "operator"), f"/api/v1/tickets/{HUGE}/actions/dispatch", {})
    assert _error(response)["code"] == "invalid"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"department={HUGE}", "department"),
        ("created_from=0001-01-01T00:00:00", "created_from"),
        ("created_to=9999-12-31T23:59:59", "created_to"),
        ("created_from=-120", "created_from"),  # pydantic read it as seconds since 1970
        ("created_from=yesterday", "created_from"),
        ("state=nonsense", "state"),
        ("type=-58800", "type"),  # documented as an enum, was accepted
    ],
)
def test_ticket_filters_are_bounded(world: World, query: str, field: str) -> None:
    body = _error(client_for(world, "operator").get(f"/api/v1/tickets?{query}"))
    assert field in body["fields"]  # type: ignore[operator]
    assert all(not str(m).isascii() for m in body["fields"].values())  # type: ignore[attr-defined]


def test_a_naive_time_filter_is_beijing_time(world: World) -> None:
    ticket_in_state(world, "registered")
    ok = client_for(world, "operator").get("/api/v1/tickets?created_from=2000-01-01T00:00:00")
    assert ok.status_code == 200 and len(ok.json()["items"]) == 1


@pytest.mark.parametrize(
    "raw",
    [
        '{"content": "\\ud800 一个孤立的代理项"}',  # a lone surrogate: neither database stores it
        '{"content": "空字符\\u0000在中间"}',  # PostgreSQL refuses NUL; SQLite stored it
        '{"contact_name": "\\udfff"}',
    ],
)
def test_text_no_database_can_store_is_refused(world: World, raw: str) -> None:
    body = {**_body(world), **json.loads(raw)}
    response = client_for(world, "operator").post(
        "/api/v1/tickets", json.dumps(body), content_type="application/json"
    )
    field = next(iter(json.loads(raw)))
    assert field in _error(response)["fields"]  # type: ignore[operator]
    assert not Ticket.objects.exists()


def test_nul_in_a_query_is_refused(world: World) -> None:
    body = _error(client_for(world, "operator").get("/api/v1/enterprises?q=a%00b"))
    assert "q" in body["fields"]  # type: ignore[operator]


def test_surrogate_in_an_action_body_is_refused(world: World) -> None:
    ticket = ticket_in_state(world, "registered")
    response = client_for(world, "operator").post(
        f"/api/v1/tickets/{ticket.pk}/actions/reject",
        '{"reason": "\\ud800"}',
        content_type="application/json",
    )
    assert "reason" in _error(response)["fields"]  # type: ignore[operator]
    ticket.refresh_from_db()
    assert ticket.state == "registered"


def test_contact_name_over_its_column_is_a_field_error(world: World) -> None:
    response = post(
        client_for(world, "operator"), "/api/v1/tickets", _body(world, contact_name="张" * 51)
    )
    assert "contact_name" in _error(response)["fields"]  # type: ignore[operator]
    assert not Ticket.objects.exists()
    ok = post(
        client_for(world, "operator"), "/api/v1/tickets", _body(world, contact_name="张" * 50)
    )
    assert ok.status_code == 201


def test_enterprise_contact_over_its_column_is_a_field_error(world: World) -> None:
    response = post(
        client_for(world, "operator"),
        "/api/v1/enterprises",
        {
            "credit_code": "91150102MA0QT0011F",
            "name": "测试企业",
            "region": "150102",
            "industry": "C",
            "size": "small",
            "address": "地" * 201,
            "contacts": [{"name": "王" * 51, "phone": "13800000009", "position": "职" * 51}],
        },
    )
    fields = _error(response)["fields"]
    assert {"address", "contacts.0.name", "contacts.0.position"} <= set(fields)  # type: ignore[call-overload]
    assert not Enterprise.objects.filter(name="测试企业").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": 12345}, "reason"),  # a number was turned into text
        ({"reason": ["a", "b"]}, "reason"),
        ({"reason": {"a": 1}}, "reason"),
        ({"reason": "理由", "version": True}, "version"),
        ({"reason": "理由", "version": -1}, "version"),
        ({"reason": "理由", "attachments": 5}, "attachments"),
    ],
)
def test_action_inputs_are_strictly_typed(
    world: World, body: dict[str, object], field: str
) -> None:
    ticket = ticket_in_state(world, "submitted")
    response = post(
        client_for(world, "operator"), f"/api/v1/tickets/{ticket.pk}/actions/reject", body
    )
    assert field in _error(response)["fields"]  # type: ignore[operator]
    ticket.refresh_from_db()
    assert ticket.state == "submitted"


@pytest.mark.parametrize("value", [True, "7", 1.5, HUGE, 0])
def test_pairing_takes_a_json_integer_id(world: World, value: object) -> None:
    response = client_for(world, "operator").put(
        f"/api/v1/enterprises/{world.ent.pk}/pairing",
        {"specialist": value},
        content_type="application/json",
    )
    assert "specialist" in _error(response)["fields"]  # type: ignore[operator]


def test_unparsable_body_is_a_422_in_chinese(world: World) -> None:
    response = client_for(world, "operator").post(
        "/api/v1/enterprises", "{not json", content_type="application/json"
    )
    body = _error(response)
    assert body["code"] == "invalid" and body["fields"] == {"__all__": "请求体应为 JSON 对象"}


def test_wrong_method_and_unknown_path_answer_in_our_codes(world: World) -> None:
    client = client_for(world, "operator")
    wrong = client.delete("/api/v1/regions")
    assert _error(wrong, 405)["code"] == "method_not_allowed" and "GET" in wrong["Allow"]
    assert _error(client.get("/api/v1/no-such-thing"), 404)["code"] == "not_found"


PDF = b"%PDF-1.4\n" + b"0" * 100


def test_a_documented_20_mb_attachment_is_accepted(world: World) -> None:
    import base64

    big = PDF + b"1" * (2 * 1024 * 1024)  # 2 MB: was an HTML "Bad Request (400)"
    body = _body(
        world, attachments=[{"name": "材料.pdf", "content_base64": base64.b64encode(big).decode()}]
    )
    response = post(client_for(world, "operator"), "/api/v1/tickets", body)
    assert response.status_code == 201, response.content[:300]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_a_body_over_the_limit_is_413_in_the_error_shape(world: World) -> None:
    import base64

    big = base64.b64encode(PDF + b"1" * (2 * 1024 * 1024)).decode()
    body = _body(world, attachments=[{"name": "材料.pdf", "content_base64": big}])
    response = post(client_for(world, "operator"), "/api/v1/tickets", body)
    assert _error(response, 413)["code"] == "too_large"
    assert not Ticket.objects.exists()


def test_a_body_over_the_limit_on_an_action_is_413(world: World) -> None:
    ticket = ticket_in_state(world, "registered")
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = post(
            client_for(world, "operator"),
            f"/api/v1/tickets/{ticket.pk}/actions/reject",
            {"reason": "很长" * 1000},
        )
    assert _error(response, 413)["code"] == "too_large"


def test_unauthenticated_answers_in_the_error_shape() -> None:
    assert _error(Client().get("/api/v1/tickets"), 401)["code"] == "unauthenticated"


def test_every_operation_declares_its_error_answers(world: World) -> None:
    doc = client_for(world, "operator").get("/api/v1/openapi.json").json()
    assert "Error" in doc["components"]["schemas"]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            declared = set(op["responses"])
            assert {"401", "403", "404", "422"} <= declared, (method, path)
            if method in ("post", "put"):
                assert {"409", "413"} <= declared, (method, path)
            ref = op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error"
