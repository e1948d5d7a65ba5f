"""Knowledge-base articles (知识库) to and from Excel, in the directory's pattern
(qitong.directory.excel): one sheet, Chinese headers, every problem as "第 N 行 列名：问题",
all rows or none.

Rows are keyed by 编号 (Article.code): a new code drafts an article, a known one edits it, a
row identical to the stored article changes nothing (so an exported file re-imports as a
no-op). Every write goes through the knowledge services, so the rules, the ledger and the
search index are the same as on the pages; their field errors are mapped back to columns.
Because those rules live in the services, the file is validated by running it: all rows are
applied in one transaction, each in a savepoint, and if any row failed the whole transaction
is rolled back and every problem is reported.

Who: department staff import their own unit's articles; an administrator names each new
article's unit in 维护单位. 发布=是 publishes after the write and needs the publisher's role
(a handler's 发布=是 is a row error rather than silently ignored: nothing half-done is left
for someone who believes the articles are live).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.roles import Role
from qitong.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from qitong.directory.excel.workbook import (
    Column,
    ExcelImportFailed,
    ImportResult,
    Problems,
    build_workbook,
    parse_bool,
    read_rows,
)
from qitong.directory.models import Department
from qitong.knowledge.models import Article, ArticleKind, ArticleState
from qitong.knowledge.services import (
    EDITOR_ROLES,
    PUBLISHER_ROLES,
    ArticleInput,
    article_create,
    article_publish,
    article_update,
)
from qitong.knowledge.text import clean_html

if TYPE_CHECKING:
    from qitong.accounts.models import User

SHEET_TITLE = "知识库"
MAX_CODE = 40
COLUMNS = (
    Column("编号", "code", 16),
    Column("标题", "title", 40),
    Column("类型", "kind", 10),
    Column("正文", "body", 60),
    Column("关键词", "keywords", 24),
    Column("政策领域", "domain", 12),
    Column("适用范围", "region", 12),
    Column("文号", "doc_number", 24),
    Column("生效日期", "effective_from", 12),
    Column("失效日期", "expires_on", 12),
    Column("状态", "state", 10, info_only=True),
    # Optional: 维护单位 only matters for an administrator's new rows.
    Column("维护单位", "department", 14, optional=True),
)
# Not exported (an exported file must never republish by accident); added by hand.
PUBLISH = Column("发布", "publish", 8, optional=True)
# Column keys are the service's field names, so this also maps its errors back to columns.
_HEADER = {c.key: c.header for c in (*COLUMNS, PUBLISH)}
_KIND_BY_TEXT = {
    **{str(label): value for value, label in ArticleKind.choices},
    **{value: value for value in ArticleKind.values},
}


@dataclass(frozen=True)
class ArticleImportResult(ImportResult):
    published: int = 0

    def summary(self) -> str:
        return f"{super().summary()}，发布 {self.published} 条"


# --- export -----------------------------------------------------------------------------------


def export_queryset(queryset: QuerySet[Article]) -> QuerySet[Article]:
    return queryset.select_related("domain", "region", "department").order_by(
        F("code").asc(nulls_last=True), "pk"
    )


def export_articles(queryset: Iterable[Article]) -> bytes:
    """The articles' working copies as an .xlsx (write-only); pass `export_queryset(...)`."""
    rows = (
        [
            a.code or "",
            a.title,
            a.get_kind_display(),
            a.body,
            a.keywords,
            a.domain.code if a.domain else "",
            a.region.code,
            a.doc_number,
            a.effective_from,
            a.expires_on,
            a.get_state_display(),
            a.department.code,
        ]
        for a in queryset
    )
    return build_workbook(SHEET_TITLE, COLUMNS, rows)


# --- import -----------------------------------------------------------------------------------


@dataclass
class ColumnProblems(Problems):
    """Problems, remembering which (row, column) already has one: a cell the file check
    refused (an unknown 维护单位) is not reported again by the service that then sees a blank."""

    columns: set[tuple[int, str]] = field(default_factory=set)

    def add(self, row: int, column: str, message: str) -> None:
        if (row, column) not in self.columns:
            self.columns.add((row, column))
            super().add(row, column, message)


@dataclass
class ArticleRow:
    row: int
    code: str
    data: ArticleInput
    publish: bool
    keyed: bool = True  # False: the 编号 is unusable, so the row cannot be applied


