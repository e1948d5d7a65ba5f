"""The area-assessment pages and the permission matrix over its endpoints (issue 16).

Every role × every endpoint: results are public (anyone, signed in or not, reads the published
ones); a department's staff write their own department's results and record uses; the data
bureau (a department marked as the data authority) collects and reads the figures, as do
supervisors, administrators and auditors; an enterprise reads the public results and records
its own projects' uses."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.area_factories import Registry, registry
from tests.factories import World
from tests.matrix import Case, check_case, matrix, matrix_ids

ALL = {
    r: 200
    for r in (
        "enterprise",
        "operator",
        "desk_lead",
        "handler",
        "dept_leader",
        "specialist",
        "supervisor",
        "admin",
        "auditor",
    )
}
FIGURES = {"supervisor": 200, "admin": 200, "auditor": 200}


def _reg(world: World) -> Registry:
    found: Registry | None = getattr(world, "_registry", None)
    if found is None:
        found = registry(world)
        world._registry = found  # type: ignore[attr-defined]
    return found


def _published(world: World) -> int:
    cached: int | None = getattr(world, "_published", None)
    if cached is None:
        cached = _reg(world).published().pk
        world._published = cached  # type: ignore[attr-defined]
    return cached


def _draft(world: World) -> int:
    return _reg(world).draft(type=_reg(world).items["flood"].pk, title="洪水影响评价").pk


def _project(world: World) -> int:
    return _reg(world).project().pk


CASES = [
    Case("zones", "GET", lambda w: "/api/v1/area-assessments/zones", ALL, api=True),
    Case("results", "GET", lambda w: f"/api/v1/area-assessments/results?zone={_reg(w).hohhot_zone.pk}", ALL, api=True),
    Case("result", "GET", lambda w: f"/api/v1/area-assessments/results/{_published(w)}", ALL, api=True),
    Case("draft", "GET", lambda w: f"/api/v1/area-assessments/results/{_draft(w)}",
         {"handler": 200, "dept_leader": 200, "supervisor": 200, "admin": 200, "auditor": 200}, api=True),
    Case("create-result", "POST", lambda w: "/api/v1/area-assessments/results",
         {"handler": 201, "dept_leader": 201}, default=403,
         body=lambda w: _reg(w).body(type=_reg(w).items["climate"].pk, title="气候可行性论证"), api=True),
    Case("publish", "POST", lambda w: f"/api/v1/area-assessments/results/{_draft(w)}/actions/publish",
         {"handler": 200, "dept_leader": 200, "supervisor": 403, "admin": 403, "auditor": 403}, default=404,
         body=lambda w: {}, api=True),
    Case("collect", "POST", lambda w: f"/api/v1/area-assessments/results/{_published(w)}/actions/collect",
         {}, default=403, body=lambda w: {"external_id": "GC-1"}, api=True),
    Case("create-project", "POST", lambda w: "/api/v1/area-assessments/projects",
         {"handler": 201, "dept_leader": 201, "supervisor": 201, "enterprise": 201}, default=403,
         body=lambda w: {"code": "2025-150102-44-03-000901", "name": "项目", "owner_name": "某公司",
                         "zone": _reg(w).hohhot_zone.pk, "investment": "100"}, api=True),
    Case("create-use", "POST", lambda w: "/api/v1/area-assessments/uses",
         {"handler": 201, "dept_leader": 201, "enterprise": 422}, default=403,
         body=lambda w: {"project": _project(w), "result": _published(w), "approval": "环评审批"}, api=True),
    Case("stats", "GET", lambda w: "/api/v1/area-assessments/stats", FIGURES, default=403, api=True),
    Case("coverage", "GET", lambda w: "/api/v1/area-assessments/coverage", FIGURES, default=403, api=True),
    Case("lookup-page", "GET", lambda w: f"/public/area-assessments/?zone={_reg(w).hohhot_zone.pk}", ALL, anonymous=200),
    Case("results-page", "GET", lambda w: "/area-assessments/",
         {"handler": 200, "dept_leader": 200, "supervisor": 200, "admin": 200, "auditor": 200}),
    Case("stats-page", "GET", lambda w: "/area-assessments/stats/", FIGURES),
]  # fmt: skip

PARAMS = matrix(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role"), PARAMS, ids=matrix_ids(PARAMS))
def test_area_permission_matrix(world: World, case: Case, role: str) -> None:
    check_case(world, case, role)


def _client(u: Any) -> Client:
    c = Client()
    c.force_login(u)
    return c


@pytest.mark.django_db
def test_the_data_bureau_collects_and_reads_the_figures(world: World) -> None:
    reg = _reg(world)
    pk = _published(world)
    bureau = _client(reg.bureau)
    r = bureau.post(
        f"/api/v1/area-assessments/results/{pk}/actions/collect",
        {"external_id": "GC-7"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "collected"
    page = bureau.get("/area-assessments/stats/")
    assert page.status_code == 200 and "覆盖情况" in page.content.decode()
    export = bureau.get("/area-assessments/stats.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


@pytest.mark.django_db
def test_the_department_pages_enter_a_result_and_the_public_finds_it(world: World) -> None:
    reg = _reg(world)
    handler = _client(reg.handler)
    assert handler.get("/area-assessments/results/new/").status_code == 200
    body = {f"f-{k}": v for k, v in reg.body().items()}
    bad = handler.post("/area-assessments/results/new/", {**body, "f-valid_until": "2001-01-01"})
    assert bad.status_code == 400 and "有效期须晚于批复日期" in bad.content.decode()
    ok = handler.post("/area-assessments/results/new/", body)
    assert ok.status_code == 302
    detail = handler.get(ok["Location"])
    assert "公示" in detail.content.decode()
    public = Client().get(f"/public/area-assessments/?zone={reg.hohhot_zone.pk}").content.decode()
    assert "目前没有有效的区域评估成果" in public  # a draft is not public
    from qitong.area_assessments.models import Result

    r = Result.objects.get()
    handler.post(f"/area-assessments/results/{r.pk}/act/publish/", {"publish-version": r.version})
    public = Client().get("/public/area-assessments/?lng=111.5&lat=40.5").content.decode()
    assert "按位置匹配" in public and "区内工业项目，不含化工、冶炼" in public


@pytest.mark.django_db
def test_an_administrator_keeps_zones_with_a_checked_boundary(world: World) -> None:
    import json

    admin = _client(world.users["admin"])
    form = {"code": "Z-1", "name": "测试园区", "level": "regional", "region": world.hohhot.pk, "active": "on",
            "boundary": json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]})}  # fmt: skip
    bad = admin.post("/admin/area_assessments/zone/add/", form)
    assert bad.status_code == 200 and "有效的多边形" in bad.content.decode()
    from tests.area_factories import SQUARE

    ok = admin.post("/admin/area_assessments/zone/add/", {**form, "boundary": json.dumps(SQUARE)})
    assert ok.status_code == 302
    from qitong.area_assessments.models import Zone

    assert Zone.objects.get(code="Z-1").boundary["type"] == "Polygon"


@pytest.mark.django_db
def test_the_figures_tab_follows_the_reader(world: World) -> None:
    reg = _reg(world)
    pk = _published(world)
    assert (
        "统计与覆盖" in _client(reg.bureau).get(f"/area-assessments/results/{pk}/").content.decode()
    )
    assert (
        "统计与覆盖"
        not in _client(reg.handler).get(f"/area-assessments/results/{pk}/").content.decode()
    )


@pytest.mark.django_db
def test_bad_filters_name_their_field_and_a_bad_export_goes_back_with_the_reason(
    world: World,
) -> None:
    reg = _reg(world)
    bureau = _client(reg.bureau)
    page = bureau.get("/area-assessments/?published_from=abc&page=2").content.decode()
    assert "公示日期从的格式应为 YYYY-MM-DD" in page
    kept = bureau.get("/area-assessments/stats/?from=2026-05-01&to=2026-01-01")
    assert kept.status_code == 400 and 'value="2026-05-01"' in kept.content.decode()
    back = bureau.get("/area-assessments/stats.xlsx?from=abc", follow=True)
    assert (
        back.redirect_chain and "未能导出：开始日期的格式应为 YYYY-MM-DD" in back.content.decode()
    )
