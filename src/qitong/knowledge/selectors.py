"""Reads of the knowledge base. Published, live articles are readable by every signed-in user
(they are public policy); drafts and withdrawn articles only by the owning department and
administrators — anyone else gets a 404, as for anything out of scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core.errors import NotFound
from qitong.knowledge.models import Article, ArticleState, ArticleVersion


def articles_visible_to(actor: Actor) -> QuerySet[Article]:
    qs = Article.objects.all()
    if actor.role in (Role.ADMIN, Role.AUDITOR):
        return qs
    published = Q(state=ArticleState.PUBLISHED, live__isnull=False)
    if actor.role in DEPARTMENT_ROLES and actor.department_id is not None:
        return qs.filter(published | Q(department_id=actor.department_id))
    return qs.filter(published)


def article_get(*, actor: Actor, pk: int) -> Article:
    article = (
        articles_visible_to(actor)
        .select_related("live", "region", "domain", "department")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise NotFound()
    return article


def version_get(*, actor: Actor, article: Article, number: int) -> ArticleVersion:
    """An earlier version stays readable (tickets cite the words they were answered with) by
    whoever may read the article."""
    version = article.versions.filter(number=number).first()
    if version is None:
        raise NotFound()
    return version


def may_edit(actor: Actor, article: Article) -> bool:
    return actor.role == Role.ADMIN or (
        actor.role in DEPARTMENT_ROLES and actor.department_id == article.department_id
    )
