"""The permission matrix over the appraisal endpoints (issue 15): every role × every endpoint.

The world's Hohhot supervisor coordinates the 呼和浩特市 unit of a territorial round; the
world's department staff are not assessed by it. Before publication a unit sees only its own
scorecard (a round it is not assessed in is a 404); once published, every supervisor and
department staff member sees the ranking. The assessor (the region's office) is not among
the world's roles: its actions are in tests/test_appraisal.py. Roles that never read the
assessment get 403 on lists and 404 on objects; an action a reader may never take is a 403.
"""

from __future__ import annotations

from typing import Any

import pytest

from qitong.appraisal.models import Round
from qitong.appraisal.schemes import scheme_create
from qitong.reforms.models import ReportingUnit
from qitong.reforms.states import UnitKind
from tests.appraisal_factories import Assessment, assessment, city_scheme_body
from tests.factories import World
from tests.matrix import Case, check_case, matrix, matrix_ids

READERS = {"supervisor": 200, "handler": 200, "dept_leader": 200, "admin": 200, "auditor": 200}
NON_READERS = {"enterprise": 403, "operator": 403, "desk_lead": 403, "specialist": 403}
GLOBAL = {"admin": 200, "auditor": 200}


def _a(world: World) -> Assessment:
    found: Assessment | None = getattr(world, "_assessment", None)
    if found is None:
        found = assessment(world)
        world._assessment = found  # type: ignore[attr-defined]
    return found


def _reviewed(world: World) -> int:
    cached: int | None = getattr(world, "_reviewed", None)
    if cached is None:
        cached = _a(world).reviewed().pk
        world._reviewed = cached  # type: ignore[attr-defined]
    return cached


def _published(world: World) -> int:
    a = _a(world)
    rnd = a.act(a.round("2026Q1"), "compute")
    return a.act(a.act(rnd, "open_review"), "publish", note="提前发布").pk


def _department_round(world: World) -> int:
    """A department scheme's round under review: the Hohhot supervisor is not assessed in it."""
    a = _a(world)
    ReportingUnit.objects.create(
        code="D-TEST",
        name="自治区测试厅",
        kind=UnitKind.DEPARTMENT,
        region=world.province,
        department=world.baotou_dept,
    )
    body = city_scheme_body(code="dept", scope="department", name="部门考核")
    body["indicators"][1]["children"][0]["source"] = "reforms.plan_done"  # arrears: 盟市 only
    scheme = scheme_create(user=a.office, data=body)
    from qitong.appraisal.services import round_create

    rnd = round_create(user=a.office, scheme=scheme.pk, period=a.period)
    rnd = a.act(a.act(rnd, "compute"), "open_review")
    return rnd.pk


def _objection(world: World) -> int:
    a = _a(world)
    return int(a.object(Round.objects.get(pk=_reviewed(world))).pk)


def _body(**data: Any) -> Any:
    return lambda world: data


