"""The demo knowledge base: 300 articles (demo/data/knowledge.json) drafted by and published
for the department that owns each (a 盟市's department for a 盟市's article), as the system.

Idempotent by the article code; every article goes through knowledge.services, so versions,
the search index and the ledger are exactly what an administrator's publication gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from qitong.core import clock
from qitong.directory.models import Department, PolicyDomain, Region
from qitong.knowledge.models import Article, ArticleState
from qitong.knowledge.services import article_publish
from qitong.knowledge.text import clean_html
from qitong.knowledge.transitions import ARTICLE
from qitong.ledger.services import ledger_record

DATA = Path(__file__).with_name("data") / "knowledge.json"


def read_articles(path: Path = DATA) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


def _owner(kind: str, region_code: str, by_kind: dict[tuple[str, str], Department]) -> Department:
    return by_kind.get((kind, region_code)) or by_kind[(kind, "150000")]


def load_knowledge(path: Path = DATA) -> int:
    """Create and publish the articles not loaded yet; returns how many were new."""
    rows = read_articles(path)
    existing = set(Article.objects.exclude(code=None).values_list("code", flat=True))
    todo = [r for r in rows if r["key"] not in existing]
    if not todo:
        return 0
    regions = {r.code: r for r in Region.objects.filter(level__in=["province", "city"])}
    domains = {d.code: d for d in PolicyDomain.objects.all()}
    by_kind = {
        (d.kind, d.region.code): d
        for d in Department.objects.filter(active=True, region__level__in=["province", "city"])
        .exclude(kind="")
        .select_related("region")
    }
    with transaction.atomic():
        for row in todo:
            now = clock.now()
            article = Article.objects.create(
                code=row["key"],
                title=row["title"],
                body=clean_html(row["body"]),
                kind=row["kind"],
                keywords=" ".join(row.get("keywords") or []),
                domain=domains.get(row["domain"]),
                region=regions[row["region"]],
                department=_owner(row["department_kind"], row["region"], by_kind),
                doc_number=row.get("doc_number") or "",
                effective_from=row["effective_from"],
                expires_on=row.get("expires_on"),
                state=ArticleState.DRAFT,
                created_at=now,
                updated_at=now,
            )
            ledger_record(
                subject_type=ARTICLE.name,
                subject_id=article.pk,
                action="create",
                new_subject=True,
                actor=None,
                to_state=article.state,
                at=now,
                payload={"title": article.title, "source": "demo", "code": article.code},
            )
            article_publish(pk=article.pk, user=None)
    return len(todo)
