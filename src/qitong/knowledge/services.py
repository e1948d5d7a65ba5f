"""Knowledge-base writes: drafting, review, publication (a new immutable version goes live
and into the search index in the same transaction) and withdrawal, each on the ledger.

Who: the owning department's staff draft and submit; its leader (or an administrator)
publishes and withdraws. Enterprises and the desk only read (knowledge.selectors).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet

from qitong.accounts.actor import SYSTEM, Actor, actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core import clock
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.uploads import check_uploads, save_checked
from qitong.directory.models import Department, PolicyDomain, Region
from qitong.knowledge.models import (
    Article,
    ArticleFile,
    ArticleKind,
    ArticleState,
    ArticleVersion,
    Feedback,
)
from qitong.knowledge.search import index_version, unindex_version
from qitong.knowledge.selectors import article_get
from qitong.knowledge.text import clean_html, plain_text, segmented
from qitong.knowledge.transitions import ARTICLE
from qitong.ledger.services import ledger_record
from qitong.workflow.skeleton import Action, Subject, act

SUBJECT = ARTICLE.name
MAX_BODY = 20000
# Who may edit and who may publish: read off the article machine, never restated.
EDITOR_ROLES = frozenset(ARTICLE["update"].roles)
PUBLISHER_ROLES = frozenset(ARTICLE["publish"].roles) - {SYSTEM.role}


@dataclass
class ArticleInput:
    title: str
    body: str
    kind: str
    effective_from: str | dt.date
    region: str = "150000"
    domain: str = ""
    keywords: str = ""
    doc_number: str = ""
    expires_on: str | dt.date | None = None
    department: int | None = None  # administrators choose; department staff get their own
    # The stable key of an imported article (Excel); None leaves an existing article's as is.
    code: str | None = None


def _date(raw: object, field: str, label: str, errors: dict[str, str]) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        errors[field] = f"{label}应为 YYYY-MM-DD 格式的日期"
        return None


def _code(data: ArticleInput, pk: int | None, errors: dict[str, str]) -> str:
    code = (data.code or "").strip()
    if not code:
        errors["code"] = "请填写编号"
    elif len(code) > 40:
        errors["code"] = "编号最多 40 字符"
    elif Article.objects.filter(code=code).exclude(pk=pk or 0).exists():
        errors["code"] = f"编号 {code} 已被其他知识使用"
    return code


def _clean(data: ArticleInput, actor: Actor, pk: int | None = None) -> dict[str, Any]:
    """The article's fields from the input, or ValidationFailed naming every bad field;
    `pk` is the article being edited (its own code is not a clash)."""
    errors: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if data.code is not None:
        extra["code"] = _code(data, pk, errors)
    title = data.title.strip()
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 200:
        errors["title"] = "标题最多 200 字"
    body = clean_html(data.body)
    if not plain_text(body):
        errors["body"] = "请填写正文"
    elif len(body) > MAX_BODY:
        errors["body"] = f"正文最多 {MAX_BODY} 字符"
    if data.kind not in ArticleKind.values:
        errors["kind"] = "类型应为 qa（问答）或 policy（政策文件）"
    region = Region.objects.filter(code=str(data.region or "").strip()).first()
    if region is None:
        errors["region"] = f"未知的适用范围（行政区划代码）：{data.region or '（空）'}"
    domain = None
    if data.domain:
        domain = PolicyDomain.objects.filter(code=data.domain).first()
        if domain is None:
            errors["domain"] = f"未知的政策领域：{data.domain}"
    effective = _date(data.effective_from, "effective_from", "生效日期", errors)
    if effective is None and "effective_from" not in errors:
        errors["effective_from"] = "请填写生效日期"
    expires = _date(data.expires_on, "expires_on", "失效日期", errors)
    if effective and expires and expires < effective:
        errors["expires_on"] = "失效日期不能早于生效日期"
    if len(data.keywords) > 300:
        errors["keywords"] = "关键词最多 300 字符"
    if len(data.doc_number) > 100:
        errors["doc_number"] = "文号最多 100 字符"
    department = _owner(data, actor, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "title": title,
        "body": body,
        "kind": data.kind,
        "region": region,
        "domain": domain,
        "effective_from": effective,
        "expires_on": expires,
        "keywords": " ".join(data.keywords.replace("，", " ").replace(",", " ").split()),
        "doc_number": data.doc_number.strip(),
        "department": department,
        **extra,
    }


def _owner(data: ArticleInput, actor: Actor, errors: dict[str, str]) -> Department | None:
    if actor.role == Role.ADMIN:
        department = (
            Department.objects.filter(pk=data.department, active=True).first()
            if data.department
            else None
        )
        if department is None:
            errors["department"] = "请选择维护单位"
        return department
    return Department.objects.filter(pk=actor.department_id or 0).first()


def _record(
    article: Article,
    action: str,
    user: User | None,
    at: dt.datetime,
    *,
    from_state: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """One ledger event on the article's chain (its state after the action)."""
    ledger_record(
        subject_type=SUBJECT,
        subject_id=article.pk,
        action=action,
        actor=user,
        from_state=article.state if from_state is None else from_state,
        to_state=article.state,
        at=at,
        payload=payload,
    )


