"""The hotline indicators (dashboards.hotline): their values on known tickets, the API's
contract and its errors, scope (a department reads only its own unit; a 盟市 supervisor only
its 盟市; a county reader is counted from its tickets with the same result), and every figure
drilling down to a list with exactly that many tickets."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.dashboards.hotline import RATES
from qitong.tickets.states import TicketState as S
from tests.factories import World, user
from tests.matrix import client_for
from tests.test_ticket_pages import _baotou
from tests.ticket_factories import act, file_by_phone

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)


def _scenario(world: World) -> None:
    """Three tickets dispatched to the Hohhot department on a Monday: one signed at once and
    closed satisfied, one signed two days late and closed dissatisfied-but-fair, one still
    waiting; and one consultation answered at the first call."""
    with clock.frozen(MONDAY):
        a = file_by_phone(world, type="complaint", category="enforcement.inspection")
        b = file_by_phone(world, type="complaint", category="enforcement.inspection")
        c = file_by_phone(world, type="complaint", category="enforcement.inspection")
        d = file_by_phone(world)
        for t in (a, b, c):
            act(world, t, "dispatch", "operator", department=world.dept.pk)
        act(world, d, "answer", "operator", answer="已电话解答", no_article=True)
        act(world, a, "sign", "handler")
        act(world, a, "reply", "handler", result="resolved", explanation="已处理")
        act(world, a, "accept_reply", "desk_lead")
        act(world, a, "callback", "operator", satisfaction=5, resolved=True)
    with clock.frozen(MONDAY + dt.timedelta(days=9)):  # past the signing limit
        act(world, b, "sign", "handler")
        act(world, b, "reply", "handler", result="explained", explanation="已解释")
        act(world, b, "accept_reply", "desk_lead")
        act(world, b, "callback", "operator", satisfaction=3, resolved=False)


PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


def _api(world: World, role: str, **params: Any) -> Any:
    return client_for(world, role).get("/api/v1/stats/hotline", {**PERIOD, **params})


def test_the_indicators_of_known_tickets(world: World) -> None:
    _scenario(world)
    body = _api(world, "supervisor", unit_kind="department").json()
    assert body["from"] == "2026-03-01" and body["to"] == "2026-03-31"
    [item] = body["items"]
    assert item["unit"] == {
        "kind": "department",
        "id": world.dept.pk,
        "name": world.dept.name,
        "code": None,
    }
    assert item["dispatched"] == 3
    assert item["counts"]["signed_on_time"] == 1 and item["counts"]["signed"] == 2
    assert item["response_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert item["resolution_rate"] == 0.5  # one of two called back was resolved
    assert item["satisfaction_rate"] == 0.5  # 5 counts, 3 (基本满意) does not
    assert item["on_time_rate"] is not None
    assert item["average_reply_hours"] is not None
    desks = _api(world, "supervisor", unit_kind="desk").json()["items"]
    assert desks[0]["first_call_rate"] == 0.25  # the consultation answered at once, of four
    regions = _api(world, "supervisor", unit_kind="region").json()["items"]
    assert regions[0]["unit"]["code"] == "150100" and regions[0]["counts"]["created"] == 4
    assert "response_rate" in body["formulas"] and body["total"]["counts"]["created"] == 4


@pytest.mark.parametrize(
    "period",
    [
        PERIOD,  # a whole month: read from the month rows
        {"from": "2026-03-02", "to": "2026-04-30"},  # days of March, then all of April
        {"from": "2026-02-10", "to": "2026-03-02"},  # days at both ends
    ],
)
def test_every_figure_drills_down_to_as_many_tickets(world: World, period: dict[str, str]) -> None:
    _scenario(world)
    body = _api(world, "supervisor", unit_kind="department", **period).json()
    assert body["items"][0]["counts"]["created"] == 3
    item = body["items"][0]
    client = client_for(world, "supervisor")
    for rate in RATES:
        for fact in (rate.numerator, rate.denominator):
            url = item["tickets_url"] + ("" if fact == "created" else f"&fact={fact}")
            page = client.get(url).content.decode()
            shown = re.search(r"data-total>(\d+)<", page)
            assert shown is not None, url
            assert int(shown.group(1)) == item["counts"][fact], (fact, url)


def test_a_department_reads_only_its_own_unit(world: World) -> None:
    _scenario(world)
    _baotou(world, S.REGISTERED)
    mine = _api(world, "dept_leader", unit_kind="department").json()["items"]
    assert [i["unit"]["id"] for i in mine] == [world.dept.pk]
    assert (
        _api(
            world, "dept_leader", unit_kind="department", unit=str(world.baotou_dept.pk)
        ).status_code
        == 404
    )
    assert _api(world, "dept_leader", unit_kind="region", unit="150100").status_code == 404
    assert (
        _api(world, "handler", unit_kind="department", unit=str(world.dept.pk)).status_code == 200
    )


def test_a_supervisor_reads_its_region_only(world: World) -> None:
    _scenario(world)
    with clock.frozen(MONDAY):
        _baotou(world, S.REGISTERED)
    regions = _api(world, "supervisor", unit_kind="region").json()["items"]
    assert [r["unit"]["code"] for r in regions] == ["150100"]  # not Baotou's
    assert _api(world, "supervisor", unit_kind="region", unit="150200").status_code == 404
    assert (
        _api(
            world, "supervisor", unit_kind="department", unit=str(world.baotou_dept.pk)
        ).status_code
        == 404
    )
    everything = _api(world, "auditor", unit_kind="region").json()["items"]
    assert {r["unit"]["code"] for r in everything} == {"150100", "150200"}


def test_a_county_reader_counts_from_tickets_with_the_same_result(world: World) -> None:
    _scenario(world)
    county = user("county_sup", Role.SUPERVISOR, region=world.xincheng)
    world.users["county"] = county
    by_rollup = _api(world, "supervisor", unit_kind="department").json()["items"]
    by_tickets = _api(world, "county", unit_kind="department").json()["items"]
    assert by_tickets == by_rollup  # every ticket of the scenario is in 新城区


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"unit_kind": "planet"}, "unit_kind"),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-03-01"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"unit_kind": "region", "unit": "1501"}, "unit"),
        ({"unit": "12x"}, "unit"),
    ],
)
def test_bad_parameters_are_named(world: World, params: dict[str, str], field: str) -> None:
    response = client_for(world, "supervisor").get("/api/v1/stats/hotline", {**PERIOD, **params})
    assert response.status_code == 422, response.content
    assert field in response.content.decode()


@pytest.mark.parametrize("role", ["enterprise", "specialist"])
def test_roles_without_statistics_are_refused(world: World, role: str) -> None:
    assert _api(world, role).status_code == 403


def test_the_dashboards_show_the_same_figures(world: World) -> None:
    _scenario(world)
    query = "?from=2026-03-01&to=2026-03-31"
    page = client_for(world, "supervisor").get("/overview/" + query).content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "响应率" in text and "33.3% 1/3" in text
    dept = client_for(world, "dept_leader").get("/department/stats/" + query).content.decode()
    assert "33.3%" in dept and "本单位人员办理量" in dept
    desk = client_for(world, "desk_lead").get("/desk/stats/" + query).content.decode()
    assert "首呼解决率" in desk and "25.0%" in desk
    bad = client_for(world, "supervisor").get("/overview/?from=2026-13-01").content.decode()
    assert "日期格式应为" in bad


def test_the_desk_counts_its_operators_by_local_hour(world: World) -> None:
    _scenario(world)  # four tickets filed by the operator at 09:00 Beijing time (01:00 UTC)
    page = client_for(world, "desk_lead").get("/desk/stats/?from=2026-03-01&to=2026-03-31")
    text = re.sub(r"<[^>]+>", " ", page.content.decode())
    assert re.search(r"人员\s+9时\s+合计", text), text[-3000:]
    assert re.search(rf"{world.users['operator'].get_full_name()}\s+4\s+4", text)
