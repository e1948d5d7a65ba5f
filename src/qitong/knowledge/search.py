"""Chinese full-text search over live article versions: one interface, an implementation per
database (docs/decisions/0004). Backends keep their index in the caller's transaction:
`index_version` / `unindex_version` when a version goes live or stops being live,
`rebuild_index` after bulk loads.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import connection

from qitong.core import clock
from qitong.core.refcache import ReferenceCache
from qitong.core.workdays import LOCAL_TZ
from qitong.knowledge.models import ArticleVersion
from qitong.knowledge.text import query_terms, snippet

TABLE = ArticleVersion._meta.db_table
FTS = "knowledge_fts"  # SQLite FTS5 table (migration 0002)
TERMS = "knowledge_termstat"
# PostgreSQL: a query term matched by more than this share of live articles only ranks, it
# does not select candidates; at most CANDIDATES are scored term by term.
COMMON_SHARE = 0.03
SELECTING_DF_FLOOR = 2000  # below this many articles every term selects (small bases)
CANDIDATES = 200


def _count_live() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE is_live")  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
        return int(cursor.fetchone()[0])


# The number of live articles, for idf: cached per process (core.refcache; dropped when a
# version is saved here, at most a minute stale elsewhere — idf hardly moves in a minute).
LIVE_COUNT = ReferenceCache(_count_live)


@dataclass(frozen=True)
class Hit:
    version_id: int
    article_id: int
    version: int  # the version's number
    title: str
    kind: str
    region_code: str
    doc_number: str
    snippet: str  # safe HTML: escaped text with <mark> around matched terms
    score: float


def region_scope(region_code: str) -> list[str]:
    """Region codes whose articles apply to an enterprise in `region_code`: the region-wide
    ones, its 盟市's and its own 旗县's."""
    code = region_code.strip()
    if len(code) != 6 or not code.isdigit():
        return []
    return sorted({code[:2] + "0000", code[:4] + "00", code})


def search_articles(
    query: str,
    *,
    region_code: str | None = None,
    on: dt.date | None = None,
    limit: int = 10,
) -> list[Hit]:
    """Live, valid (effective on `on`, default today) articles matching `query`, best first,
    limited to those applying to `region_code` when given."""
    terms = query_terms(query)
    if not terms:
        return []
    today = on or clock.now().astimezone(LOCAL_TZ).date()
    scope = region_scope(region_code) if region_code else None
    if region_code and not scope:
        return []
    filters = [
        "v.is_live",
        "v.effective_from <= %s",
        "(v.expires_on IS NULL OR v.expires_on >= %s)",
    ]
    params: list[Any] = [today, today]
    if scope:
        filters.append(f"v.region_code IN ({', '.join(['%s'] * len(scope))})")
        params.extend(scope)
    if connection.vendor == "postgresql":
        ranked = _postgresql(terms, filters, params, limit)
    else:
        ranked = _sqlite(terms, filters, params, limit)
    if not ranked:
        return []
    versions = ArticleVersion.objects.in_bulk([pk for pk, _ in ranked])
    return [
        Hit(
            version_id=v.pk,
            article_id=v.article_id,
            version=v.number,
            title=v.title,
            kind=v.kind,
            region_code=v.region_code,
            doc_number=v.doc_number,
            snippet=snippet(v.body, terms),
            score=round(score, 4),
        )
        for pk, score in ranked
        if (v := versions.get(pk)) is not None
    ]


def _selecting(terms: list[str], df: dict[str, int]) -> tuple[list[str], bool]:
    """The query's terms that select candidates: those no more common than COMMON_SHARE of
    the live articles (or SELECTING_DF_FLOOR); if none is, all known terms, restricted to
    titles and keywords (the second value) — a word in most bodies selects nothing useful,
    and its idf is near zero in the ranking anyway."""
    known = [t for t in terms if df.get(t)]
    common = max(COMMON_SHARE * LIVE_COUNT.get(), SELECTING_DF_FLOOR)
    rare = [t for t in known if df[t] <= common]
    return (rare, False) if rare else (known, True)


def _sqlite(
    terms: list[str], filters: list[str], params: list[Any], limit: int
) -> list[tuple[int, float]]:
    """FTS5's bm25 (title 10, keywords 6, body 1) over the selecting terms."""
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(terms))
        cursor.execute(f"SELECT term, doc FROM {FTS}_vocab WHERE term IN ({marks})", terms)  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
        df = {str(term): int(doc) for term, doc in cursor.fetchall()}
    selecting, heads_only = _selecting(terms, df)
    if not selecting:
        return []
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in selecting)
    if heads_only:
        match = "{title keywords} : (" + match + ")"
    where = " AND ".join(filters)
    sql = (
        f"SELECT v.id, -bm25({FTS}, 10.0, 6.0, 1.0) AS score FROM {FTS} "  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
        f"JOIN {TABLE} v ON v.id = {FTS}.rowid "
        f"WHERE {FTS} MATCH %s AND {where} ORDER BY score DESC, v.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *params, limit])
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


def _postgresql(
    terms: list[str], filters: list[str], params: list[Any], limit: int
) -> list[tuple[int, float]]:
    """Σ idf(term) × ts_rank(vector, term), in two steps so the cost is bounded whatever the
    query: candidates are the articles matching the query's rarer terms (a word in a large
    share of the articles selects nothing useful), the best CANDIDATES of them by one
    ts_rank over those terms; only they are scored term by term."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, df FROM {TERMS} WHERE term = ANY(%s)", [terms])  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
        df = dict(cursor.fetchall())
    total = LIVE_COUNT.get()
    known = [t for t in terms if df.get(t)]
    if not known or not total:
        return []
    idf = {t: math.log(1 + (total - df[t] + 0.5) / (df[t] + 0.5)) for t in known}
    selecting, heads_only = _selecting(known, df)
    vector = "search_head" if heads_only else "search_vector"
    select_query = " || ".join(["plainto_tsquery('simple', %s)"] * len(selecting))
    rank = " + ".join(["%s * ts_rank(c.search_vector, plainto_tsquery('simple', %s))"] * len(known))
    rank_params: list[Any] = []
    for t in known:
        rank_params.extend([idf[t], t])
    where = " AND ".join(filters)
    sql = (
        f"SELECT c.id, ({rank}) AS score FROM ("  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
        f"  SELECT v.id, v.search_vector FROM {TABLE} v"
        f"  WHERE v.{vector} @@ ({select_query}) AND {where}"
        f"  ORDER BY ts_rank(v.{vector}, ({select_query})) DESC, v.id DESC LIMIT %s"
        f") c ORDER BY score DESC, c.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [*rank_params, *selecting, *params, *selecting, CANDIDATES, limit],
        )
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


# --- keeping the index -----------------------------------------------------------------------


def index_version(version: ArticleVersion) -> None:
    """The version went live: make it searchable (same transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {TERMS} (term, df) SELECT word, 1 FROM ts_stat("  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
                f"'SELECT search_vector FROM {TABLE} WHERE id = {int(version.pk)}') "
                f"ON CONFLICT (term) DO UPDATE SET df = {TERMS}.df + 1"
            )
        else:
            cursor.execute(
                f"INSERT INTO {FTS} (rowid, title, keywords, body) VALUES (%s, %s, %s, %s)",  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
                [version.pk, version.search_title, version.search_keywords, version.search_body],
            )


def unindex_version(version: ArticleVersion) -> None:
    """The version stopped being live (a newer one, or the article was withdrawn)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ANY(ARRAY(…)): the primary key finds the version's terms (a join would scan
            # the whole term table: 12 ms against 0.7 ms at 100,000 articles).
            cursor.execute(
                f"UPDATE {TERMS} SET df = GREATEST(df - 1, 0) WHERE term = ANY(ARRAY("  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
                f"SELECT word FROM ts_stat("
                f"'SELECT search_vector FROM {TABLE} WHERE id = {int(version.pk)}')))"
            )
        else:
            cursor.execute(f"DELETE FROM {FTS} WHERE rowid = %s", [version.pk])  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter


def rebuild_index() -> None:
    """Recompute the whole index from the live versions (after a bulk load)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {TERMS}")  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
            cursor.execute(
                f"INSERT INTO {TERMS} (term, df) SELECT word, ndoc FROM ts_stat("  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
                f"'SELECT search_vector FROM {TABLE} WHERE is_live') WHERE length(word) <= 64"
            )
        else:
            cursor.execute(f"DELETE FROM {FTS}")  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
            cursor.execute(
                f"INSERT INTO {FTS} (rowid, title, keywords, body) "  # nosec B608 # identifiers from model metadata or constants; every value is a bound parameter
                f"SELECT id, search_title, search_keywords, search_body FROM {TABLE} WHERE is_live"
            )