@dataclass
class Importer:
    user: User
    actor: Actor
    own_department: Department | None  # None for an administrator
    departments: dict[str, Department]  # by code; the ones an administrator's file names

    @property
    def is_admin(self) -> bool:
        return self.actor.role == Role.ADMIN

    @property
    def may_publish(self) -> bool:
        return self.actor.role in PUBLISHER_ROLES


def _date(text: str) -> str | dt.date:
    """A date from an Excel date cell ("2024-01-01 00:00:00") or YYYY-MM-DD / YYYY/MM/DD text;
    anything else is passed on as typed, for the service to refuse by name."""
    for parse in (
        dt.date.fromisoformat,
        lambda t: dt.datetime.fromisoformat(t).date(),
        lambda t: dt.datetime.strptime(t, "%Y/%m/%d").date(),
    ):
        try:
            return parse(text)
        except ValueError:
            continue
    return text


def _keywords(text: str) -> str:
    """As the service stores them (separated by single spaces), to tell an unchanged row."""
    return " ".join(text.replace("，", " ").replace(",", " ").split())


def _department(
    text: str, importer: Importer, number: int, problems: Problems
) -> Department | None:
    if not importer.is_admin:
        own = importer.own_department
        if text and own is not None and text != own.code:
            problems.add(
                number, _HEADER["department"], f"只能导入本单位的知识（本单位机构代码 {own.code}）"
            )
        return None
    if not text:
        return None
    department = importer.departments.get(text)
    if department is None:
        problems.add(number, _HEADER["department"], f"找不到机构代码为 {text} 的部门")
    elif not department.active:
        problems.add(number, _HEADER["department"], f"机构代码为 {text} 的部门已停用")
        return None
    return department


def _parse_row(
    number: int, cells: dict[str, str], importer: Importer, problems: Problems
) -> ArticleRow:
    """The row as service input. Only what the services cannot judge is checked here (the key,
    发布, 维护单位); everything else is left for them, so both report in one pass."""
    code = cells["code"]
    keyed = True
    if not code:
        problems.add(
            number, _HEADER["code"], "不能为空（新增的知识请自拟编号；在页面中创建的知识没有编号）"
        )
        keyed = False
    elif len(code) > MAX_CODE:
        problems.add(number, _HEADER["code"], f"最多 {MAX_CODE} 个字符（当前 {len(code)} 个）")
        keyed = False
    publish = parse_bool(cells.get("publish", ""), False)
    if publish is None:
        problems.add(number, _HEADER["publish"], "请填写「是」或「否」")
    elif publish and not importer.may_publish:
        problems.add(
            number,
            _HEADER["publish"],
            "只有部门领导或管理员可以发布，请留空或填「否」，导入后提交审核",
        )
        publish = False
    department = _department(cells.get("department", ""), importer, number, problems)
    data = ArticleInput(
        title=cells["title"],
        body=cells["body"],
        kind=_KIND_BY_TEXT.get(cells["kind"].lower(), cells["kind"]),
        effective_from=_date(cells["effective_from"]),
        region=cells["region"],
        domain=cells["domain"],
        keywords=cells["keywords"],
        doc_number=cells["doc_number"],
        expires_on=_date(cells["expires_on"]) if cells["expires_on"] else None,
        department=department.pk if department else None,
        code=code,
    )
    return ArticleRow(number, code, data, bool(publish), keyed)


def _check_file(rows: list[ArticleRow], problems: Problems) -> None:
    first: dict[str, int] = {}
    for r in rows:
        if not r.code:
            continue
        if r.code in first:
            problems.add(r.row, _HEADER["code"], f"与第 {first[r.code]} 行重复")
            r.keyed = False
        first.setdefault(r.code, r.row)


def _differs(article: Article, data: ArticleInput) -> bool:
    stored = (
        article.title,
        article.body,
        article.kind,
        article.keywords,
        article.domain.code if article.domain else "",
        article.region.code,
        article.doc_number,
        article.effective_from,
        article.expires_on,
        article.department_id,
    )
    incoming = (
        data.title.strip(),
        clean_html(data.body),
        data.kind,
        _keywords(data.keywords),
        data.domain,
        data.region,
        data.doc_number.strip(),
        data.effective_from,
        data.expires_on,
        data.department or article.department_id,
    )
    return stored != incoming


