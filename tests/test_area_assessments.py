"""Regional assessment results (issue 16): the project-code validator, zone matching by
location, the result's machine (publish, collect, revoke; expiry by date; supersession), the
422s naming the field, and the six KPIs on hand-built data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qitong.area_assessments.codes import check_project_code
from qitong.area_assessments.geo import check_boundary, zones_at
from qitong.area_assessments.models import Result
from qitong.area_assessments.services import results_sweep
from qitong.area_assessments.stats import area_stats, coverage
from qitong.core.errors import Conflict, Forbidden, ValidationFailed
from qitong.core.workdays import local_today
from qitong.ledger.models import Event
from tests.area_factories import SQUARE, Registry, registry
from tests.factories import World

YEAR = 2026


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("2022-150203-44-03-012345", None),
        ("2022-150203-44-03-012345 ", None),  # spaces trimmed
        ("2022—150203—44—03—012345", None),  # full-width dashes read as dashes
        ("2022150203440301234500", "24 位"),
        ("2022-150203-44-03-01234", "24 位"),
        ("2022/150203/44/03/012345", "格式"),
        ("20AB-150203-44-03-012345", "格式"),
        ("2013-150203-44-03-012345", "年份 2013"),
        ("2031-150203-44-03-012345", "年份 2031"),
        ("2022-000203-44-03-012345", "区划代码"),
        ("2022-150203-00-03-012345", "行业代码"),
        ("2022-150203-44-04-012345", "项目类型"),
        ("2022-150203-44-03-000000", "流水号"),
    ],
)
def test_the_project_code_validator(code: str, why: str | None) -> None:
    _, got = check_project_code(code, this_year=YEAR)
    if why is None:
        assert got is None
    else:
        assert got is not None and why in got


class Z:
    def __init__(self, name: str, boundary: Any) -> None:
        self.name, self.boundary = name, boundary


def test_zone_matching_by_location_prefers_the_inner_zone() -> None:
    inner = {
        "type": "Polygon",
        "coordinates": [
            [[111.2, 40.2], [111.5, 40.2], [111.5, 40.5], [111.2, 40.5], [111.2, 40.2]]
        ],
    }
    zones = [Z("外", SQUARE), Z("内", inner), Z("无边界", None)]
    assert [z.name for z in zones_at((111.3, 40.3), zones)] == ["内", "外"]
    assert [z.name for z in zones_at((111.8, 40.8), zones)] == ["外"]
    assert zones_at((120.0, 45.0), zones) == []
    assert [z.name for z in zones_at((111.0, 40.5), zones)] == ["外"]  # on the edge: covered


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ({"type": "Point", "coordinates": [1, 2]}, "Polygon"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]},
            "有效",
        ),  # a bow tie
        ({"type": "Polygon", "coordinates": [[[0, 0], [500, 0], [500, 1], [0, 0]]]}, "经度"),
        ({"type": "Polygon", "coordinates": "x"}, "无法读取"),
    ],
)
def test_bad_boundaries_are_refused_with_the_reason(raw: Any, why: str) -> None:
    geometry, got = check_boundary(raw)
    assert geometry is None and got is not None and why in got
    assert check_boundary({"type": "Feature", "geometry": SQUARE, "properties": {}})[1] is None


@pytest.fixture
def reg(world: World) -> Registry:
    return registry(world)


@pytest.mark.django_db
def test_publish_collect_and_revoke_by_their_roles(reg: Registry) -> None:
    r = reg.draft()
    with pytest.raises(Forbidden):
        reg.act(r, "publish", reg.bureau)  # the data bureau cannot publish…
    r = reg.act(r, "publish")
    assert r.state == "published" and r.published_on == local_today()
    with pytest.raises(Forbidden):
        reg.act(r, "collect", external_id="GC-1")  # …and the department cannot collect
    r = reg.act(r, "collect", reg.bureau, external_id="GC-2025-0001")
    assert r.state == "collected" and r.external_id == "GC-2025-0001"
    with pytest.raises(ValidationFailed) as bad:
        reg.act(r, "revoke")
    assert "reason" in bad.value.fields
    r = reg.act(r, "revoke", reason="评估依据的规划已调整")
    assert r.state == "revoked" and r.ended_on == local_today()
    events = Event.objects.filter(subject_type="area_assessments.result", subject_id=str(r.pk))
    assert list(events.values_list("action", flat=True)) == [
        "create",
        "publish",
        "collect",
        "revoke",
    ]


@pytest.mark.django_db
def test_a_validity_before_the_approval_and_a_duplicate_item_are_refused(reg: Registry) -> None:
    today = local_today()
    with pytest.raises(ValidationFailed) as before:
        reg.draft(valid_until=(today - dt.timedelta(days=60)).isoformat())
    assert "valid_until" in before.value.fields
    first = reg.published()
    with pytest.raises(ValidationFailed) as twice:
        reg.draft(title="又一份环评")
    assert "type" in twice.value.fields and first.number in twice.value.fields["type"]
    # superseding is allowed, and publishing the new one supersedes the old
    second = reg.published(title="呼和浩特经开区区域环评（修编）", supersedes=first.pk)
    first.refresh_from_db()
    assert first.state == "superseded" and second.supersedes_id == first.pk
    assert first.ended_on == today


@pytest.mark.django_db
def test_results_expire_by_date(reg: Registry) -> None:
    today = local_today()
    r = reg.published(
        approved_on=(today - dt.timedelta(days=400)).isoformat(),
        valid_until=(today + dt.timedelta(days=1)).isoformat(),
    )
    assert results_sweep(today) == 0
    assert results_sweep(today + dt.timedelta(days=2)) == 1
    r.refresh_from_db()
    assert r.state == "expired"
    assert results_sweep(today + dt.timedelta(days=3)) == 0  # once


@pytest.mark.django_db
def test_a_use_of_an_expired_or_revoked_result_is_refused(reg: Registry) -> None:
    project = reg.project()
    revoked = reg.act(reg.published(), "revoke", reason="撤销")
    with pytest.raises(ValidationFailed) as bad:
        reg.use(project, revoked)
    assert "已撤销" in bad.value.fields["result"]
    other = reg.published(type=reg.items["flood"].pk, title="洪水影响评价")
    Result.objects.filter(pk=other.pk).update(state="expired")
    with pytest.raises(ValidationFailed) as expired:
        reg.use(project, other)
    assert "已过期" in expired.value.fields["result"]
    good = reg.published(type=reg.items["soil_water"].pk, title="水土保持")
    use = reg.use(project, good)
    assert use.recorded_as == "department" and use.saved_money == Decimal("12.50")
    with pytest.raises(Conflict):
        reg.use(project, good)  # once per project and result
    with pytest.raises(ValidationFailed) as future:
        reg.use(
            reg.project("2025-150102-44-03-000102"),
            good,
            used_on=(local_today() + dt.timedelta(days=3)).isoformat(),
        )
    assert "used_on" in future.value.fields


@pytest.mark.django_db
def test_a_use_must_be_in_the_projects_zone(reg: Registry) -> None:
    r = reg.published()
    project = reg.project(zone=reg.baotou_zone.pk)
    with pytest.raises(ValidationFailed) as bad:
        reg.use(project, r)
    assert "包头稀土高新区" in bad.value.fields["result"]


@pytest.mark.django_db
def test_a_project_finds_its_zone_by_location_and_bad_codes_name_the_field(reg: Registry) -> None:
    p = reg.project(zone=None, lng="111.5", lat="40.5")
    assert p.zone == reg.hohhot_zone
    with pytest.raises(ValidationFailed) as nowhere:
        reg.project("2025-150102-44-03-000201", zone=None, lng="100", lat="30")
    assert "zone" in nowhere.value.fields
    with pytest.raises(ValidationFailed) as code:
        reg.project("2025-15010-44-03-000301")
    assert "code" in code.value.fields
    with pytest.raises(ValidationFailed) as region:
        reg.project("2025-990102-44-03-000301")
    assert "区划" in region.value.fields["code"]
    with pytest.raises(Conflict):
        reg.project(p.code)


@pytest.mark.django_db
def test_the_six_kpis_on_hand_built_data(reg: Registry) -> None:
    from qitong.area_assessments.services import result_act as act

    today = local_today()
    env = reg.published()
    act(pk=env.pk, action="collect", user=reg.bureau, data={"external_id": "GC-1"})
    flood = reg.published(type=reg.items["flood"].pk, title="洪水影响评价")
    reg.draft(type=reg.items["seismic"].pk, title="地震安全性评价")  # a draft counts nowhere
    a = reg.project("2025-150102-44-03-000401", investment="30000")  # 3 亿元
    b = reg.project("2025-150102-44-03-000402", investment="20000")  # 2 亿元
    reg.use(a, env, saved_money="10")
    reg.use(a, flood, saved_money="5.5")
    reg.use(b, env, saved_money="4", saved_days=20)
    s = area_stats(today - dt.timedelta(days=7), today)
    t = s.total
    assert (t.published, t.collected, t.projects, t.uses) == (2, 1, 2, 3)
    assert t.investment_yi == Decimal("5.00")  # each project once, however many uses
    assert t.saved_wan == Decimal("19.5") and t.saved_days == 80
    zone = next(z for z in s.by_zone if z["zone"]["id"] == reg.hohhot_zone.pk)
    assert (zone["uses"], zone["projects"], zone["investment_yi"]) == (3, 2, "5.00")
    envrow = next(x for x in s.by_type if x["type"]["name"] == "环境影响评价")
    assert (envrow["uses"], envrow["collected"]) == (2, 1)
    before = area_stats(today - dt.timedelta(days=400), today - dt.timedelta(days=8)).total
    assert (before.published, before.uses) == (0, 0)
    matrix = coverage()
    hohhot = next(row for row in matrix["rows"] if row["zone"]["id"] == reg.hohhot_zone.pk)
    assert hohhot["missing"] == len(matrix["types"]) - 2


def _client(u: Any) -> Client:
    c = Client()
    c.force_login(u)
    return c


@pytest.mark.django_db
def test_api_contract_and_its_422s(reg: Registry) -> None:
    c = _client(reg.handler)
    r = c.post("/api/v1/area-assessments/results", reg.body(), content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = c.post(
        f"/api/v1/area-assessments/results/{pk}/actions/publish",
        {},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "published"
    r = _client(reg.bureau).post(
        f"/api/v1/area-assessments/results/{pk}/actions/collect",
        {"external_id": "GC-9"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "collected"
    listed = Client().get(
        f"/api/v1/area-assessments/results?zone={reg.hohhot_zone.pk}&valid_on={local_today():%Y-%m-%d}"
    )
    assert listed.status_code in (200, 401)
    anon = c.get(
        f"/api/v1/area-assessments/results?zone={reg.hohhot_zone.pk}&valid_on={local_today():%Y-%m-%d}"
    )
    assert [x["id"] for x in anon.json()["items"]] == [pk]
    bad = c.post(
        "/api/v1/area-assessments/projects",
        {
            "code": "2022-1502-44-03-1",
            "name": "x",
            "owner_name": "y",
            "zone": reg.hohhot_zone.pk,
            "investment": "1",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and "code" in bad.json()["fields"]
    p = c.post(
        "/api/v1/area-assessments/projects",
        {
            "code": "2025-150102-44-03-000501",
            "name": "x",
            "owner_name": "y",
            "lng": "111.5",
            "lat": "40.5",
            "investment": "10000",
        },
        content_type="application/json",
    )
    assert p.status_code == 201 and p.json()["zone"]["id"] == reg.hohhot_zone.pk
    u = c.post(
        "/api/v1/area-assessments/uses",
        {"project": p.json()["id"], "result": pk, "approval": "环评审批", "saved_money": "8"},
        content_type="application/json",
    )
    assert u.status_code == 201, u.content
    before = c.post(
        "/api/v1/area-assessments/results",
        reg.body(type=reg.items["flood"].pk, valid_until="2000-01-02"),
        content_type="application/json",
    )
    assert before.status_code == 422 and "valid_until" in before.json()["fields"]
    s = _client(reg.bureau).get("/api/v1/area-assessments/stats")
    assert s.status_code == 200 and (
        s.json()["published"],
        s.json()["collected"],
        s.json()["uses"],
    ) == (1, 1, 1)
    assert c.get("/api/v1/area-assessments/stats").status_code == 403  # a department's staff
    matrix = _client(reg.bureau).get("/api/v1/area-assessments/coverage").json()
    hohhot = next(row for row in matrix["rows"] if row["zone"]["id"] == reg.hohhot_zone.pk)
    assert hohhot["cells"][0] == {"result": pk, "valid_until": reg.body()["valid_until"]}
    assert hohhot["missing"] == len(matrix["types"]) - 1


@pytest.mark.django_db
def test_the_project_list_counts_uses_in_one_query(reg: Registry) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    r = reg.published()
    for n in range(5):
        reg.use(reg.project(f"2025-150102-44-03-0006{n:02d}"), r)
    c = _client(reg.handler)
    c.get("/api/v1/area-assessments/projects")  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        got = c.get("/api/v1/area-assessments/projects").json()
    assert [p["uses"] for p in got["items"]] == [1] * 5
    assert len(queries) <= 8, len(queries)
