"""One ticket search for the desk box, the staff lists and `GET /api/v1/tickets?q=`: a QT
number, a credit code (whole or its first digits), a phone number, or words of the title and
content — always within the actor's scope (tickets_visible_to), newest first.

Numbers, codes and phones are exact, indexed lookups. Words use the Chinese full-text
machinery of the knowledge base (jieba's search-mode segmentation, knowledge.text): the
segmented title and content are kept in `Ticket.search_words`, indexed by a generated
tsvector with a GIN index on PostgreSQL and by an FTS5 table kept by triggers on SQLite
(migration 0009). Every word of the query must occur (AND), among the newest CANDIDATES
tickets containing them all; words that are part of enterprise names find those enterprises'
tickets too.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from qitong.accounts.actor import Actor
from qitong.accounts.models import User
from qitong.enterprises.models import Contact
from qitong.enterprises.selectors import (
    enterprises_visible_to,
    looks_like_phone,
    sees_contact_numbers,
)
from qitong.enterprises.validators import normalize_phone
from qitong.knowledge.text import tokens
from qitong.tickets.models import Ticket
from qitong.tickets.selectors import tickets_visible_to

FTS = "tickets_fts"  # SQLite FTS5 over tickets_ticket.search_words (migration 0009)
NUMBER_RE = re.compile(r"^QT\d{14}$", re.IGNORECASE)
CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
CREDIT_PREFIX_RE = re.compile(r"^(?=.*\d)[0-9A-HJ-NPQRTUWXY]{6,17}$")
MAX_TERMS = 8
MAX_ENTERPRISES = 50  # enterprises whose name matches: their tickets are found too
# A word search looks among the newest CANDIDATES tickets that contain every word (ids grow
# with creation): a word in most appeals ("申请") would otherwise sort the whole ledger of
# tickets for one page. More specific words reach further back.
CANDIDATES = 5000


def ticket_words(title: str, content: str) -> str:
    """What the word search indexes for a ticket: its title and content, segmented."""
    return " ".join(tokens(f"{title} {content}"))


@dataclass(frozen=True)
class Query:
    text: str
    kind: str  # number | credit_code | credit_prefix | phone | words | empty


def classify(q: str) -> Query:
    text = q.strip()
    upper = text.upper().replace(" ", "")
    if not text:
        return Query(text, "empty")
    if NUMBER_RE.match(upper):
        return Query(upper, "number")
    if CREDIT_RE.match(upper):
        return Query(upper, "credit_code")
    if looks_like_phone(text):
        with contextlib.suppress(ValidationError):
            return Query(normalize_phone(text).number, "phone")
    if CREDIT_PREFIX_RE.match(upper) and not upper.isdigit():
        return Query(upper, "credit_prefix")
    return Query(text, "words")


def ticket_search(*, actor: Actor, user: User, q: str) -> QuerySet[Ticket]:
    """The actor's tickets matching `q` (see the module docstring); all of them for an empty
    query. Ordered newest first."""
    query = classify(q)
    qs = tickets_visible_to(actor)
    if query.kind == "empty":
        return qs.order_by("-created_at", "-id")
    if query.kind == "number":
        qs = qs.filter(number=query.text)
    elif query.kind == "credit_code":
        qs = qs.filter(enterprise__credit_code=query.text)
    elif query.kind == "credit_prefix":
        qs = qs.filter(enterprise__credit_code__startswith=query.text)
    elif query.kind == "phone":
        if not sees_contact_numbers(user):
            return qs.none()  # a reverse lookup by phone is the desk's (enterprises.selectors)
        # The callers' enterprises as a list first: an OR of two indexed conditions lets
        # PostgreSQL combine both indexes (with a subquery it scanned the scope instead).
        callers = list(
            Contact.objects.filter(phone=query.text).values_list("enterprise_id", flat=True)[:50]
        )
        qs = qs.filter(Q(contact_phone=query.text) | Q(enterprise_id__in=callers))
    else:
        qs = _words(qs, user, query.text)
    return qs.order_by("-created_at", "-id")


def _words(qs: QuerySet[Ticket], user: User, text: str) -> QuerySet[Ticket]:
    """Tickets containing every word (the newest CANDIDATES of them), or of the enterprises
    the words name. With named enterprises the candidates are read first as ids and the scope
    applied to them: as one query with an OR, PostgreSQL walked a department's whole scope
    by date testing each ticket (540 ms at 200,000 tickets)."""
    terms = list(dict.fromkeys(tokens(text)))[:MAX_TERMS]
    if not terms:
        return qs.none()
    named = list(
        enterprises_visible_to(user)
        .filter(name__contains=text.strip())
        .values_list("pk", flat=True)[:MAX_ENTERPRISES]
    )
    if connection.vendor == "postgresql":
        ids = _postgres_ids(terms)
    elif named:
        ids = _sqlite_ids(terms)
    else:
        return qs.filter(id__in=RawSQL(_SQLITE_MATCH, [_fts_match(terms), CANDIDATES]))  # nosec B611 # constant SQL
    if named:
        ids += list(
            Ticket.objects.filter(enterprise_id__in=named)
            .order_by("-id")
            .values_list("id", flat=True)[:CANDIDATES]
        )
    if connection.vendor == "postgresql":
        # one array parameter: 5,000 literals in an IN list cost PostgreSQL 60 ms to plan
        return qs.alias(listed=_ANY_ID(ids)).filter(listed=True)
    return qs.filter(id__in=ids)


def _ANY_ID(ids: list[int]) -> RawSQL:  # reads as the SQL it is
    return RawSQL(
        '"tickets_ticket"."id" = ANY(%s)',  # nosec B611 # constant SQL; the ids are bound
        [ids],
        output_field=BooleanField(),
    )


# PostgreSQL reads the newest tickets first: the GIN index yields every ticket containing the
# words, and reading their rows for the id cost one heap page each (31,000 pages, 180 ms, for
# "社保 补贴" at 1M tickets). Ids grow with creation, so the newest CANDIDATES lie among the
# newest tickets: each window below is tried until one holds CANDIDATES matches (the same
# answer as the whole table's, as every ticket outside the window is older) or the last, the
# whole table, is reached. A rare pair of words costs three small index scans.
WINDOWS = (20_000, 200_000)


def _postgres_ids(terms: list[str]) -> list[int]:
    """The ids of the newest CANDIDATES tickets containing every term (GIN index), newest
    first. Unscoped: the scope is applied to them after (a department's scope within the
    windows held too few and sent the search through the whole table, 650 ms)."""
    # to_tsquery over our own tokens, each quoted: the AND of every term.
    tsquery = " & ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in terms)
    hit = RawSQL(
        "search_vector @@ to_tsquery('simple', %s)", [tsquery], output_field=BooleanField()
    )
    matching = Ticket.objects.alias(hit=hit).filter(hit=True).order_by("-id")
    # The bound as a literal, read first: with it inside the statement (a subquery or a
    # lateral join) PostgreSQL planned without it and walked the primary key (250 ms).
    top = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for window in WINDOWS:
        if top <= window:
            break
        ids = list(matching.filter(id__gt=top - window).values_list("id", flat=True)[:CANDIDATES])
        if len(ids) >= CANDIDATES:
            return ids
    return list(matching.values_list("id", flat=True)[:CANDIDATES])


_SQLITE_MATCH = f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s ORDER BY rowid DESC LIMIT %s"  # nosec B608 # constant table name; values bound


def _fts_match(terms: list[str]) -> str:
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _sqlite_ids(terms: list[str]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_MATCH, [_fts_match(terms), CANDIDATES])
        return [int(row[0]) for row in cursor.fetchall()]


# --- keeping the SQLite index ------------------------------------------------------------------

# The triggers that keep tickets_fts (migration 0009). Django rebuilds a SQLite table to alter
# or add most columns, which drops its triggers: after every migrate they are put back, and the
# index rebuilt from the table if any was missing (tickets.apps, post_migrate).
SQLITE_TRIGGERS = {
    "tickets_fts_insert": """CREATE TRIGGER IF NOT EXISTS tickets_fts_insert
        AFTER INSERT ON tickets_ticket BEGIN
          INSERT INTO tickets_fts (rowid, search_words) VALUES (new.id, new.search_words);
        END""",
    "tickets_fts_delete": """CREATE TRIGGER IF NOT EXISTS tickets_fts_delete
        AFTER DELETE ON tickets_ticket BEGIN
          INSERT INTO tickets_fts (tickets_fts, rowid, search_words)
          VALUES ('delete', old.id, old.search_words);
        END""",
    "tickets_fts_update": """CREATE TRIGGER IF NOT EXISTS tickets_fts_update
        AFTER UPDATE OF search_words ON tickets_ticket BEGIN
          INSERT INTO tickets_fts (tickets_fts, rowid, search_words)
          VALUES ('delete', old.id, old.search_words);
          INSERT INTO tickets_fts (rowid, search_words) VALUES (new.id, new.search_words);
        END""",
}


def sqlite_index_ensure(using: str = "default") -> bool:
    """Re-create missing index triggers and rebuild the index; True if anything was missing."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "sqlite" or FTS not in conn.introspection.table_names():
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets_ticket'"
        )
        present = {row[0] for row in cursor.fetchall()}
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")  # nosec B608 # constant table name
    return bool(missing)