def _write(r: ArticleRow, article: Article | None, importer: Importer) -> tuple[str, bool]:
    """Create or update one row's article and publish it when asked; (outcome, published).

    An unchanged row is left alone (no ledger event); 发布=是 on it publishes only an article
    that is not live as it stands, and a withdrawn one is first made a draft again."""
    user = importer.user
    if article is None:
        article = article_create(data=r.data, user=user)
        if r.publish:
            article_publish(pk=article.pk, user=user)
        return "created", r.publish
    if r.data.department is None:  # blank 维护单位 keeps the article's unit
        r.data.department = article.department_id
    changed = _differs(article, r.data)
    state = article.state
    update = changed or (r.publish and state == ArticleState.WITHDRAWN)
    if update:
        article_update(pk=article.pk, data=r.data, user=user)
    publish = r.publish and (changed or state != ArticleState.PUBLISHED)
    if publish:
        article_publish(pk=article.pk, user=user)
    return ("updated" if update else "unchanged"), publish


def _report(problems: Problems, number: int, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed) and exc.fields:
        for key, message in exc.fields.items():
            problems.add(number, _HEADER.get(key, _HEADER["code"]), message)
    else:  # the article's state or ownership: about the row as a whole
        column = _HEADER["state"] if isinstance(exc, Conflict) else _HEADER["code"]
        problems.add(number, column, exc.message)


def _apply(rows: list[ArticleRow], importer: Importer, problems: Problems) -> ArticleImportResult:
    codes = [r.code for r in rows if r.keyed]
    existing = {
        a.code: a
        for a in Article.objects.select_for_update(of=("self",))
        .select_related("domain", "region")
        .filter(code__in=codes)
        .order_by("pk")  # lock in pk order (STYLE habit 10)
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    published = 0
    for r in rows:
        if not r.keyed:
            continue
        article = existing.get(r.code)
        if (
            article is not None
            and not importer.is_admin
            and article.department_id != importer.actor.department_id
        ):
            problems.add(r.row, _HEADER["code"], f"编号 {r.code} 属于其他单位")
            continue
        if article is None and importer.is_admin and r.data.department is None:
            # Clearer than the service's "请选择维护单位", which this one then stands for.
            problems.add(r.row, _HEADER["department"], "管理员新增知识时须填写维护单位的机构代码")
        try:
            with transaction.atomic():  # a savepoint: a failed row leaves nothing behind
                outcome, did_publish = _write(r, article, importer)
        except DomainError as exc:
            _report(problems, r.row, exc)
            continue
        counts[outcome] += 1
        published += did_publish
    return ArticleImportResult(**counts, published=published)


def _importer(user: User, cells: list[tuple[int, dict[str, str]]]) -> Importer:
    actor = actor_of(user)
    if actor.role not in EDITOR_ROLES:
        raise Forbidden("只有承办单位的人员或管理员可以导入知识")
    if actor.role == Role.ADMIN:
        named = {c.get("department", "") for _, c in cells} - {""}
        departments = {d.code: d for d in Department.objects.filter(code__in=named)}
        return Importer(user, actor, None, departments)
    own = Department.objects.filter(pk=actor.department_id or 0).first()
    if own is None:
        raise Forbidden("您的账号尚未分配单位")
    return Importer(user, actor, own, {})


def import_articles(data: bytes, *, user: User) -> ArticleImportResult:
    """Create, update and (when asked) publish every row in one transaction — or nothing.

    Raises ExcelImportFailed listing every problem; Forbidden for a role that edits no
    articles."""
    cells = read_rows(data, (*COLUMNS, PUBLISH))
    importer = _importer(user, cells)
    problems = ColumnProblems()
    rows = [_parse_row(number, values, importer, problems) for number, values in cells]
    _check_file(rows, problems)
    try:
        with transaction.atomic():
            result = _apply(rows, importer, problems)
            problems.raise_if_any()  # inside: rolls back every row that did go through
    except IntegrityError as exc:  # e.g. a concurrent import took a 编号 meanwhile
        raise ExcelImportFailed([f"保存时与现有数据冲突，未作任何修改，请重试：{exc}"]) from exc
    return result
