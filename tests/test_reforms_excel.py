"""Reform plans in Excel (issue 12): a task list and a local plan imported all rows or none
with "第 N 行 列名：问题"; the grid, statistics and a unit's ledger exported with the page's
figures; the office's pages for a new plan and its import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qitong.directory.excel.workbook import ExcelImportFailed
from qitong.ledger.models import Event
from qitong.reforms.excel import (
    export_grid,
    export_stats,
    export_tasks,
    export_unit_ledger,
    import_measures,
    import_tasks,
)
from qitong.reforms.models import ActionPlan, LocalPlan, Measure, ReformTask, UnitTask
from qitong.reforms.services import local_plan_create, plan_create
from qitong.reforms.stats import plan_stats
from tests.factories import World
from tests.reform_factories import Reforms, accepted, filed, reforms
from tests.workbooks import sheet, workbook

HEADER = ["编号", "领域", "任务", "牵头部门", "完成时限", "适用单位"]


@pytest.fixture
def r(world: World) -> Reforms:
    return reforms(world)


def _draft(r: Reforms) -> ActionPlan:
    return plan_create(
        user=r.office,
        name="2027年重点任务",
        short_name="2027年",
        issuer="自治区营商办",
        issued_on=dt.date(2027, 1, 10),
        starts_on=dt.date(2027, 1, 1),
        deadline=dt.date(2027, 12, 31),
    )


@pytest.mark.django_db
def test_a_task_list_imports_with_its_units_through_the_services(r: Reforms, world: World) -> None:
    plan = _draft(r)
    data = workbook(
        [
            HEADER,
            ["27-001", "开办企业", "企业开办一日办结", world.dept.name, "2027-06-30", "全部"],
            ["27-002", "获得电力", "低压办电零投资", "", "2027-12-31", "150200、呼和浩特市"],
        ]
    )
    result = import_tasks(data, plan=plan, user=r.office)
    assert result.created == 2
    assert list(plan.tasks.order_by("sort_order").values_list("number", flat=True)) == [
        "27-001",
        "27-002",
    ]
    assert set(plan.areas.values_list("name", flat=True)) == {"开办企业", "获得电力"}
    assert UnitTask.objects.filter(task__number="27-002").count() == 2
    first = ReformTask.objects.get(number="27-001")
    assert first.lead_department == world.dept
    assert Event.objects.filter(subject_type="reforms.unit_task", action="create").count() >= 2 + 4


@pytest.mark.django_db
def test_a_bad_task_list_names_every_problem_by_row_and_column_and_imports_nothing(
    r: Reforms,
) -> None:
    plan = _draft(r)
    before = (ReformTask.objects.count(), Event.objects.count())
    data = workbook(
        [
            HEADER,
            ["27-001", "开办企业", "好的一行", "", "2027-06-30", "全部"],
            ["27-001", "开办企业", "", "不存在的局", "2030-01-01", "150999"],
            ["", "", "x", "", "明年", ""],
        ]
    )
    with pytest.raises(ExcelImportFailed) as refused:
        import_tasks(data, plan=plan, user=r.office)
    problems = refused.value.problems
    assert "第 3 行 编号：与第 2 行重复" in problems
    assert "第 3 行 任务：不能为空" in problems
    assert "第 3 行 牵头部门：没有名为“不存在的局”的在用部门" in problems
    assert any(p.startswith("第 3 行 完成时限：应在方案的起报日期与完成时限之间") for p in problems)
    assert "第 3 行 适用单位：没有编码或名称为“150999”的报送单位" in problems
    assert (
        "第 4 行 编号：不能为空" in problems
        and "第 4 行 完成时限：应为日期，如 2023-12-31" in problems
    )
    assert (ReformTask.objects.count(), Event.objects.count()) == before
    with pytest.raises(ExcelImportFailed) as missing:
        import_tasks(workbook([["编号", "任务"], ["1", "x"]]), plan=plan, user=r.office)
    assert any("缺少此列" in p for p in missing.value.problems)


@pytest.mark.django_db
def test_a_local_plan_imports_measures_sub_items_and_task_links(r: Reforms) -> None:
    local = local_plan_create(
        user=r.baotou_coordinator,
        unit=r.baotou,
        plan=r.plan,
        name="包头举措",
        issued_on=dt.date(2022, 3, 1),
        deadline=dt.date(2023, 12, 31),
    )
    header = ["编号", "上级编号", "举措", "完成时限", "包联领导", "对应改革任务"]
    bad = workbook([header, ["1", "9", "x", "2030-01-01", "", "3.0-999"]])
    with pytest.raises(ExcelImportFailed) as refused:
        import_measures(bad, local=local, user=r.baotou_coordinator)
    assert set(refused.value.problems) >= {
        "第 2 行 上级编号：上级举措 9 应在本行之前或已在方案中",
        "第 2 行 完成时限：不能晚于本地方案的完成时限（2023-12-31）",
        "第 2 行 对应改革任务：方案中没有编号为 3.0-999 的任务",
    }
    good = workbook(
        [
            header,
            ["1", "", "企业开办全程网办", "2022-12-31", "副市长", "3.0-001、3.0-002"],
            ["1.1", "1", "电子营业执照", "", "", ""],
        ]
    )
    assert import_measures(good, local=local, user=r.baotou_coordinator).created == 2
    child = Measure.objects.get(local_plan=local, number="1.1")
    assert child.parent is not None and child.parent.number == "1"
    assert list(child.parent.tasks.values_list("number", flat=True)) == ["3.0-001", "3.0-002"]
    assert LocalPlan.objects.get(pk=local.pk).measures.count() == 2


@pytest.mark.django_db
def test_exports_hold_the_figures_of_the_page(r: Reforms) -> None:
    accepted(r, filed(r, r.item(0, r.baotou), r.baotou_coordinator, progress=100, done=True))
    today = dt.date.today()
    grid = sheet(export_grid(r.plan, UnitTask.objects.all(), as_of=today, today=today))
    assert grid[0][:4] == ["编号", "领域", "任务", "牵头部门"]
    assert grid[0][4:] == [r.baotou.name, r.hohhot.name]
    assert grid[1][4] == "100% 已完成"
    stats = sheet(export_stats(plan_stats(r.plan, today)))
    assert stats[1][:4] == [1, r.baotou.name, 3, 1]
    assert ["各单位均完成", 0] in [row[:2] for row in stats]
    ledger = sheet(export_unit_ledger(r.plan, r.baotou, UnitTask.objects.all()))
    assert ledger[1][0] == "3.0-001" and ledger[1][11] == "已通过"
    tasks = sheet(export_tasks(r.plan))
    assert tasks[1][0] == "3.0-001" and tasks[1][9] == "150200、150100"


@pytest.mark.django_db
def test_the_office_drafts_a_plan_and_imports_its_tasks_on_the_pages(r: Reforms) -> None:
    office = Client()
    office.force_login(r.office)
    empty = office.post("/reforms/plans/new/", {"name": "", "short_name": "x"})
    assert empty.status_code == 400 and "请填写方案名称" in empty.content.decode()
    made = office.post(
        "/reforms/plans/new/",
        {
            "name": "2027年重点任务",
            "short_name": "2027年",
            "version": "1",
            "issuer": "营商办",
            "issued_on": "2027-01-10",
            "starts_on": "2027-01-01",
            "deadline": "2027-12-31",
            "period_kind": "month",
            "report_due_days": "5",
            "yellow_behind": "15",
            "red_behind": "30",
            "near_deadline_days": "10",
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    plan = ActionPlan.objects.get(short_name="2027年")
    bad = office.post(
        f"/reforms/plans/{plan.pk}/import/",
        {
            "file": SimpleUploadedFile(
                "t.xlsx",
                workbook([HEADER, ["", "", "", "", "", ""], ["1", "a", "b", "", "x", "全部"]]),
            )
        },
    )
    assert bad.status_code == 400 and "第 3 行 完成时限" in bad.content.decode()
    ok = office.post(
        f"/reforms/plans/{plan.pk}/import/",
        {
            "file": SimpleUploadedFile(
                "t.xlsx", workbook([HEADER, ["1", "a", "b", "", "2027-05-01", "全部"]])
            )
        },
    )
    assert ok.status_code == 302 and plan.tasks.count() == 1
    coordinator = Client()
    coordinator.force_login(r.coordinator)
    assert coordinator.get(f"/reforms/plans/{plan.pk}/import/").status_code == 404
    assert coordinator.get("/reforms/plans/new/").status_code == 404
    export = office.get(f"/reforms/plans/{r.plan.pk}/grid.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")


@pytest.mark.django_db
def test_a_quantitative_target_imports_and_shows_on_the_unit_task(r: Reforms, world: World) -> None:
    plan = _draft(r)
    header = [*HEADER, "基期值", "目标值", "计量单位", "方向"]
    bad = workbook([header, ["Q-1", "a", "b", "", "2027-06-30", "全部", "5", "", "", "横着"]])
    with pytest.raises(ExcelImportFailed) as refused:
        import_tasks(bad, plan=plan, user=r.office)
    assert set(refused.value.problems) == {
        "第 2 行 目标值：填写了基期值时须填写目标值",
        "第 2 行 方向：应为“越高越好”或“越低越好”",
    }
    good = workbook(
        [header, ["Q-1", "a", "开办时间", "", "2027-06-30", "全部", "3", "1", "天", "越低越好"]]
    )
    import_tasks(good, plan=plan, user=r.office)
    task = ReformTask.objects.get(number="Q-1")
    assert (float(task.baseline or 0), float(task.target_value or 0), task.direction) == (
        3,
        1,
        "down",
    )
    exported = sheet(export_tasks(plan))
    assert exported[1][-4:] == ["3.00", "1.00", "天", "越低越好"]
    office = Client()
    office.force_login(r.office)
    item = UnitTask.objects.filter(task=task).first()
    assert item is not None
    page = office.get(f"/reforms/unit-tasks/{item.pk}/").content.decode()
    assert "量化目标" in page and "基期 3.0 → 目标 1.0 天（越低越好）" in page


@pytest.mark.django_db
def test_the_services_refuse_plans_and_local_plans_to_the_wrong_people(r: Reforms) -> None:
    from qitong.core.errors import Forbidden

    with pytest.raises(Forbidden):
        plan_create(
            user=r.coordinator,  # a 盟市's supervisor, not the office
            name="x",
            short_name="x",
            issuer="x",
            issued_on=dt.date(2027, 1, 1),
            starts_on=dt.date(2027, 1, 1),
            deadline=dt.date(2027, 12, 31),
        )
    with pytest.raises(Forbidden):
        local_plan_create(
            user=r.coordinator,  # Hohhot's, for Baotou
            unit=r.baotou,
            name="x",
            issued_on=dt.date(2022, 3, 1),
            deadline=dt.date(2023, 12, 31),
        )
    assert not ActionPlan.objects.filter(short_name="x").exists()
    assert not LocalPlan.objects.filter(name="x").exists()
