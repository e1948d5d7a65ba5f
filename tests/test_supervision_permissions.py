"""The permission matrix over the supervision endpoints and pages (issue 13): every role ×
every endpoint, and a Baotou problem outside the Hohhot-scoped roles' reach.

The problems are registered by the region's office (not a matrix role) for the world's
Hohhot department; the world's supervisor (scoped to Hohhot) is the 盟市 coordinator, who
answers for them like the department's staff. Out of role is a 404 for reads; an action on a
problem the role may read but never act on is a 403.
"""

from __future__ import annotations

from typing import Any

import pytest

from qitong.tickets.services import ticket_act
from tests.factories import World
from tests.matrix import Case, check_case, matrix, matrix_ids
from tests.supervision_factories import desk
from tests.ticket_factories import submit_online

READERS = {"supervisor": 200, "handler": 200, "dept_leader": 200, "admin": 200, "auditor": 200}
PAGE_READERS = {**READERS, "operator": 200, "desk_lead": 200}
UNIT = frozenset({"supervisor", "handler", "dept_leader"})


def _problem(world: World, state: str = "assigned") -> int:
    key = f"_problem_{state}"
    cached: int | None = getattr(world, key, None)
    if cached is None:
        cached = desk(world).reach(state).pk
        setattr(world, key, cached)
    return cached


def _baotou_problem(world: World) -> int:
    return desk(world).reach("assigned", unit_department=world.baotou_dept.pk).pk


def _ticket(world: World) -> int:
    desk(world)
    ticket = submit_online(world, type="problem_report", problem_category="arrears")
    return ticket_act(
        ticket_id=ticket.pk, action="register", user=world.users["operator"], data={}
    ).pk


def _api(id: str, path: Any, expect: dict[str, int], **kw: Any) -> Case:
    return Case(id=id, method=kw.pop("method", "GET"), path=path, expect=expect, api=True, **kw)


def _new_problem(world: World) -> dict[str, Any]:
    desk(world)
    return {
        "unit_department": world.dept.pk,
        "category": "other",
        "problem_class": "C",
        "title": "审批超时",
        "description": "窗口审批超过承诺时限",
    }


CASES = [
    _api("api-problems", lambda w: "/api/v1/supervision/problems", {}, default=200),
    _api(
        "api-problem",
        lambda w: f"/api/v1/supervision/problems/{_problem(w)}",
        READERS,
        out_of_scope=_baotou_problem,
        scoped_roles=UNIT,
    ),
    _api(
        "api-problem-create",
        lambda w: "/api/v1/supervision/problems",
        {"supervisor": 201},
        default=403,
        method="POST",
        body=_new_problem,
    ),
    _api(
        "api-problem-accept",
        lambda w: f"/api/v1/supervision/problems/{_problem(w)}/actions/accept",
        {**{r: 200 for r in UNIT}, "admin": 403, "auditor": 403},
        method="POST",
        body=lambda w: {},
        out_of_scope=lambda w: f"/api/v1/supervision/problems/{_baotou_problem(w)}/actions/accept",
        scoped_roles=UNIT,
    ),
    _api(
        "api-problem-accept-done",
        lambda w: (
            f"/api/v1/supervision/problems/{_problem(w, 'pending_acceptance')}/actions/accept_done"
        ),
        {"supervisor": 403, "handler": 403, "dept_leader": 403, "admin": 403, "auditor": 403},
        method="POST",
        body=lambda w: {},
    ),
    _api("api-problem-counts", lambda w: "/api/v1/supervision/problems/counts", {}, default=200),
    _api(
        "api-stats",
        lambda w: "/api/v1/supervision/stats",
        {"supervisor": 200, "admin": 200, "auditor": 200},
        default=403,
    ),
    _api("api-board", lambda w: "/api/v1/supervision/board", {}, default=200),
    _api("api-activities", lambda w: "/api/v1/supervision/activities", {}, default=200),
    _api(
        "api-activity-create",
        lambda w: "/api/v1/supervision/activities",
        {"supervisor": 201},
        default=403,
        method="POST",
        body=lambda w: {
            "kind": "routine",
            "title": "日常调度",
            "organiser": "营商环境局",
            "starts_on": "2026-11-01",
        },
    ),
    _api("api-categories", lambda w: "/api/v1/supervision/categories", {}, default=200),
    _api("api-accountability", lambda w: "/api/v1/supervision/accountability", {}, default=200),
    _api(
        "api-public-accountability",
        lambda w: "/api/v1/public/accountability",
        {},
        default=200,
        anonymous=200,
    ),
    _api(
        "api-ticket-promote",
        lambda w: f"/api/v1/tickets/{_ticket(w)}/actions/promote",
        {
            "desk_lead": 200,
            "supervisor": 200,
            "operator": 403,
            "enterprise": 403,
            "admin": 403,
            "auditor": 403,
        },
        method="POST",
        body=lambda w: {"unit_department": w.dept.pk, "problem_class": "C"},
    ),
    Case(id="page-problems", method="GET", path=lambda w: "/supervision/", expect=PAGE_READERS),
    Case(
        id="page-problem",
        method="GET",
        path=lambda w: f"/supervision/problems/{_problem(w)}/",
        expect=READERS,
        out_of_scope=lambda w: f"/supervision/problems/{_baotou_problem(w)}/",
        scoped_roles=UNIT,
    ),
    Case(
        id="page-problems-export",
        method="GET",
        path=lambda w: "/supervision/problems.xlsx",
        expect=PAGE_READERS,
    ),
    Case(
        id="page-problem-new",
        method="GET",
        path=lambda w: (desk(w), "/supervision/problems/new/")[1],
        expect={"supervisor": 200},
    ),
    Case(
        id="page-activities",
        method="GET",
        path=lambda w: "/supervision/activities/",
        expect=PAGE_READERS,
    ),
    Case(id="page-board", method="GET", path=lambda w: "/supervision/board/", expect=PAGE_READERS),
    Case(
        id="page-stats",
        method="GET",
        path=lambda w: "/supervision/stats/",
        expect={"supervisor": 200, "admin": 200, "auditor": 200},
    ),
    Case(
        id="page-accountability",
        method="GET",
        path=lambda w: "/supervision/accountability/",
        expect={"supervisor": 200, "admin": 200, "auditor": 200},
    ),
    Case(
        id="page-public-accountability",
        method="GET",
        path=lambda w: "/public/accountability/",
        expect={},
        default=200,
        anonymous=200,
    ),
]

PARAMS = matrix(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), PARAMS, ids=matrix_ids(PARAMS))
def test_permission_matrix(world: World, case: Case, role: str) -> None:
    check_case(world, case, role)
