"""The supervision pages: the list's counts and filters, the problem page's actions (a
refusal put back beside its field, never a 500), a new problem, an activity, the statistics'
drill-down links, the accountability editor and the public page without login."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qitong.accounts.models import User
from qitong.supervision.models import Problem
from qitong.tickets.services import ticket_act
from tests.factories import World
from tests.supervision_factories import Desk, desk
from tests.ticket_factories import submit_online

PDF = b"%PDF-1.4\n%evidence\n"


def as_user(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def d(world: World) -> Desk:
    return desk(world)


@pytest.mark.django_db
def test_the_list_shows_counts_filters_and_no_internal_codes(d: Desk, world: World) -> None:
    d.reach("closed")
    d.reach("assigned", problem_class="A")
    page = as_user(d.office).get("/supervision/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '共 <strong class="num">2</strong> 个' in html and "已交办" in html and "已销号" in html
    for code in ("assigned", "pending_acceptance", "registered"):
        assert f">{code}<" not in html
    filtered = as_user(d.office).get("/supervision/?state=closed").content.decode()
    assert '共 <strong class="num">1</strong> 个' in filtered
    a_class = as_user(d.office).get("/supervision/?class=A").content.decode()
    assert '共 <strong class="num">1</strong> 个' in a_class  # the statistics' drill-down
    unknown = as_user(d.office).get("/supervision/?state=bogus").content.decode()
    assert "状态没有这个选项：bogus" in unknown and "Select a valid choice" not in unknown
    bad = as_user(d.office).get("/supervision/?registered_from=2026-13-01")
    assert bad.status_code == 200 and "日期格式应为 YYYY-MM-DD" in bad.content.decode()
    export = as_user(d.office).get("/supervision/problems.xlsx?state=closed")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


@pytest.mark.django_db
def test_the_unit_files_its_plan_and_claims_done_through_the_page(d: Desk, world: World) -> None:
    problem = d.act(d.create(), "assign")
    unit = as_user(world.users["handler"])
    page = unit.get(f"/supervision/problems/{problem.pk}/").content.decode()
    offered = set(re.findall(r'data-action="(\w+)"', page))
    assert offered == {"accept", "object", "request_extension"}
    r = unit.post(
        f"/supervision/problems/{problem.pk}/act/accept/", {"accept-version": problem.version}
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    r = unit.post(
        f"/supervision/problems/{problem.pk}/act/plan/",
        {"plan-version": problem.version, "plan-plan": "分批付款", "plan-milestones": "明天 付款"},
    )
    assert r.status_code == 400 and "日期应为 YYYY-MM-DD" in r.content.decode()
    day = problem.deadline.date().isoformat()
    r = unit.post(
        f"/supervision/problems/{problem.pk}/act/plan/",
        {
            "plan-version": problem.version,
            "plan-plan": "分批付款",
            "plan-milestones": f"{day} 付清",
        },
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    r = unit.post(
        f"/supervision/problems/{problem.pk}/act/claim_done/",
        {"claim_done-version": problem.version, "claim_done-summary": "已付清"},
    )
    assert r.status_code == 400 and "请上传整改完成的佐证材料" in r.content.decode()
    r = unit.post(
        f"/supervision/problems/{problem.pk}/act/claim_done/",
        {
            "claim_done-version": problem.version,
            "claim_done-summary": "已付清",
            "claim_done-attachments": SimpleUploadedFile(
                "回单.pdf", PDF, content_type="application/pdf"
            ),
        },
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    assert problem.state == "pending_acceptance"
    stale = unit.post(
        f"/supervision/problems/{problem.pk}/act/progress/",
        {"progress-version": 1, "progress-note": "x"},
    )
    assert stale.status_code == 409
    office_page = as_user(d.office).get(f"/supervision/problems/{problem.pk}/").content.decode()
    assert "验收销号" in office_page and "回单.pdf" in office_page


@pytest.mark.django_db
def test_a_new_problem_names_its_bad_fields_and_registers_once(d: Desk, world: World) -> None:
    office = as_user(d.office)
    assert office.get("/supervision/problems/new/").status_code == 200
    r = office.post("/supervision/problems/new/", {"title": "", "idempotency_key": "k1"})
    html = r.content.decode()
    assert r.status_code == 400 and "请选择责任单位" in html and "请填写问题标题" in html
    data = {
        "unit_department": world.dept.pk,
        "category": "arrears",
        "problem_class": "B",
        "title": "拖欠工程款",
        "description": "242 万元",
        "amount": "2420000",
        "idempotency_key": "k2",
    }
    assert office.post("/supervision/problems/new/", data).status_code == 302
    assert office.post("/supervision/problems/new/", data).status_code == 302  # a double click
    assert Problem.objects.count() == 1


@pytest.mark.django_db
def test_the_ticket_page_offers_promotion_to_a_desk_lead(world: World) -> None:
    desk(world)
    ticket = submit_online(world, type="problem_report", problem_category="arrears")
    ticket = ticket_act(
        ticket_id=ticket.pk, action="register", user=world.users["operator"], data={}
    )
    lead = as_user(world.users["desk_lead"])
    page = lead.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "转为督查问题" in page and world.dept.name in page
    operator_page = as_user(world.users["operator"]).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "转为督查问题" not in operator_page


@pytest.mark.django_db
def test_stats_page_links_every_figure_to_its_problems(d: Desk) -> None:
    d.reach("closed")
    html = as_user(d.office).get("/supervision/stats/").content.decode()
    assert "共受理反映问题" in html and "按时整改率" in html
    links = re.findall(r'href="(/supervision/\?[^"]+)"', html)
    assert links
    for link in links[:10]:
        assert as_user(d.office).get(link.replace("&amp;", "&")).status_code == 200


@pytest.mark.django_db
def test_the_accountability_editor_publishes_and_the_public_page_anonymises(
    d: Desk, world: World
) -> None:
    from qitong.supervision.accountability import today
    from qitong.supervision.inputs import quarter_of

    office = as_user(d.office)
    quarter = quarter_of(today())
    r = office.post(
        "/supervision/accountability/new/",
        {
            "quarter": quarter,
            "region": "150100",
            "unit_name": "某区市场监管局",
            "summary": "赵铁柱违规多次检查某某食品有限公司",
            "measure": "admonition",
            "decided_on": today().isoformat(),
            "persons": "赵铁柱 执法队长",
            "enterprises": "某某食品有限公司",
            "public": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    bad = office.post("/supervision/accountability/new/", {"quarter": "2026Q7"})
    assert bad.status_code == 400 and "季度格式应为" in bad.content.decode()
    assert "赵铁柱" not in Client().get("/public/accountability/").content.decode()
    r = office.post("/supervision/accountability/publish/", {"quarter": quarter})
    assert r.status_code == 302
    public = Client().get("/public/accountability/").content.decode()
    assert (
        "赵某" in public
        and "赵铁柱" not in public
        and "某某食品有限公司" not in public
        and "某企业" in public
    )