def _may_edit(actor: Actor, article: Article | None = None) -> None:
    if actor.role not in EDITOR_ROLES:
        raise Forbidden("只有知识的维护单位可以编辑知识")
    if actor.role != Role.ADMIN and actor.department_id is None:
        raise Forbidden("您的账号尚未分配单位")
    if (
        article is not None
        and actor.role != Role.ADMIN
        and article.department_id != actor.department_id
    ):
        raise NotFound()


def _locked(pk: int) -> Article:
    article = Article.objects.select_for_update().filter(pk=pk).first()
    if article is None:
        raise NotFound()
    return article


def article_create(*, data: ArticleInput, user: User) -> Article:
    actor = actor_of(user)
    _may_edit(actor)
    fields = _clean(data, actor)
    now = clock.now()
    with transaction.atomic():
        article = Article.objects.create(
            **fields, state=ArticleState.DRAFT, created_by=user, created_at=now, updated_at=now
        )
        ledger_record(
            subject_type=SUBJECT,
            subject_id=article.pk,
            action="create",
            new_subject=True,
            actor=user,
            to_state=article.state,
            at=now,
            payload={
                "title": article.title,
                "department": article.department_id,
                **({"code": article.code} if article.code else {}),
            },
        )
    return article


def article_update(*, pk: int, data: ArticleInput, user: User) -> Article:
    """Edit the working copy; a published article stays live as it was until the edit is
    published as a new version (a draft or a withdrawn article becomes a draft)."""
    return act(
        ARTICLES,
        pk=pk,
        action="update",
        actor=actor_of(user),
        user=user,
        extra={"article": data},
    ).subject


@ARTICLE.handles("update")
def _update(ctx: Action[Article]) -> None:
    """The article's fields are checked by `_clean` (shared with the Excel import), every bad
    field at once."""
    article = ctx.subject
    fields = _clean(ctx.extra["article"], ctx.actor, pk=article.pk)
    ctx.payload["changed"] = sorted(k for k, v in fields.items() if getattr(article, k) != v)
    ctx.set(**fields)
    if ctx.from_state == ArticleState.PUBLISHED:
        ctx.stay()


def articles_editable_by(actor: Actor) -> QuerySet[Article]:
    """What an actor may act on: its department's articles (administrators and the system:
    all); anything else is out of scope (404)."""
    if actor.role == Role.ADMIN or actor.is_system:
        return Article.objects.all()
    if actor.role in DEPARTMENT_ROLES and actor.department_id is not None:
        return Article.objects.filter(department_id=actor.department_id)
    return Article.objects.none()


ARTICLES: Subject[Article] = Subject(
    machine=ARTICLE,
    scope=articles_editable_by,
    touched_field="updated_at",
    stale_message="该知识刚被他人修改过，请刷新后再试",
)


def article_act(
    *, pk: int, action: str, user: User | None, data: dict[str, Any] | None = None
) -> Article:
    """Take `action` on an article (user None = the system) on the workflow core."""
    actor = actor_of(user) if user is not None else SYSTEM
    return act(ARTICLES, pk=pk, action=action, actor=actor, user=user, data=data).subject


def article_submit(*, pk: int, user: User) -> Article:
    return article_act(pk=pk, action="submit", user=user)


