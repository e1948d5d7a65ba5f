"""The 派单目录: the most specific rule wins; the dispatch form proposes it; administrators edit
it in the admin and by Excel (each change a new version, every rule change ledgered, a bad file
changes nothing and names each problem); GET /api/v1/dispatch-catalogue."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qitong.directory.excel import ExcelImportFailed
from qitong.ledger.models import Event
from qitong.tickets.catalogue import (
    catalogue_version,
    export_queryset,
    export_rules,
    import_rules,
    suggest,
)
from qitong.tickets.models import Category, DispatchRule
from tests import factories
from tests.factories import World
from tests.matrix import client_for
from tests.ticket_factories import file_by_phone
from tests.workbooks import sheet, workbook

HEADER = [
    "区划代码",
    "区划",
    "分类编码",
    "诉求分类",
    "主办单位代码",
    "主办单位",
    "协办单位代码",
    "协办单位",
    "职责依据",
    "启用",
]


def _rules(world: World) -> tuple[DispatchRule, DispatchRule]:
    tax = Category.objects.get(code="tax")
    tax_policy = Category.objects.get(code="tax.policy")
    broad = DispatchRule.objects.create(region=world.province, category=tax, lead=world.dept)
    narrow = DispatchRule.objects.create(
        region=world.hohhot, category=tax_policy, lead=world.dept, assisting=[world.baotou_dept.pk]
    )
    return broad, narrow


def test_the_most_specific_rule_wins(world: World) -> None:
    broad, narrow = _rules(world)
    tax_policy = Category.objects.get(code="tax.policy")
    tax_refund = Category.objects.get(code="tax.refund")
    assert suggest(category=tax_policy, region_code="150102").rule == narrow  # county → its 盟市
    assert suggest(category=tax_refund, region_code="150102").rule == broad  # parent category
    assert suggest(category=tax_policy, region_code="150203").rule == broad  # Baotou: the region
    assert (
        suggest(category=Category.objects.get(code="market.registration"), region_code="150102")
        is None
    )
    found = suggest(category=tax_policy, region_code="150102")
    assert found is not None and [d.pk for d in found.assisting] == [world.baotou_dept.pk]


def test_the_dispatch_form_proposes_the_catalogue_department(world: World) -> None:
    other = factories.department("呼和浩特市税务局", world.hohhot)
    DispatchRule.objects.create(
        region=world.hohhot, category=Category.objects.get(code="tax"), lead=other, basis="三定规定"
    )
    ticket = file_by_phone(world)  # tax.policy, 新城区
    page = client_for(world, "operator").get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'<option value="{other.pk}" selected>呼和浩特市税务局（派单目录建议）</option>' in page
    assert "派单目录建议主办：呼和浩特市税务局" in page and "三定规定" in page


def test_excel_round_trip_changes_nothing_and_an_edit_is_a_versioned_ledgered_change(
    world: World,
) -> None:
    _rules(world)
    data = export_rules(export_queryset(DispatchRule.objects.all()))
    rows = sheet(data)
    assert rows[0] == HEADER and len(rows) == 3
    before = catalogue_version()
    assert import_rules(data, actor=world.users["admin"]).unchanged == 2
    rows[2][6] = ""  # the Hohhot rule loses its assisting department
    rows.append(["150200", "", "market", "", world.baotou_dept.code, "", "", "", "职责清单", "是"])
    result = import_rules(workbook(rows), actor=world.users["admin"])
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert catalogue_version() == before + 2  # one version per import
    changed = Event.objects.filter(action="dispatchrule_change").get()
    assert changed.payload["changes"]["assisting"] == [[world.baotou_dept.pk], []]
    assert Event.objects.filter(action="dispatchrule_create", payload__source="excel").count() == 1
    assert (
        DispatchRule.objects.get(region=world.baotou, category__code="market").version == before + 2
    )


def test_a_bad_file_names_every_problem_and_changes_nothing(world: World) -> None:
    _rules(world)
    count = DispatchRule.objects.count()
    rows = [
        HEADER,
        ["159999", "", "tax", "", world.dept.code, "", "", "", "", "是"],
        ["150100", "", "nonsense", "", "NOPE", "", world.dept.code, "", "", "也许"],
        ["150100", "", "market", "", world.dept.code, "", "", "", "", "是"],
        ["150100", "", "market", "", world.dept.code, "", "", "", "", "是"],
        ["150200", "", "market", "", world.dept.code, "", world.dept.code, "", "", "是"],
    ]
    with pytest.raises(ExcelImportFailed) as failed:
        import_rules(workbook(rows), actor=world.users["admin"])
    text = "\n".join(failed.value.problems)
    assert (
        "第 2 行 区划代码" in text and "第 3 行 分类编码" in text and "第 3 行 主办单位代码" in text
    )
    assert "第 3 行 启用" in text and "第 6 行 协办单位代码：协办单位不能与主办单位相同" in text
    assert "第 5 行 区划代码：与第 4 行的区划和分类重复" in text
    assert DispatchRule.objects.count() == count


def test_the_admin_edits_and_imports(world: World) -> None:
    client = client_for(world, "admin")
    tax = Category.objects.get(code="tax")
    before = catalogue_version()
    response = client.post(
        "/admin/tickets/dispatchrule/add/",
        {"region": world.hohhot.pk, "category": tax.pk, "lead": world.dept.pk, "basis": "三定", "active": "on",
         "assisting_departments": [world.baotou_dept.pk]},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = DispatchRule.objects.get()
    assert rule.assisting == [world.baotou_dept.pk] and rule.version == before + 1
    assert Event.objects.filter(action="dispatchrule_create", payload__source="admin").exists()
    export = client.get("/admin/tickets/dispatchrule/export/")
    assert export.status_code == 200 and sheet(export.content)[1][0] == "150100"
    upload = SimpleUploadedFile("catalogue.xlsx", export.content)
    assert client.post("/admin/tickets/dispatchrule/import/", {"file": upload}).status_code == 302


def test_the_api_answers_the_catalogue_and_the_match(world: World) -> None:
    broad, narrow = _rules(world)
    client = client_for(world, "operator")
    body = client.get(
        "/api/v1/dispatch-catalogue", {"category": "tax.policy", "region": "150102"}
    ).json()
    assert (
        body["match"]["id"] == narrow.pk
        and body["match"]["assisting"][0]["id"] == world.baotou_dept.pk
    )
    assert {i["id"] for i in body["items"]} == {broad.pk, narrow.pk}
    assert body["version"] == catalogue_version() and body["count"] == 2
    everything = client.get("/api/v1/dispatch-catalogue").json()
    assert everything["match"] is None and everything["count"] == 2
    assert client.get("/api/v1/dispatch-catalogue", {"category": "nope"}).status_code == 422
    assert client.get("/api/v1/dispatch-catalogue", {"region": "159999"}).status_code == 422
    assert client.get("/api/v1/dispatch-catalogue", {"region": "15x"}).status_code == 422
    assert client_for(world, "enterprise").get("/api/v1/dispatch-catalogue").status_code == 403
