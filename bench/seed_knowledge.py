"""Seed N knowledge-base articles into the bench database for the search benchmark.

    python bench/seed_knowledge.py --articles 100000              # SQLite var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qitong_bench python bench/seed_knowledge.py --articles 100000

Run `bench/seed.py` first (or at least `qitong migrate` + `qitong demo`): the demo knowledge
base (300 articles) is the material. Each bench article takes a demo article's title and
paragraphs, adds one to three paragraphs of other articles of the same domain, and gets a
region (region-wide or one of the 12 盟市), a validity window (about 10 % expired) and the
owning department of its kind there. Paragraphs are segmented once and reused, so seeding
costs inserts, not jieba. Rows are written in bulk as published, live versions, then the
search index is rebuilt (`knowledge.search.rebuild_index`). Bench articles have codes
`bench-…`; `--clear` removes them. No ledger events are written for them (see README).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_url, describe, setup_django

CITIES = [
    "150100", "150200", "150300", "150400", "150500", "150600",
    "150700", "150800", "150900", "152200", "152500", "152900",
]  # fmt: skip
TITLE_VARIANTS = ("", "（{year}年版）", "（{city}）", "问答", "办事指南", "政策解读", "（修订）")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="为知识检索压测生成 N 条知识")
    parser.add_argument("--articles", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--clear", action="store_true", help="只删除以前生成的压测知识")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = database_url()
    setup_django()
    from django.db import connection, transaction

    from qitong.core import clock
    from qitong.demo.knowledge import load_knowledge
    from qitong.directory.models import Department, Region
    from qitong.knowledge.models import Article, ArticleVersion
    from qitong.knowledge.search import rebuild_index
    from qitong.knowledge.text import plain_text, segmented

    started = time.perf_counter()
    print(f"数据库：{describe(url)}")
    with transaction.atomic():
        bench = Article.objects.filter(code__startswith="bench-")
        gone = bench.count()
        if gone:
            Article.objects.filter(code__startswith="bench-").update(live=None)
            ArticleVersion.objects.filter(article__code__startswith="bench-").delete()
            bench.delete()
            print(f"已删除以前的压测知识 {gone:,} 条")
        if args.clear:
            rebuild_index()
            return
    load_knowledge()
    base = list(
        Article.objects.filter(live__isnull=False)
        .exclude(code__startswith="bench-")
        .select_related("live", "domain", "department")
    )
    if not base:
        raise SystemExit("没有演示知识：请先运行 qitong demo")
    rng = random.Random(args.seed)
    regions = {r.code: r.pk for r in Region.objects.filter(code__in=["150000", *CITIES])}
    city_names = dict(Region.objects.filter(code__in=CITIES).values_list("code", "name"))
    owners = {
        (kind, code): pk
        for kind, code, pk in Department.objects.filter(active=True)
        .exclude(kind="")
        .values_list("kind", "region__code", "pk")
    }
    # Every paragraph segmented once.
    paragraphs: dict[int, list[tuple[str, str]]] = {}
    by_domain: dict[str | None, list[int]] = {}
    seg_title: dict[int, str] = {}
    for a in base:
        v = a.live
        assert v is not None
        parts = [p for p in v.body.split("</p>") if plain_text(p)]
        paragraphs[a.pk] = [(p + "</p>", segmented(plain_text(p))) for p in parts]
        by_domain.setdefault(a.domain_id and a.domain.code, []).append(a.pk)
        seg_title[a.pk] = v.search_title
    by_pk = {a.pk: a for a in base}
    today = clock.now().date()
    now = clock.now()
    made = 0
    print(f"素材：演示知识 {len(base)} 条；生成 {args.articles:,} 条…")
    while made < args.articles:
        n = min(args.batch, args.articles - made)
        articles, versions = [], []
        for i in range(made, made + n):
            a = by_pk[base[i % len(base)].pk]
            v = a.live
            assert v is not None
            region = "150000" if rng.random() < 0.4 else rng.choice(CITIES)
            variant = rng.choice(TITLE_VARIANTS).format(
                year=rng.randint(2019, 2026), city=city_names.get(region, "全区")
            )
            title = (v.title + variant)[:200]
            extra = rng.sample(
                by_domain[a.domain_id and a.domain.code], k=min(3, rng.randint(1, 3))
            )
            parts = paragraphs[a.pk] + [p for other in extra for p in paragraphs[other][:1]]
            expired = rng.random() < 0.1
            effective = today - dt.timedelta(days=rng.randint(30, 1500))
            expires = (
                today - dt.timedelta(days=rng.randint(1, 300))
                if expired
                else (
                    None if rng.random() < 0.7 else today + dt.timedelta(days=rng.randint(30, 900))
                )
            )
            owner = owners.get((a.department.kind, region)) or a.department_id
            articles.append(
                Article(
                    code=f"bench-{i:07d}",
                    title=title,
                    body="".join(p for p, _ in parts),
                    kind=v.kind,
                    keywords=v.keywords,
                    domain_id=a.domain_id,
                    region_id=regions[region],
                    department_id=owner,
                    doc_number=v.doc_number,
                    effective_from=effective,
                    expires_on=expires,
                    state="published",
                    created_at=now,
                    updated_at=now,
                )
            )
            versions.append(
                (
                    title,
                    parts,
                    region,
                    seg_title[a.pk] + (" " + segmented(variant) if variant else ""),
                    v,
                    effective,
                    expires,
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(articles, batch_size=1000)
            rows = [
                ArticleVersion(
                    article=art,
                    number=1,
                    title=title,
                    body=art.body,
                    kind=art.kind,
                    keywords=art.keywords,
                    doc_number=art.doc_number,
                    effective_from=effective,
                    expires_on=expires,
                    region_code=region,
                    is_live=True,
                    search_title=stitle,
                    search_keywords=v.search_keywords,
                    search_body=" ".join(s for _, s in parts),
                    published_at=now,
                )
                for art, (title, parts, region, stitle, v, effective, expires) in zip(
                    articles, versions, strict=True
                )
            ]
            ArticleVersion.objects.bulk_create(rows, batch_size=1000)
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE knowledge_article SET live_id = (SELECT v.id FROM knowledge_articleversion v "
                    "WHERE v.article_id = knowledge_article.id AND v.is_live) "
                    "WHERE live_id IS NULL AND code LIKE 'bench-%%'"
                )
        made += n
        rate = made / (time.perf_counter() - started)
        print(f"  {made:,}/{args.articles:,} 条（{rate:,.0f} 条/秒）", flush=True)
    t = time.perf_counter()
    with transaction.atomic():
        rebuild_index()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE knowledge_articleversion")
            cursor.execute("VACUUM ANALYZE knowledge_termstat")
        else:
            cursor.execute("ANALYZE")
    live = ArticleVersion.objects.filter(is_live=True).count()
    print(
        f"重建检索索引 {time.perf_counter() - t:.1f} 秒；现行知识 {live:,} 条；"
        f"总耗时 {time.perf_counter() - started:.0f} 秒"
    )


if __name__ == "__main__":
    main()