def article_publish(*, pk: int, user: User | None) -> Article:
    """Freeze the working copy as the next version and make it the live, searchable one
    (user None: the system, for the demo loader and imports)."""
    return article_act(pk=pk, action="publish", user=user)


def article_withdraw(*, pk: int, user: User, reason: str) -> Article:
    return article_act(pk=pk, action="withdraw", user=user, data={"reason": reason})


@ARTICLE.handles("submit")
def _submit(ctx: Action[Article]) -> None:
    """Nothing beyond the state: the leader is told by the review list."""


@ARTICLE.handles("publish")
def _publish(ctx: Action[Article]) -> None:
    """The previous live version stays readable for the tickets that cite it."""
    article, now, user = ctx.subject, ctx.now, ctx.user
    previous = article.live
    number = (
        article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = ArticleVersion.objects.create(
        article=article,
        number=number,
        title=article.title,
        body=article.body,
        kind=article.kind,
        keywords=article.keywords,
        doc_number=article.doc_number,
        effective_from=article.effective_from,
        expires_on=article.expires_on,
        region_code=article.region.code,
        is_live=True,
        search_title=segmented(article.title),
        search_keywords=segmented(article.keywords),
        search_body=segmented(plain_text(article.body)),
        published_at=now,
        published_by=user,
        file_ids=list(
            article.files.filter(removed_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
    )
    if previous is not None:
        unindex_version(previous)
        ArticleVersion.objects.filter(pk=previous.pk).update(is_live=False)
    index_version(version)
    ctx.set(live=version)
    ctx.payload.update(version=number, version_id=version.pk, title=version.title)


@ARTICLE.handles("withdraw")
def _withdraw(ctx: Action[Article]) -> None:
    live = ctx.subject.live
    if live is not None:
        unindex_version(live)
        ArticleVersion.objects.filter(pk=live.pk).update(is_live=False)
    ctx.set(live=None)


def feedback_give(*, user: User, article_id: int, helpful: bool, comment: str = "") -> Feedback:
    """A reader says whether the live version helped (changing their mind replaces it)."""

    article = article_get(actor=actor_of(user), pk=article_id)
    version = article.live
    if version is None:
        raise Conflict("该知识未发布，不能反馈", code="invalid_transition")
    if len(comment) > 500:
        raise ValidationFailed(fields={"comment": "意见最多 500 字"})
    now = clock.now()
    with transaction.atomic():
        feedback, _ = Feedback.objects.update_or_create(
            version=version,
            user=user,
            defaults={"helpful": helpful, "comment": comment.strip(), "created_at": now},
        )
        _record(
            article, "feedback", user, now, payload={"version": version.number, "helpful": helpful}
        )
    return feedback


def article_attach(*, pk: int, user: User, files: list[File[Any]]) -> list[ArticleFile]:
    """Add files to the working copy (they go out with the next publication). Checked like
    ticket attachments (type by extension and content, size), stored under generated names,
    their SHA-256 on the ledger."""
    actor = actor_of(user)
    _may_edit(actor)
    checked = check_uploads(files, field="files")
    if not checked:
        raise ValidationFailed(fields={"files": "请选择要上传的文件"})
    now = clock.now()
    with transaction.atomic():
        article = _locked(pk)
        _may_edit(actor, article)
        stored = [
            ArticleFile.objects.create(
                article=article, **save_checked(item, folder="knowledge", user=user, now=now)
            )
            for item in checked
        ]
        article.updated_at = now
        article.save(update_fields=["updated_at"])
        _record(
            article,
            "attach",
            user,
            now,
            payload={
                "files": [
                    {"id": f.pk, "name": f.original_name, "size": f.size, "sha256": f.sha256}
                    for f in stored
                ]
            },
        )
    return stored


def article_detach(*, pk: int, user: User, file_id: int) -> None:
    """Take a file out of the working copy; versions published with it keep it."""
    actor = actor_of(user)
    _may_edit(actor)
    now = clock.now()
    with transaction.atomic():
        article = _locked(pk)
        _may_edit(actor, article)
        row = article.files.filter(pk=file_id, removed_at__isnull=True).first()
        if row is None:
            raise NotFound()
        row.removed_at = now
        row.save(update_fields=["removed_at"])
        _record(article, "detach", user, now, payload={"file": row.pk, "name": row.original_name})
