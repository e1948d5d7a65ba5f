"""Search quality on the demo knowledge base: the committed set of questions, written as an
enterprise would ask them, each with the article(s) that answer it (tests/data). recall@5 —
the share of questions with an answer among the first five results — must be ≥ 0.9 on
each database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from qitong.core import clock
from qitong.core.workdays import LOCAL_TZ
from qitong.demo.knowledge import load_knowledge, read_articles
from qitong.demo.loader import load_demo
from qitong.knowledge.models import Article
from qitong.knowledge.search import search_articles

pytestmark = pytest.mark.django_db
QUERIES = Path(__file__).parent / "data" / "knowledge_queries.json"
TARGET = 0.9
ON = dt.datetime(2026, 11, 26, 10, 0, tzinfo=LOCAL_TZ)


def evaluate(k: int = 5) -> tuple[float, list[dict[str, Any]]]:
    ids = dict(Article.objects.values_list("code", "pk"))
    misses = []
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))
    found = 0
    for q in queries:
        hits = search_articles(q["query"], region_code=q["region"], limit=k)
        got = [h.article_id for h in hits]
        wanted = {ids[key] for key in q["answers"]}
        if wanted & set(got):
            found += 1
        else:
            by_pk = {v: c for c, v in ids.items()}
            misses.append({**q, "got": [by_pk[pk] for pk in got]})
    return found / len(queries), misses


def test_the_quality_set_is_sound() -> None:
    articles = {a["key"]: a for a in read_articles()}
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))
    assert len(articles) >= 300 and len(queries) >= 60
    for q in queries:
        for key in q["answers"]:
            a = articles[key]
            assert a["expires_on"] is None or a["expires_on"] >= "2026-11-26", q
            assert a["region"] in ("150000", q["region"]), q


def test_recall_at_5_on_the_demo_knowledge_base() -> None:
    with clock.frozen(ON):
        load_demo()
        assert Article.objects.filter(code__isnull=False).count() == len(read_articles())
        assert load_knowledge() == 0  # idempotent
        recall, misses = evaluate()
    print(f"recall@5 = {recall:.3f}; misses: {json.dumps(misses, ensure_ascii=False)}")
    assert recall >= TARGET, misses
