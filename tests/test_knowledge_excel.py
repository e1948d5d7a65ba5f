"""Excel import/export of knowledge-base articles (knowledge.excel, `qitong knowledge_import`).

An exported file re-imports without changing anything; an edited file drafts and edits exactly
the edited rows through the knowledge services (ledgered); 发布=是 publishes for a leader and is
refused for a handler; a file with mistakes is refused as a whole, naming every mistake as
"第 N 行 列名：问题", and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from qitong.accounts.roles import Role
from qitong.core.errors import Forbidden
from qitong.directory.excel import ExcelImportFailed
from qitong.knowledge.excel import COLUMNS, export_articles, export_queryset, import_articles
from qitong.knowledge.models import Article, ArticleVersion
from qitong.knowledge.search import search_articles
from qitong.knowledge.services import (
    ArticleInput,
    article_create,
    article_publish,
    article_submit,
    article_withdraw,
)
from qitong.ledger.models import Event
from qitong.ledger.services import events_for, ledger_verify
from tests import factories
from tests.factories import World
from tests.workbooks import sheet, workbook

pytestmark = pytest.mark.django_db

HEADER = [c.header for c in COLUMNS]
TAX_BODY = "<p>对小型微利企业年应纳税所得额不超过300万元的部分，减按25%计入应纳税所得额。</p>"
HIRING_BODY = "<p>企业招用毕业年度高校毕业生，按每人1500元发放一次性扩岗补助。</p>"


def row(code: str, title: str, **cells: Any) -> list[Any]:
    """A data row in HEADER order (a leader's or handler's file: 维护单位 left blank)."""
    values: dict[str, Any] = {
        "编号": code,
        "标题": title,
        "类型": "问答",
        "正文": TAX_BODY,
        "关键词": "",
        "政策领域": "tax",
        "适用范围": "150000",
        "文号": "",
        "生效日期": "2023-01-01",
        "失效日期": "",
        "状态": "",
        "维护单位": "",
        **cells,
    }
    return [values[h] for h in HEADER]


def with_publish(rows: list[list[Any]], flags: list[str]) -> list[list[Any]]:
    """The same rows with the optional 发布 column added by hand."""
    return [[*rows[0], "发布"], *([*r, flag] for r, flag in zip(rows[1:], flags, strict=True))]


def stored() -> list[Any]:
    return [
        list(Article.objects.order_by("pk").values()),
        ArticleVersion.objects.count(),
        Event.objects.count(),
    ]


def draft(world: World, code: str, title: str, **fields: Any) -> Article:
    data = ArticleInput(
        title=title,
        body=TAX_BODY,
        kind="qa",
        effective_from="2023-01-01",
        domain="tax",
        keywords="小微企业 所得税",
        code=code,
        **fields,
    )
    return article_create(data=data, user=world.users["handler"])


def export_all() -> bytes:
    return export_articles(export_queryset(Article.objects.all()))


def test_export_reimports_unchanged_then_edits_and_new_rows_go_through_the_services(
    world: World,
) -> None:
    leader = world.users["dept_leader"]
    live = draft(world, "ZS-001", "小型微利企业所得税优惠政策如何享受？")
    article_publish(pk=live.pk, user=leader)
    gone = draft(world, "ZS-002", "旧的扩岗补助", region="150100", expires_on="2024-12-31")
    article_publish(pk=gone.pk, user=leader)
    article_withdraw(pk=gone.pk, user=leader, reason="政策到期")
    draft(world, "ZS-003", "稳岗返还怎么申请？", doc_number="内人社发〔2023〕1号")
    data = export_all()
    rows = sheet(data)
    assert rows[0] == HEADER
    assert rows[1][:3] == ["ZS-001", "小型微利企业所得税优惠政策如何享受？", "问答"]
    assert rows[1][8] == dt.datetime(2023, 1, 1)  # a real Excel date, not text
    assert [r[10] for r in rows[1:]] == ["已发布", "已撤回", "草稿"]
    assert {r[11] for r in rows[1:]} == {world.dept.code}
    before = stored()

    unchanged = import_articles(data, user=world.users["handler"])

    assert (unchanged.created, unchanged.updated, unchanged.unchanged) == (0, 0, 3)
    assert stored() == before  # the withdrawn article stays withdrawn; no ledger event

    rows[3][HEADER.index("标题")] = "稳岗返还怎么申请？（2024 年）"
    rows.append(
        row(
            "ZS-004",
            "吸纳高校毕业生就业的一次性扩岗补助",
            类型="policy",
            正文=HIRING_BODY,
            适用范围="150100",
            生效日期=dt.date(2024, 1, 1),
            失效日期="2026-12-31",
        )
    )
    result = import_articles(workbook(rows), user=world.users["handler"])

    assert (result.created, result.updated, result.unchanged) == (1, 1, 2)
    assert result.summary() == "新增 1 条，更新 1 条，未变 2 条，发布 0 条"
    edited = Article.objects.get(code="ZS-003")
    assert (edited.title, edited.state) == ("稳岗返还怎么申请？（2024 年）", "draft")
    new = Article.objects.get(code="ZS-004")
    assert (new.kind, new.region.code, new.department, new.state) == (
        "policy",
        "150100",
        world.dept,
        "draft",
    )
    assert (new.effective_from, new.expires_on) == (dt.date(2024, 1, 1), dt.date(2026, 12, 31))
    create = events_for("knowledge.article", new.pk).get()
    assert create.action == "create" and create.payload["code"] == "ZS-004"
    assert [e.action for e in events_for("knowledge.article", edited.pk)] == ["create", "update"]
    assert ledger_verify().broken is None


def test_a_file_with_three_bad_rows_reports_each_and_writes_nothing(world: World) -> None:
    draft(world, "ZS-001", "已有的知识")
    rows = [
        HEADER,
        row("ZS-100", "这一行没有问题"),  # row 2: applied, then rolled back with the rest
        row("ZS-101", "", 类型="faq", 生效日期="2024-13-01"),  # row 3
        row("ZS-102", "范围写错了", 适用范围="999999", 政策领域="nope"),  # row 4
        row("ZS-100", "重复的编号", 正文=""),  # row 5
    ]
    before = stored()

    with pytest.raises(ExcelImportFailed) as caught:
        import_articles(workbook(rows), user=world.users["handler"])

    assert caught.value.problems == [
        "第 3 行 标题：请填写标题",
        "第 3 行 类型：类型应为 qa（问答）或 policy（政策文件）",
        "第 3 行 生效日期：生效日期应为 YYYY-MM-DD 格式的日期",
        "第 4 行 适用范围：未知的适用范围（行政区划代码）：999999",
        "第 4 行 政策领域：未知的政策领域：nope",
        "第 5 行 编号：与第 2 行重复",
    ]
    assert stored() == before
    assert not Article.objects.filter(code="ZS-100").exists()


def test_a_leaders_import_with_publish_makes_the_articles_searchable(world: World) -> None:
    draft(world, "ZS-001", "小型微利企业所得税优惠政策如何享受？")
    rows = with_publish(
        [
            HEADER,
            row("ZS-001", "小型微利企业所得税优惠政策如何享受？", 关键词="小微企业 所得税"),
            row("ZS-002", "吸纳高校毕业生就业的一次性扩岗补助", 正文=HIRING_BODY),
            row("ZS-003", "仍是草稿的扩岗补助问答", 正文=HIRING_BODY),
        ],
        ["是", "是", "否"],
    )
    assert search_articles("小微企业所得税") == []

    result = import_articles(workbook(rows), user=world.users["dept_leader"])

    assert (result.created, result.updated, result.unchanged) == (2, 0, 1)
    assert result.published == 2
    published = Article.objects.get(code="ZS-001")
    hiring = Article.objects.get(code="ZS-002")
    assert [h.article_id for h in search_articles("小微企业所得税")] == [published.pk]
    assert [h.article_id for h in search_articles("高校毕业生扩岗补助")] == [hiring.pk]
    assert Article.objects.get(code="ZS-003").state == "draft"
    assert [e.action for e in events_for("knowledge.article", hiring.pk)] == ["create", "publish"]

    again = import_articles(workbook(rows), user=world.users["dept_leader"])
    assert (again.unchanged, again.published) == (3, 0)  # live as it stands: no new version
    assert ArticleVersion.objects.count() == 2


def test_a_handler_cannot_publish_and_the_file_is_refused(world: World) -> None:
    rows = with_publish([HEADER, row("ZS-001", "某问答"), row("ZS-002", "另一问答")], ["否", "是"])
    before = stored()

    with pytest.raises(ExcelImportFailed) as caught:
        import_articles(workbook(rows), user=world.users["handler"])

    assert caught.value.problems == [
        "第 3 行 发布：只有部门领导或管理员可以发布，请留空或填「否」，导入后提交审核"
    ]
    assert stored() == before


def test_an_article_of_another_department_is_not_updated(world: World) -> None:
    tax_office = factories.department("呼和浩特市税务局", world.hohhot)
    theirs = article_create(
        data=ArticleInput(
            title="税务局的问答",
            body=TAX_BODY,
            kind="qa",
            effective_from="2023-01-01",
            code="SW-001",
        ),
        user=factories.user("tax_handler", Role.HANDLER, department=tax_office),
    )
    rows = [HEADER, row("SW-001", "改成我们的标题")]
    before = stored()

    with pytest.raises(ExcelImportFailed) as caught:
        import_articles(workbook(rows), user=world.users["handler"])

    assert caught.value.problems == ["第 2 行 编号：编号 SW-001 属于其他单位"]
    assert stored() == before
    theirs.refresh_from_db()
    assert theirs.title == "税务局的问答"

    admin_rows = [HEADER, row("SW-001", "管理员改的标题", 维护单位=""), row("AD-1", "新的")]
    with pytest.raises(ExcelImportFailed) as caught:
        import_articles(workbook(admin_rows), user=world.users["admin"])
    assert caught.value.problems == ["第 3 行 维护单位：管理员新增知识时须填写维护单位的机构代码"]
    admin_rows[2][HEADER.index("维护单位")] = world.dept.code
    result = import_articles(workbook(admin_rows), user=world.users["admin"])
    assert (result.created, result.updated) == (1, 1)
    theirs.refresh_from_db()
    assert (theirs.title, theirs.department) == ("管理员改的标题", tax_office)  # unit kept
    assert Article.objects.get(code="AD-1").department == world.dept


def test_an_article_in_review_is_refused_and_a_withdrawn_one_can_be_republished(
    world: World,
) -> None:
    leader = world.users["dept_leader"]
    in_review = draft(world, "ZS-001", "审核中的问答")
    article_submit(pk=in_review.pk, user=world.users["handler"])
    gone = draft(world, "ZS-002", "小型微利企业所得税旧政策")
    article_publish(pk=gone.pk, user=leader)
    article_withdraw(pk=gone.pk, user=leader, reason="待修订")
    rows = sheet(export_all())
    rows[1][HEADER.index("标题")] = "审核中又改了标题"

    with pytest.raises(ExcelImportFailed) as caught:
        import_articles(workbook(rows), user=leader)
    assert caught.value.problems == ["第 2 行 状态：知识正在审核中，审核完成后再修改"]

    result = import_articles(workbook(with_publish(sheet(export_all()), ["是", "是"])), user=leader)
    assert (result.updated, result.unchanged, result.published) == (1, 1, 2)
    gone.refresh_from_db()
    assert gone.state == "published" and gone.live is not None and gone.live.number == 2
    actions = [e.action for e in events_for("knowledge.article", gone.pk)]
    assert actions == ["create", "publish", "withdraw", "update", "publish"]


def test_roles_that_edit_no_articles_cannot_import(world: World) -> None:
    with pytest.raises(Forbidden):
        import_articles(workbook([HEADER, row("ZS-001", "某问答")]), user=world.users["operator"])


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("knowledge_import", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_management_command_prints_the_result_and_exits_1_on_errors(
    world: World, tmp_path: Path
) -> None:
    good = tmp_path / "知识.xlsx"
    good.write_bytes(
        workbook(with_publish([HEADER, row("ZS-001", "小型微利企业所得税优惠")], ["是"]))
    )
    bad = tmp_path / "有错.xlsx"
    bad.write_bytes(workbook([HEADER, row("ZS-002", "", 类型="faq")]))

    status, out, _ = run(str(good), "--user", "leader")
    assert status == 0 and "导入完成：新增 1 条，更新 0 条，未变 0 条，发布 1 条" in out

    before = stored()
    status, out, err = run(str(bad), "--user", "leader")
    assert status == 1 and out == ""
    assert "第 2 行 标题：请填写标题" in err and "第 2 行 类型：" in err
    assert stored() == before

    with pytest.raises(CommandError, match="用户 nobody 不存在或已停用") as refused:
        call_command("knowledge_import", str(good), "--user", "nobody")
    assert refused.value.returncode == 1  # what `qitong` exits with
