"""The permission matrix over the reforms endpoints and pages (issue 12): every role × every
endpoint, and a Baotou item the Hohhot coordinator (the world's supervisor) cannot reach.

The world's supervisor coordinates Hohhot; its department (handler, dept_leader) leads every
task of the plan; the region's office is not a matrix role (its decisions are tested in
test_reforms_api). Out of role is a 404 for reads, a 403 for an action on a readable item.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import World
from tests.matrix import Case, check_case, matrix, matrix_ids
from tests.reform_factories import Reforms, filed, reforms

READERS = {"supervisor": 200, "handler": 200, "dept_leader": 200, "admin": 200, "auditor": 200}
COORDINATOR = frozenset({"supervisor"})


def _r(world: World) -> Reforms:
    """The plan of this test's world (made once per test)."""
    made: Reforms | None = getattr(world, "_reforms", None)
    if made is None:
        made = reforms(world)
        world._reforms = made  # type: ignore[attr-defined]
    return made


def _item(world: World) -> int:
    r = _r(world)
    return r.item(0, r.hohhot).pk


def _baotou_item(world: World) -> int:
    r = _r(world)
    return r.item(0, r.baotou).pk


def _report(world: World) -> int:
    r = _r(world)
    cached: int | None = getattr(world, "_report", None)
    if cached is None:
        cached = filed(r, r.item(1, r.hohhot), r.coordinator, progress=30).pk
        world._report = cached  # type: ignore[attr-defined]
    return cached


def _baotou_report(world: World) -> int:
    r = _r(world)
    return filed(r, r.item(1, r.baotou), r.baotou_coordinator, progress=30).pk


def _api(id: str, path: Any, expect: dict[str, int], **kw: Any) -> Case:
    return Case(id=id, method=kw.pop("method", "GET"), path=path, expect=expect, api=True, **kw)


CASES = [
    _api(
        "api-reform-plans",
        lambda w: (_r(w), "/api/v1/reforms/plans")[1],
        {},
        default=200,  # a list: empty for a role that reads no plan
    ),
    _api(
        "api-reform-stats",
        lambda w: f"/api/v1/reforms/plans/{_r(w).plan.pk}/stats",
        READERS,
    ),
    _api(
        "api-reform-grid",
        lambda w: f"/api/v1/reforms/plans/{_r(w).plan.pk}/grid",
        READERS,
    ),
    _api(
        "api-unit-task",
        lambda w: f"/api/v1/reforms/unit-tasks/{_item(w)}",
        READERS,
        out_of_scope=lambda w: f"/api/v1/reforms/unit-tasks/{_baotou_item(w)}",
        scoped_roles=COORDINATOR,
    ),
    _api(
        "api-unit-task-list",
        lambda w: (_r(w), "/api/v1/reforms/unit-tasks")[1],
        {},
        default=200,
    ),
    _api(
        "api-report-file",
        lambda w: f"/api/v1/reforms/unit-tasks/{_item(w)}/reports",
        {"supervisor": 201, "handler": 403, "dept_leader": 403, "admin": 403, "auditor": 403},
        method="POST",
        body=lambda w: {"progress": 10},
        out_of_scope=lambda w: f"/api/v1/reforms/unit-tasks/{_baotou_item(w)}/reports",
        scoped_roles=COORDINATOR,
    ),
    _api(
        "api-report",
        lambda w: f"/api/v1/reforms/reports/{_report(w)}",
        READERS,
        out_of_scope=lambda w: f"/api/v1/reforms/reports/{_baotou_report(w)}",
        scoped_roles=COORDINATOR,
    ),
    _api(
        "api-report-accept",
        lambda w: f"/api/v1/reforms/reports/{_report(w)}/actions/accept",
        # Only the region's office verifies a report on a reform task; never its own unit.
        {"supervisor": 403, "handler": 403, "dept_leader": 403, "admin": 403, "auditor": 403},
        method="POST",
    ),
    _api(
        "api-unit-task-mark-na",
        lambda w: f"/api/v1/reforms/unit-tasks/{_item(w)}/actions/mark_na",
        {"supervisor": 403, "handler": 403, "dept_leader": 403, "admin": 403, "auditor": 403},
        method="POST",
        body=lambda w: {"reason": "本地无此业务"},
    ),
    _api(
        "api-local-plans",
        lambda w: (_r(w), "/api/v1/reforms/local-plans")[1],
        {},
        default=200,
    ),
    Case(
        id="page-reforms-home", method="GET", path=lambda w: (_r(w), "/reforms/")[1], expect=READERS
    ),
    Case(
        id="page-reforms-grid",
        method="GET",
        path=lambda w: f"/reforms/plans/{_r(w).plan.pk}/grid/",
        expect=READERS,
    ),
    Case(
        id="page-reforms-stats",
        method="GET",
        path=lambda w: f"/reforms/plans/{_r(w).plan.pk}/stats/",
        expect=READERS,
    ),
    Case(
        id="page-unit-task",
        method="GET",
        path=lambda w: f"/reforms/unit-tasks/{_item(w)}/",
        expect=READERS,
        out_of_scope=lambda w: f"/reforms/unit-tasks/{_baotou_item(w)}/",
        scoped_roles=COORDINATOR,
    ),
    Case(id="page-reviews", method="GET", path=lambda w: "/reforms/reviews/", expect=READERS),
    Case(
        id="page-local-plans", method="GET", path=lambda w: "/reforms/local-plans/", expect=READERS
    ),
]

PARAMS = matrix(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), PARAMS, ids=matrix_ids(PARAMS))
def test_reforms_permission_matrix(world: World, case: Case, role: str) -> None:
    check_case(world, case, role)
