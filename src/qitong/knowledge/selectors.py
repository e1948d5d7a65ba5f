"""Reads of the knowledge base. Published, live articles are readable by every signed-in user
(they are public policy); drafts and withdrawn articles only by the owning department and
administrators — anyone else gets a 404, as for anything out of scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.core.errors import NotFound
from qitong.knowledge.models import Article, ArticleState, ArticleVersion, Feedback


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


def owners_by_domain() -> dict[str, str]:
    """Each domain's maintaining department: the one with the most published articles in it."""
    rows = (
        Article.objects.filter(state=ArticleState.PUBLISHED, domain__isnull=False)
        .values("domain__code", "department__name")
        .annotate(n=Count("pk"))
        .order_by("domain__code", "-n", "department__name")
    )
    owners: dict[str, str] = {}
    for row in rows:
        owners.setdefault(row["domain__code"], row["department__name"])
    return owners


@dataclass
class Unhelpful:
    article_id: int
    title: str
    department: str
    helpful: int
    unhelpful: int


def unhelpful_articles(*, actor: Actor, limit: int = 20) -> list[Unhelpful]:
    """Live articles more readers found unhelpful than helpful (at least two verdicts)."""
    qs = Feedback.objects.filter(version__is_live=True)
    if actor.role in DEPARTMENT_ROLES:
        qs = qs.filter(version__article__department_id=actor.department_id or 0)
    rows = (
        qs.values("version__article_id", "version__title", "version__article__department__name")
        .annotate(yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
        .order_by("-no")
    )
    return [
        Unhelpful(
            r["version__article_id"],
            r["version__title"],
            r["version__article__department__name"],
            r["yes"],
            r["no"],
        )
        for r in rows
        if r["no"] >= 2 and r["no"] > r["yes"]
    ][:limit]
