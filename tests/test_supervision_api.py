"""The supervision API (issue 13's contract): registering problems (201, Idempotency-Key),
the list's filters, the detail with its timeline, the actions with the tickets' 409 / 422 /
404 rules, promotion from the ticket API, statistics, the board, accountability and the
public list without login."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from qitong.accounts.models import User
from qitong.ledger.models import Event
from qitong.supervision.models import Problem
from qitong.supervision.transitions import PROBLEM
from qitong.tickets.services import ticket_act
from tests.factories import World, department
from tests.supervision_factories import Desk, desk
from tests.ticket_factories import submit_online

PDF = base64.b64encode(b"%PDF-1.4\n%evidence\n").decode()


def as_user(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return c.post(path, body, content_type="application/json", headers=headers)


@pytest.fixture
def d(world: World) -> Desk:
    return desk(world)


def body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "unit_department": world.dept.pk,
        "category": "arrears",
        "class": "B",
        "problem_class": "B",
        "title": "土右旗道路硬化项目拖欠工程款",
        "description": "拖欠内蒙古广泰路桥公司 242 万元",
        "amount": 2420000,
        **extra,
    }


@pytest.mark.django_db
def test_register_then_read_the_problem_with_its_timeline(d: Desk, world: World) -> None:
    office = as_user(d.office)
    r = post(office, "/api/v1/supervision/problems", body(world), **{"Idempotency-Key": "p-1"})
    assert r.status_code == 201, r.content
    got = r.json()
    assert got["state"] == "registered" and got["amount"] == "2420000.00"
    assert got["number"].startswith("WT") and got["allowed_actions"] == ["assign", "dismiss"]
    again = post(office, "/api/v1/supervision/problems", body(world), **{"Idempotency-Key": "p-1"})
    assert again.status_code == 200 and again.json()["id"] == got["id"]
    assert Problem.objects.count() == 1
    detail = office.get(f"/api/v1/supervision/problems/{got['id']}").json()
    assert [e["action"] for e in detail["timeline"]] == ["create"]
    assert detail["timeline"][0]["label"] == "登记问题"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_department": 987654}, "unit_department"),
        ({"problem_class": "D"}, "problem_class"),
        ({"category": "nope"}, "category"),
        ({"title": ""}, "title"),
        ({"amount": "12万"}, "amount"),
        ({"amount": True}, "amount"),
        ({"activity": 987654}, "activity"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    d: Desk, world: World, change: dict[str, Any], field: str
) -> None:
    events = Event.objects.count()
    r = post(as_user(d.office), "/api/v1/supervision/problems", body(world, **change))
    assert r.status_code == 422, r.content
    assert field in r.json()["fields"]
    assert Event.objects.count() == events and not Problem.objects.exists()


@pytest.mark.django_db
def test_the_class_may_be_sent_as_class(d: Desk, world: World) -> None:
    office = as_user(d.office)
    plain = {k: v for k, v in body(world).items() if k != "problem_class"}
    r = post(office, "/api/v1/supervision/problems", plain)
    assert r.status_code == 201 and r.json()["problem_class"] == "B"
    r = post(office, "/api/v1/supervision/problems", {**plain, "class": "D"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"class"}


@pytest.mark.django_db
def test_actions_follow_the_ticket_rules(d: Desk, world: World) -> None:
    office, unit = as_user(d.office), as_user(world.users["handler"])
    pk = post(office, "/api/v1/supervision/problems", body(world)).json()["id"]
    base = f"/api/v1/supervision/problems/{pk}/actions"
    assert post(unit, f"{base}/accept", {}).status_code == 409  # not assigned yet
    r = post(office, f"{base}/assign", {"deadline": "2000-01-01"})
    assert r.status_code == 422 and "deadline" in r.json()["fields"]
    r = post(office, f"{base}/assign", {"leader": "王副旗长"})
    assert r.status_code == 200 and r.json()["state"] == "assigned"
    version = r.json()["version"]
    assert post(unit, f"{base}/accept", {"version": version - 1}).status_code == 409  # stale
    assert post(unit, f"{base}/accept", {"version": version}).status_code == 200
    assert post(unit, f"{base}/no_such_action", {}).status_code == 409
    assert post(unit, f"{base}/assign", {}).status_code == 403
    r = post(
        unit,
        f"{base}/plan",
        {"plan": "分两批支付", "milestones": [{"due_on": "2099-01-01", "title": "付清"}]},
    )
    assert r.status_code == 422 and "milestones" in r.json()["fields"]  # after the deadline
    deadline = Problem.objects.get(pk=pk).deadline
    assert deadline is not None
    day = deadline.date().isoformat()
    r = post(
        unit,
        f"{base}/plan",
        {"plan": "分两批支付", "milestones": [{"due_on": day, "title": "付清"}]},
    )
    assert r.status_code == 200 and r.json()["state"] == "rectifying"
    r = post(unit, f"{base}/claim_done", {"summary": "已付清"})
    assert r.status_code == 422 and "attachments" in r.json()["fields"]
    r = post(
        unit,
        f"{base}/claim_done",
        {"summary": "已付清", "attachments": [{"name": "回单.pdf", "content_base64": PDF}]},
    )
    assert r.status_code == 200 and r.json()["state"] == "pending_acceptance"
    assert r.json()["files"][0]["kind"] == "closing"
    file_id = r.json()["files"][0]["id"]
    assert unit.get(f"/api/v1/supervision/problems/{pk}/files/{file_id}").status_code == 200
    r = post(office, f"{base}/return", {"reason": "缺少付款凭证"})
    assert r.status_code == 200 and r.json()["state"] == "rectifying"
    r = post(
        unit,
        f"{base}/claim_done",
        {"summary": "补充", "attachments": [{"name": "凭证.pdf", "content_base64": PDF}]},
    )
    r = post(office, f"{base}/accept_done", {"comment": "已核实"})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    # another Hohhot department, and a Baotou supervisor, never see it
    stranger = as_user(
        User.objects.create(username="baotou_sv", role="supervisor", region=world.baotou)
    )
    assert stranger.get(f"/api/v1/supervision/problems/{pk}").status_code == 404
    assert post(stranger, f"{base}/return", {"reason": "x"}).status_code == 404


@pytest.mark.django_db
def test_the_list_filters_and_refuses_unknown_values(d: Desk, world: World) -> None:
    d.reach("closed", problem_class="C")
    d.reach("assigned", problem_class="A", category="law_enforcement")
    d.reach("registered", problem_class="B")
    office = as_user(d.office)

    def ids(query: str) -> int:
        r = office.get(f"/api/v1/supervision/problems?{query}")
        assert r.status_code == 200, r.content
        return int(r.json()["count"])

    assert ids("") == 3
    assert ids("state=closed") == 1 and ids("state=open") == 2
    assert ids("class=A") == 1 and ids("category=law_enforcement") == 1
    assert ids(f"unit={world.dept.pk}") == 3 and ids(f"unit={world.dept.code}") == 3
    assert ids("overdue=true") == 0 and ids("overdue=false") == 3
    assert ids("region=150100") == 3 and ids("region=150200") == 0
    for bad, field in (
        ("state=lost", "state"),
        ("class=Z", "class"),
        ("unit=nowhere", "unit"),
        ("overdue=maybe", "overdue"),
    ):
        r = office.get(f"/api/v1/supervision/problems?{bad}")
        assert r.status_code == 422, bad
        assert field in r.json()["fields"], (bad, r.json())
    counts = office.get("/api/v1/supervision/problems/counts?state=open").json()
    assert counts["total"] == 2 and counts["closed"] == 0
    unit_list = as_user(world.users["handler"]).get("/api/v1/supervision/problems").json()
    assert unit_list["count"] == 3
    outsider = as_user(
        User.objects.create(username="bt_handler", role="handler", department=world.baotou_dept)
    )
    assert outsider.get("/api/v1/supervision/problems").json()["count"] == 0


@pytest.mark.django_db
def test_promote_from_the_ticket_api_answers_with_the_problem(world: World) -> None:
    desk(world)
    ticket = submit_online(
        world, type="problem_report", problem_category="arrears", content="拖欠货款"
    )
    ticket_act(ticket_id=ticket.pk, action="register", user=world.users["operator"], data={})
    lead = as_user(world.users["desk_lead"])
    r = post(
        lead,
        f"/api/v1/tickets/{ticket.pk}/actions/promote",
        {"unit_department": world.dept.pk, "problem_class": "C"},
    )
    assert r.status_code == 200, r.content
    problem = Problem.objects.get(ticket=ticket)
    assert r.json()["problem_id"] == problem.pk and r.json()["problem_number"] == problem.number
    again = post(
        lead,
        f"/api/v1/tickets/{ticket.pk}/actions/promote",
        {"unit_department": world.dept.pk, "problem_class": "C"},
    )
    assert again.status_code == 409
    r = as_user(world.users["operator"]).post(
        f"/api/v1/tickets/{ticket.pk}/actions/promote", {}, content_type="application/json"
    )
    assert r.status_code == 403
    shown = lead.get(f"/api/v1/supervision/problems/{problem.pk}").json()  # the desk reads it
    assert shown["ticket"]["number"] == ticket.number


@pytest.mark.django_db
def test_stats_board_and_openapi(d: Desk, world: World) -> None:
    d.reach("closed")
    d.reach("rectifying")
    office = as_user(d.office)
    s = office.get("/api/v1/supervision/stats").json()
    assert s["registered"] == 2 and s["closed"] == 1 and s["on_time_rate"] == 100.0
    assert office.get(f"/api/v1/supervision/problems?{s['queries']['closed']}").json()["count"] == 1
    assert office.get("/api/v1/supervision/stats?from=2026-12-31&to=2026-01-01").status_code == 422
    board = office.get("/api/v1/supervision/board").json()
    assert board[0]["open"] == 1 and board[0]["closed_this_quarter"] == 1
    schema = office.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/supervision/problems/{item_id}/actions/claim_done"]["post"]
    props = op["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "summary" in props and "attachments" in props
    assert "/api/v1/supervision/problems/{item_id}/actions/warn" not in schema["paths"]
    assert "/api/v1/tickets/{ticket_id}/actions/promote" in schema["paths"]
    cats = office.get("/api/v1/supervision/categories").json()
    assert {"code": "arrears", "name": "拖欠企业账款"} in cats
    assert [c["label"] for c in office.get("/api/v1/supervision/classes").json()] == [
        "1个月",
        "15个工作日",
        "5个工作日",
    ]


@pytest.mark.django_db
def test_activities_are_created_and_listed_in_scope(d: Desk, world: World) -> None:
    office = as_user(d.office)
    r = post(
        office,
        "/api/v1/supervision/activities",
        {
            "kind": "undercover",
            "title": "营商环境暗访",
            "organiser": "自治区营商环境建设监督局",
            "team": "内蒙古日报社暗访组",
            "starts_on": "2026-04-01",
            "regions": ["150100"],
            "attachments": [{"name": "暗访报告.pdf", "content_base64": PDF}],
        },
    )
    assert r.status_code == 201, r.content
    activity = r.json()["id"]
    d.create(activity=activity)
    listed = office.get("/api/v1/supervision/activities").json()
    assert listed["count"] == 1 and listed["items"][0]["problems"] == 1
    problem = office.get(f"/api/v1/supervision/problems?activity={activity}").json()["items"][0]
    assert problem["source"] == "activity"
    bad = post(
        office,
        "/api/v1/supervision/activities",
        {
            "kind": "party",
            "title": "",
            "organiser": "x",
            "starts_on": "2026-04-01",
            "ends_on": "2026-03-01",
        },
    )
    assert bad.status_code == 422 and {"kind", "title"} <= set(bad.json()["fields"])
    unit = as_user(world.users["handler"])
    assert (
        unit.get(f"/api/v1/supervision/activities/{activity}").status_code == 200
    )  # its problem's
    assert post(unit, "/api/v1/supervision/activities", {"kind": "routine"}).status_code == 403
    other = department("呼和浩特市税务局", world.hohhot)
    outsider = as_user(User.objects.create(username="tax_h", role="handler", department=other))
    assert outsider.get(f"/api/v1/supervision/activities/{activity}").status_code == 404


@pytest.mark.django_db
def test_accountability_is_published_and_read_without_login(d: Desk, world: World) -> None:
    from qitong.supervision.accountability import today
    from qitong.supervision.inputs import quarter_of

    office = as_user(d.office)
    quarter = quarter_of(today())
    r = post(
        office,
        "/api/v1/supervision/accountability",
        {
            "quarter": quarter,
            "region": "150100",
            "unit_name": "某旗住房和城乡建设局",
            "summary": "王建军拖延支付内蒙古广泰路桥有限公司工程款",
            "measure": "criticism",
            "decided_on": today().isoformat(),
            "persons": [{"name": "王建军", "position": "副局长"}],
            "enterprises": [{"name": "内蒙古广泰路桥有限公司", "consented": False}],
            "public": True,
        },
    )
    assert r.status_code == 201, r.content
    entry = r.json()
    assert entry["state"] == "draft" and entry["allowed_actions"] == ["edit", "publish"]
    anonymous = Client()
    assert anonymous.get("/api/v1/public/accountability").json() == []
    r = post(office, f"/api/v1/supervision/accountability/quarters/{quarter}/publish", {})
    assert r.status_code == 200 and r.json()["published"] == 1
    public = anonymous.get(f"/api/v1/public/accountability?quarter={quarter}")
    assert public.status_code == 200
    text = json.dumps(public.json(), ensure_ascii=False)
    assert "王建军" not in text and "广泰路桥" not in text and "王某" in text
    assert anonymous.get("/api/v1/public/accountability?quarter=2026-Q3").status_code == 422
    edit = post(office, f"/api/v1/supervision/accountability/{entry['id']}/actions/edit", {})
    assert edit.status_code == 409  # published: never edited
    assert anonymous.get("/api/v1/supervision/accountability").status_code == 401
    assert (
        as_user(world.users["handler"])
        .get(f"/api/v1/supervision/accountability/{entry['id']}")
        .status_code
        == 404
    )


def test_every_person_action_is_documented() -> None:
    names = {t.name for t in PROBLEM} - {"warn"}
    assert names == {
        "assign", "dismiss", "accept", "plan", "progress", "claim_done", "accept_done", "return",
        "object", "decide_objection", "request_extension", "extend", "refuse_extension",
        "long_term", "escalate", "reassign",
    }  # fmt: skip
