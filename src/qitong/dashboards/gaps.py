"""The gaps report (知识缺口): frequent consultation topics the knowledge base had no fitting
article for, per owning department — with the articles readers found unhelpful
(knowledge.selectors), what each department should write or rewrite next. A report over
consultations, so it reads the tickets' gaps; knowledge knows no ticket."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, Role
from qitong.directory.models import Department, PolicyDomain
from qitong.knowledge.selectors import owners_by_domain
from qitong.tickets.models import Category, Gap

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
