"""The gaps report (知识缺口): frequent consultation topics the knowledge base had no fitting
article for, per owning department, and articles readers found unhelpful — what each
department should write or rewrite next."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.directory.models import Department, PolicyDomain
from qitong.knowledge.models import Article, ArticleState, Feedback, Gap
from qitong.tickets.models import Category

READERS = frozenset({Role.DESK_LEAD, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, *DEPARTMENT_ROLES})


@dataclass
class Topic:
    category: str
    category_name: str
    domain: str
    domain_name: str
    count: int
    flagged: int
    examples: list[str]


@dataclass
class DepartmentGaps:
    department: str  # "" when no department maintains the domain yet
    topics: list[Topic] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(t.count for t in self.topics)


@dataclass
class Unhelpful:
    article_id: int
    title: str
    department: str
    helpful: int
    unhelpful: int


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


def gaps_report(*, actor: Actor, since: dt.datetime, top: int = 10) -> list[DepartmentGaps]:
    gaps = Gap.objects.filter(created_at__gte=since)
    if actor.region_prefix:
        gaps = gaps.filter(region_code__startswith=actor.region_prefix)
    owners = owners_by_domain()
    mine: str | None = None
    if actor.role in DEPARTMENT_ROLES:
        names = Department.objects.filter(pk=actor.department_id or 0).values_list(
            "name", flat=True
        )
        mine = next(iter(names), "")
    counts = Counter[tuple[str, str]]()
    flagged = Counter[tuple[str, str]]()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in gaps.order_by("-created_at").values(
        "domain_code", "category_code", "title", "flagged"
    ):
        key = (row["domain_code"], row["category_code"])
        counts[key] += 1
        flagged[key] += int(row["flagged"])
        if len(examples[key]) < 3:
            examples[key].append(row["title"])
    categories = dict(Category.objects.values_list("code", "name"))
    domains = dict(PolicyDomain.objects.values_list("code", "name"))
    by_department: dict[str, DepartmentGaps] = {}
    for (domain, category), count in counts.most_common():
        owner = owners.get(domain, "")
        if mine is not None and owner != mine:
            continue
        group = by_department.setdefault(owner, DepartmentGaps(owner))
        if len(group.topics) < top:
            group.topics.append(
                Topic(
                    category,
                    categories.get(category, category),
                    domain,
                    domains.get(domain, domain or "未分领域"),
                    count,
                    flagged[(domain, category)],
                    examples[(domain, category)],
                )
            )
    return sorted(by_department.values(), key=lambda g: -g.total)


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
