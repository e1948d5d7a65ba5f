"""Knowledge-base API: search (published, valid, ranked, with snippets), read, and the owning
department's writes (create, submit, publish, withdraw)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.accounts.requests import user_of
from qitong.accounts.roles import Role
from qitong.core.api import Id
from qitong.core.errors import ValidationFailed
from qitong.knowledge.models import Article, ArticleVersion
from qitong.knowledge.search import region_scope, search_articles
from qitong.knowledge.selectors import article_get, may_edit, version_get
from qitong.knowledge.services import (
    ArticleInput,
    article_create,
    article_publish,
    article_submit,
    article_withdraw,
)
from qitong.knowledge.transitions import allowed_actions

router = Router(tags=["知识库"])


class HitOut(Schema):
    id: int = Field(description="知识 id")
    version: int = Field(description="现行版本号")
    title: str
    kind: str
    region_code: str
    doc_number: str
    snippet: str = Field(description="摘要（已转义的 HTML，命中词在 <mark> 中）")
    score: float


class SearchFilter(Schema):
    q: str = Field(default="", max_length=200)
    region: str | None = Field(
        default=None,
        description="企业所在区划代码（6 位数字）；企业用户默认本企业",
        pattern="^[0-9]{6}$",
    )
    limit: int = Field(default=10, ge=1, le=50)


class VersionOut(Schema):
    number: int
    title: str
    body: str = Field(description="安全的 HTML")
    kind: str
    keywords: str
    doc_number: str
    effective_from: dt.date
    expires_on: dt.date | None
    published_at: dt.datetime


class ArticleOut(Schema):
    id: int
    state: str
    region_code: str
    region: str
    domain: str | None
    department: str
    live: VersionOut | None
    draft: dict[str, Any] | None = Field(description="维护单位可见的工作稿")
    allowed_actions: list[str] = Field(description="当前用户现在可执行的操作")


class ArticleIn(Schema):
    title: str
    body: str
    kind: str
    effective_from: str
    region: str = "150000"
    domain: str = ""
    keywords: str = ""
    doc_number: str = ""
    expires_on: str | None = None
    department: Id | None = None


class ArticleWithdrawBody(Schema):
    reason: str = Field(default="", description="撤回理由（必填，最多 500 字）")


def _version(v: ArticleVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "title": v.title,
        "body": v.body,
        "kind": v.kind,
        "keywords": v.keywords,
        "doc_number": v.doc_number,
        "effective_from": v.effective_from,
        "expires_on": v.expires_on,
        "published_at": v.published_at,
    }


def _article(article: Article, user: User) -> dict[str, Any]:
    actor = actor_of(user)
    draft = None
    if may_edit(actor, article):
        draft = {
            "title": article.title,
            "body": article.body,
            "kind": article.kind,
            "keywords": article.keywords,
            "doc_number": article.doc_number,
            "effective_from": article.effective_from.isoformat(),
            "expires_on": article.expires_on.isoformat() if article.expires_on else None,
        }
    return {
        "id": article.pk,
        "state": article.state,
        "region_code": article.region.code,
        "region": article.region.name,
        "domain": article.domain.code if article.domain else None,
        "department": article.department.name,
        "live": _version(article.live) if article.live else None,
        "draft": draft,
        "allowed_actions": allowed_actions(article, actor),
    }


@router.get(
    "/knowledge/articles", response=list[HitOut], summary="检索知识（已发布、有效、按相关度）"
)
def search(request: HttpRequest, filters: Query[SearchFilter]) -> list[dict[str, Any]]:
    user = user_of(request)
    region = filters.region
    if user.role == Role.ENTERPRISE and region is None and user.enterprise is not None:
        region = user.enterprise.region.code
    if region is not None and not region_scope(region):
        raise ValidationFailed(fields={"region": "区划代码应为 6 位数字"})
    hits = search_articles(filters.q, region_code=region, limit=filters.limit)
    return [
        {
            "id": h.article_id,
            "version": h.version,
            "title": h.title,
            "kind": h.kind,
            "region_code": h.region_code,
            "doc_number": h.doc_number,
            "snippet": h.snippet,
            "score": h.score,
        }
        for h in hits
    ]


@router.get("/knowledge/articles/{article_id}", response=ArticleOut, summary="知识详情")
def detail(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    user = user_of(request)
    return _article(article_get(actor=actor_of(user), pk=article_id), user)


@router.get(
    "/knowledge/articles/{article_id}/versions/{number}",
    response=VersionOut,
    summary="知识的某一版本（工单引用的原文）",
)
def version(request: HttpRequest, article_id: Id, number: Id) -> dict[str, Any]:
    actor = actor_of(user_of(request))
    article = article_get(actor=actor, pk=article_id)
    return _version(version_get(actor=actor, article=article, number=number))


@router.post(
    "/knowledge/articles", response={201: ArticleOut}, summary="新建知识（草稿，维护单位）"
)
def create(request: HttpRequest, payload: ArticleIn) -> Status:
    user = user_of(request)
    article = article_create(data=ArticleInput(**payload.dict()), user=user)
    return Status(201, _article(article_get(actor=actor_of(user), pk=article.pk), user))


@router.post("/knowledge/articles/{article_id}/submit", response=ArticleOut, summary="提交审核")
def submit(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    user = user_of(request)
    article_submit(pk=article_id, user=user)
    return _article(article_get(actor=actor_of(user), pk=article_id), user)


@router.post(
    "/knowledge/articles/{article_id}/publish",
    response=ArticleOut,
    summary="发布（生成新版本并进入检索；维护单位部门领导或管理员）",
)
def publish(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    user = user_of(request)
    article_publish(pk=article_id, user=user)
    return _article(article_get(actor=actor_of(user), pk=article_id), user)


@router.post(
    "/knowledge/articles/{article_id}/withdraw", response=ArticleOut, summary="撤回（不再检索）"
)
def withdraw(request: HttpRequest, article_id: Id, payload: ArticleWithdrawBody) -> dict[str, Any]:
    user = user_of(request)
    article_withdraw(pk=article_id, user=user, reason=payload.reason)
    return _article(article_get(actor=actor_of(user), pk=article_id), user)
