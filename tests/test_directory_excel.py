"""Excel import/export of departments and specialists.

An exported file re-imports without changing anything; an edited file creates and updates
exactly the edited rows, each ledgered; a file with mistakes is refused as a whole, naming
every mistake as "第 N 行 列名：问题", and changes nothing.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from qitong.accounts.roles import Role
from qitong.directory.excel import (
    ExcelImportFailed,
    export_departments,
    export_specialists,
    import_departments,
    import_specialists,
)
from qitong.directory.excel.departments import COLUMNS as DEPARTMENT_COLUMNS
from qitong.directory.excel.departments import export_queryset as department_rows
from qitong.directory.excel.specialists import export_queryset as specialist_rows
from qitong.directory.models import Department, PolicyDomain, Specialist
from qitong.ledger.models import Event
from tests import factories
from tests.workbooks import sheet, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world: factories.World) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def snapshot_directory() -> list[Any]:
    return [
        list(Department.objects.order_by("code").values()),
        list(Specialist.objects.order_by("code").values()),
        sorted(Specialist.domains.through.objects.values_list("specialist_id", "policydomain_id")),
        Event.objects.count(),
    ]


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# --- departments ------------------------------------------------------------------------------


def test_exported_departments_reimport_through_the_admin_without_any_change(
    admin_client: Client, world: factories.World
) -> None:
    factories.department(
        "呼和浩特市税务局", world.hohhot, parent=world.baotou_dept, kind="tax", phone="0471-6601234"
    )
    response = admin_client.get(reverse("admin:directory_department_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    rows = sheet(data)
    assert rows[0] == [c.header for c in DEPARTMENT_COLUMNS]
    assert len(rows) == 1 + Department.objects.count()
    before = snapshot_directory()

    response = admin_client.post(
        reverse("admin:directory_department_import"),
        {"file": upload("承办单位.xlsx", data)},
        follow=True,
    )

    assert response.status_code == 200
    assert "导入完成：新增 0 条，更新 0 条，未变 3 条" in response.content.decode()
    assert snapshot_directory() == before


def test_export_follows_the_change_list_filters(
    admin_client: Client, world: factories.World
) -> None:
    url = reverse("admin:directory_department_export") + "?city=150200"
    rows = sheet(admin_client.get(url).content)
    assert [r[1] for r in rows[1:]] == ["包头市市场监督管理局"]


def test_edited_department_file_creates_and_updates_rows_and_ledgers_each(
    world: factories.World,
) -> None:
    rows = sheet(export_departments(department_rows(Department.objects.all())))
    header = rows[0]
    row_of = {r[0]: r for r in rows[1:]}
    row_of[world.dept.code][header.index("名称")] = "呼和浩特市市场监管局"
    row_of[world.dept.code][header.index("启用")] = "否"
    # A new 盟市 department whose parent is another new row further down the file.
    rows.append(
        [
            "NEW-2",
            "呼和浩特市数据局",
            "",
            "150100",
            "",
            "盟市级",
            "data",
            "NEW-1",
            "否",
            "0471 6602222",
            "是",
        ]
    )
    rows.append(["NEW-1", "自治区数据局", "数据局", "150000", "", "", "data", "", "是", "", ""])
    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    result = import_departments(workbook(rows), actor=world.users["admin"])

    assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
    world.dept.refresh_from_db()
    assert (world.dept.name, world.dept.active) == ("呼和浩特市市场监管局", False)
    child = Department.objects.select_related("parent").get(code="NEW-2")
    assert child.parent is not None and child.parent.code == "NEW-1"
    assert child.phone == "0471-6602222"
    assert Department.objects.get(code="NEW-1").level == "province"  # blank 层级 → from region
    new_events = list(Event.objects.filter(id__gt=last_event))
    actions = sorted(e.action for e in new_events)
    assert actions == ["department_create", "department_create", "department_deactivate"]
    assert all(e.actor_id == world.users["admin"].pk for e in new_events)


def test_a_department_file_with_mistakes_reports_each_and_changes_nothing(
    admin_client: Client, world: factories.World
) -> None:
    header = [c.header for c in DEPARTMENT_COLUMNS]
    rows = [
        header,
        ["OK-1", "一个没问题的部门", "", "150100", "", "盟市级", "", "", "否", "", "是"],  # row 2
        ["", "", "", "990000", "", "省级", "", "", "也许", "12345", "是"],  # row 3
        ["OK-1", "重复代码的部门", "", "150100", "", "盟市级", "", "NOPE", "否", "", "是"],  # row 4
        [
            world.dept.code,
            world.baotou_dept.name,
            "",
            "150200",
            "",
            "盟市级",
            "",
            "",
            "否",
            "",
            "是",
        ],
        ["CYCLE-A", "循环甲", "", "150100", "", "", "", "CYCLE-B", "", "", ""],  # row 6
        ["CYCLE-B", "循环乙", "", "150100", "", "", "", "CYCLE-A", "", "", ""],  # row 7
    ]
    before = snapshot_directory()

    with pytest.raises(ExcelImportFailed) as caught:
        import_departments(workbook(rows), actor=None)

    assert caught.value.problems == [
        "第 3 行 机构代码：不能为空",
        "第 3 行 名称：不能为空",
        "第 3 行 所属区划代码：未知的行政区划代码：990000",
        "第 3 行 层级：应为 自治区本级、盟市级、旗县级 之一",
        "第 3 行 联系电话：手机号码应为 1 开头的 11 位数字（当前 5 位）",
        "第 3 行 营商环境主管部门：请填写「是」或「否」",
        "第 4 行 机构代码：与第 2 行重复",
        "第 4 行 上级业务部门代码：找不到机构代码为 NOPE 的部门",
        "第 5 行 名称：包头市已有同名部门（机构代码 " + world.baotou_dept.code + "）",
        "第 6 行 上级业务部门代码：上级关系形成了循环",
        "第 7 行 上级业务部门代码：上级关系形成了循环",
    ]
    assert snapshot_directory() == before

    response = admin_client.post(
        reverse("admin:directory_department_import"), {"file": upload("部门.xlsx", workbook(rows))}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "文件未导入" in page and "第 4 行 机构代码：与第 2 行重复" in page
    assert snapshot_directory() == before


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("部门.csv", b"code,name\n", "只支持 .xlsx 格式的 Excel 文件（可先导出一份作为模板）"),
        ("部门.xlsx", b"not a zip at all", "文件不是有效的 Excel（.xlsx）文件"),
        ("部门.xlsx", b"", "所提交的是空文件"),  # Django's own FileField message
        ("../../etc/passwd.xlsx", b"PK\x03\x04 truncated", "文件不是有效的 Excel（.xlsx）文件"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(
    admin_client: Client, world: factories.World, name: str, data: bytes, problem: str
) -> None:
    before = snapshot_directory()
    response = admin_client.post(
        reverse("admin:directory_department_import"), {"file": upload(name, data)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert problem in page
    assert snapshot_directory() == before


def test_oversized_upload_is_refused_before_reading(
    admin_client: Client, world: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qitong.directory.excel import workbook as wb_module

    monkeypatch.setattr(wb_module, "MAX_UPLOAD_BYTES", 1024)
    data = export_departments(department_rows(Department.objects.all()))
    response = admin_client.post(
        reverse("admin:directory_department_import"), {"file": upload("部门.xlsx", data)}
    )
    assert "文件过大" in response.content.decode()


def test_missing_columns_are_named_on_the_header_row(world: factories.World) -> None:
    rows = [["机构代码", "名称"], ["X-1", "某部门"]]
    with pytest.raises(ExcelImportFailed) as caught:
        import_departments(workbook(rows), actor=None)
    assert "第 1 行 所属区划代码：缺少此列（请使用导出的文件作为模板）" in caught.value.problems


def test_exported_text_is_never_a_formula(world: factories.World) -> None:
    factories.department('=HYPERLINK("http://x")', world.hohhot)
    data = export_departments(department_rows(Department.objects.all()))
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


# --- specialists ------------------------------------------------------------------------------


def test_exported_specialists_reimport_without_change_and_edits_are_ledgered(
    world: factories.World,
) -> None:
    finance = PolicyDomain.objects.create(code="finance", name="金融", sort_order=2)
    spec2 = Specialist.objects.create(
        code="S00002",
        name="专员乙",
        department=world.baotou_dept,
        region=world.baotou,
        languages=["zh", "mn"],
        capacity=3,
    )
    spec2.domains.add(finance)
    data = export_specialists(specialist_rows(Specialist.objects.all()))
    rows = sheet(data)
    assert rows[0][:3] == ["专员编号", "姓名", "联系电话"]
    assert rows[2][7:13] == ["金融", "汉语、蒙古语", 3, "是", "是", None]
    before = snapshot_directory()

    unchanged = import_specialists(data, actor=None)

    assert (unchanged.created, unchanged.updated, unchanged.unchanged) == (0, 0, 2)
    assert snapshot_directory() == before

    header = rows[0]
    rows[2][header.index("政策领域")] = "金融、税费"
    rows[2][header.index("在岗")] = "否"
    rows.append(
        [
            "S00003",
            "专员丙",
            "138 0000 5555",
            world.dept.code,
            "",
            "150100",
            "",
            "税费",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    result = import_specialists(workbook(rows), actor=world.users["admin"])

    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    spec2.refresh_from_db()
    assert not spec2.on_duty
    assert set(spec2.domains.values_list("name", flat=True)) == {"金融", "税费"}
    change = Event.objects.get(action="specialist_change", subject_id=str(spec2.pk))
    assert change.payload["changes"]["on_duty"] == [True, False]
    assert change.payload["m2m"]["domains"][0] == [finance.pk]
    new = Specialist.objects.get(code="S00003")
    assert (new.phone, new.languages, new.capacity, new.on_duty) == ("13800005555", ["zh"], 5, True)
    assert Event.objects.filter(action="specialist_create", subject_id=str(new.pk)).exists()


def test_a_specialist_file_with_mistakes_reports_each_and_changes_nothing(
    world: factories.World,
) -> None:
    factories.user("op-x", Role.OPERATOR, desk=world.desk)
    rows = sheet(export_specialists(specialist_rows(Specialist.objects.all())))
    rows.append(
        [
            "S00009",
            "专员丁",
            "",
            "NOPE",
            "",
            "150100",
            "",
            "税费、航天",
            "汉语、法语",
            "很多",
            "是",
            "是",
            "op-x",
        ]
    )
    rows.append(
        [
            "S00010",
            "专员戊",
            "",
            world.dept.code,
            "",
            "150100",
            "",
            "",
            "",
            "",
            "是",
            "是",
            "specialist",
        ]
    )
    before = snapshot_directory()

    with pytest.raises(ExcelImportFailed) as caught:
        import_specialists(workbook(rows), actor=None)

    assert caught.value.problems == [
        "第 3 行 所在单位代码：找不到机构代码为 NOPE 的部门",
        "第 3 行 政策领域：未知的政策领域：航天",
        "第 3 行 服务语言：未知的语言：法语（可填 汉语、蒙古语）",
        "第 3 行 同时受理上限：应为 0 到 999 的整数",
        "第 3 行 登录账号：账号 op-x 的角色是「话务员」，不是政策专员",
        "第 4 行 政策领域：至少填写一个政策领域，多个以「、」分隔",
        "第 4 行 登录账号：账号 specialist 已关联专员 S00001",
        "第 4 行 登录账号：与第 2 行使用了同一账号",
    ]
    assert snapshot_directory() == before


def test_specialist_change_list_has_the_excel_buttons(
    admin_client: Client, world: factories.World
) -> None:
    page = admin_client.get(reverse("admin:directory_specialist_changelist")).content.decode()
    assert "导出 Excel" in page and "导入 Excel" in page
    assert admin_client.get(reverse("admin:directory_specialist_import")).status_code == 200
    response = admin_client.get(reverse("admin:directory_specialist_export"))
    assert sheet(response.content)[1][0] == "S00001"


def test_excel_views_need_the_admin(world: factories.World) -> None:
    client = Client()
    client.force_login(world.users["operator"])  # not staff
    response = client.get(reverse("admin:directory_department_export"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_specialist_duty_hours_column_is_optional_and_checked(world: factories.World) -> None:
    world.specialist.duty_hours = [["08:30", "12:00"]]
    world.specialist.save()
    rows = sheet(export_specialists(specialist_rows(Specialist.objects.all())))
    header = rows[0]
    assert rows[1][header.index("值班时段")] == "08:30-12:00"
    # A file without the column (an older template) keeps the schedule.
    column = header.index("值班时段")
    older = [r[:column] + r[column + 1 :] for r in rows]
    import_specialists(workbook(older), actor=None)
    world.specialist.refresh_from_db()
    assert world.specialist.duty_hours == [["08:30", "12:00"]]
    rows[1][column] = "8:30-12:00、14:30至18:00"
    import_specialists(workbook(rows), actor=None)
    world.specialist.refresh_from_db()
    assert world.specialist.duty_hours == [["08:30", "12:00"], ["14:30", "18:00"]]
    rows[1][column] = "14:00-12:00"
    with pytest.raises(ExcelImportFailed) as bad:
        import_specialists(workbook(rows), actor=None)
    assert bad.value.problems == ["第 2 行 值班时段：值班时段应按时间先后排列且互不重叠"]
