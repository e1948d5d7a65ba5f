"""Personal data: contact numbers are masked in the API for every role but the desk (whose
caller lookup needs them) and the enterprise itself; revealing them is a ledgered act."""

from __future__ import annotations

import pytest

from qitong.ledger.models import Event
from tests.factories import World
from tests.matrix import client_for

pytestmark = pytest.mark.django_db

MASKING_ROLES = ["handler", "dept_leader", "specialist", "supervisor", "admin", "auditor"]


def _phones(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    data = response.json()
    items = data["items"] if isinstance(data, dict) and "items" in data else [data]
    return [c["phone"] for item in items for c in item["contacts"]]


@pytest.mark.parametrize("role", MASKING_ROLES)
def test_other_roles_get_masked_numbers(world: World, role: str) -> None:
    client = client_for(world, role)
    listed = _phones(client.get("/api/v1/enterprises?limit=500"))
    detail = _phones(client.get(f"/api/v1/enterprises/{world.ent.pk}"))
    assert listed and detail
    assert all("****" in p for p in listed + detail), listed + detail
    assert "13800000001" not in str(client.get("/api/v1/enterprises?limit=500").content)


@pytest.mark.parametrize("role", MASKING_ROLES)
def test_other_roles_cannot_look_up_by_phone(world: World, role: str) -> None:
    found = client_for(world, role).get("/api/v1/enterprises", {"q": "13800000001"})
    assert found.status_code == 200 and found.json()["items"] == []


def test_desk_sees_and_finds_by_whole_numbers(world: World) -> None:
    client = client_for(world, "operator")
    assert "13800000001" in _phones(client.get(f"/api/v1/enterprises/{world.ent.pk}"))
    found = client.get("/api/v1/enterprises", {"q": "138 0000 0001"}).json()["items"]
    assert [e["id"] for e in found] == [world.ent.pk]


def test_enterprise_sees_its_own_numbers(world: World) -> None:
    phones = _phones(client_for(world, "enterprise").get(f"/api/v1/enterprises/{world.ent.pk}"))
    assert "13800000001" in phones


def _reveal(world: World, role: str, reason: str = "办理工单 QT20261202000001"):  # type: ignore[no-untyped-def]
    return client_for(world, role).post(
        f"/api/v1/enterprises/{world.ent.pk}/contacts/reveal",
        {"reason": reason},
        content_type="application/json",
    )


def _reveals() -> list[Event]:
    return list(Event.objects.filter(action="contacts_reveal"))


@pytest.mark.parametrize("role", ["handler", "dept_leader", "specialist", "supervisor"])
def test_reveal_is_ledgered_with_who_and_why(world: World, role: str) -> None:
    response = _reveal(world, role)
    assert response.status_code == 200, response.content
    assert "13800000001" in [c["phone"] for c in response.json()]
    (event,) = _reveals()
    assert event.actor_id == world.users[role].pk
    assert event.payload["reason"] == "办理工单 QT20261202000001"
    assert event.subject_id == str(world.ent.pk)


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_reveal_is_refused_to_roles_that_do_not_call_enterprises(world: World, role: str) -> None:
    assert _reveal(world, role).status_code == 403
    assert _reveals() == []


def test_reveal_needs_a_reason_and_a_scope(world: World) -> None:
    missing = _reveal(world, "handler", reason="  ")
    assert missing.status_code == 422 and "reason" in missing.json()["fields"]
    outside = client_for(world, "handler").post(
        f"/api/v1/enterprises/{world.baotou_ent.pk}/contacts/reveal",
        {"reason": "x"},
        content_type="application/json",
    )
    assert outside.status_code == 404
    assert _reveals() == []