CASES = [
    Case("list-schemes", "GET", lambda w: "/api/v1/appraisal/schemes", {**READERS, **NON_READERS}, api=True),
    Case("get-scheme", "GET", lambda w: f"/api/v1/appraisal/schemes/{_a(w).scheme.pk}", READERS, api=True),
    Case("list-sources", "GET", lambda w: "/api/v1/appraisal/sources", {**READERS, **NON_READERS}, api=True),
    Case("create-scheme", "POST", lambda w: "/api/v1/appraisal/schemes", {}, default=403,
         body=lambda w: city_scheme_body(code="x"), api=True),
    Case("list-rounds", "GET", lambda w: f"/api/v1/appraisal/rounds?scheme={_a(w).scheme.pk}",
         {**READERS, **NON_READERS}, api=True),
    Case("create-round", "POST", lambda w: "/api/v1/appraisal/rounds", {}, default=403,
         body=lambda w: {"scheme": _a(w).scheme.pk, "period": "2026Q2"}, api=True),
    # under review: the unit (Hohhot's supervisor) and the global readers; a unit reads no
    # round it is not assessed in
    Case("get-round-in-review", "GET", lambda w: f"/api/v1/appraisal/rounds/{_reviewed(w)}",
         {"supervisor": 200, **GLOBAL},
         out_of_scope=_department_round, scoped_roles=frozenset({"supervisor"}), api=True),
    Case("results-in-review", "GET", lambda w: f"/api/v1/appraisal/rounds/{_reviewed(w)}/results",
         {"supervisor": 200, **GLOBAL},
         out_of_scope=lambda w: f"/api/v1/appraisal/rounds/{_department_round(w)}/results",
         scoped_roles=frozenset({"supervisor"}), api=True),
    Case("results-published", "GET", lambda w: f"/api/v1/appraisal/rounds/{_published(w)}/results",
         READERS, api=True),
    Case("compute", "POST", lambda w: f"/api/v1/appraisal/rounds/{_reviewed(w)}/actions/compute",
         {"supervisor": 403, "admin": 403, "auditor": 403}, default=404, body=_body(), api=True),
    Case("publish", "POST", lambda w: f"/api/v1/appraisal/rounds/{_reviewed(w)}/actions/publish",
         {"supervisor": 403, "admin": 403, "auditor": 403}, default=404,
         body=_body(note="x"), api=True),
    Case("object", "POST", lambda w: f"/api/v1/appraisal/rounds/{_reviewed(w)}/objections",
         {"supervisor": 201, "admin": 403, "auditor": 403}, default=404,
         body=_body(indicator="A2", reason="调查得分有误"),
         out_of_scope=lambda w: f"/api/v1/appraisal/rounds/{_department_round(w)}/objections",
         scoped_roles=frozenset({"supervisor"}), api=True),
    Case("list-objections", "GET", lambda w: f"/api/v1/appraisal/rounds/{_reviewed(w)}/objections",
         {"supervisor": 200, **GLOBAL}, api=True),
    Case("get-objection", "GET", lambda w: f"/api/v1/appraisal/objections/{_objection(w)}",
         {"supervisor": 200, **GLOBAL}, api=True),
    Case("uphold", "POST", lambda w: f"/api/v1/appraisal/objections/{_objection(w)}/actions/uphold",
         {"supervisor": 403, "admin": 403, "auditor": 403}, default=404,
         body=_body(corrected_value="80", decision="属实"), api=True),
    Case("withdraw", "POST", lambda w: f"/api/v1/appraisal/objections/{_objection(w)}/actions/withdraw",
         {"supervisor": 200, "admin": 403, "auditor": 403}, default=404, body=_body(), api=True),
]  # fmt: skip

PARAMS = matrix(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), PARAMS, ids=matrix_ids(PARAMS))
def test_appraisal_permission_matrix(world: World, case: Case, role: str) -> None:
    check_case(world, case, role)


@pytest.mark.django_db
def test_a_unit_sees_only_its_own_scorecard_before_publication(world: World) -> None:
    from tests.appraisal_factories import as_user

    a = _a(world)
    pk = _reviewed(world)
    got = as_user(world.users["supervisor"]).get(f"/api/v1/appraisal/rounds/{pk}/results").json()
    assert [r["unit"]["name"] for r in got["results"]] == ["呼和浩特市"]
    assert got["results"][0]["rank"] is None and got["results"][0]["grade"] is None
    baotou = as_user(a.baotou_supervisor).get(f"/api/v1/appraisal/rounds/{pk}/results").json()
    assert [r["unit"]["name"] for r in baotou["results"]] == ["包头市"]
    published = _published(world)
    everyone = as_user(world.users["handler"]).get(f"/api/v1/appraisal/rounds/{published}/results")
    ranked = everyone.json()["results"]
    assert len(ranked) == 2 and all(r["rank"] for r in ranked)
