"""PostgreSQL bulk loading: without secondary indexes and constraints, rebuilt afterwards.

Maintaining a dozen B-trees (one of them over random SHA-256 hashes) and queueing a deferred
foreign-key check per row make COPY several times slower than building the indexes once and
validating each foreign key in one pass at the end. Only the bench's own database is touched;
the definitions are read from the catalogue before and re-created verbatim after, and the
result is compared with what was there (same names, same definitions) — a mismatch stops the
seeder with an error instead of leaving a silently different schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

# Constraints (pg_constraint.contype) dropped and re-added: unique and foreign keys. Primary
# keys stay: ids arrive in order, so keeping their index is cheap, and other tables'
# foreign keys depend on them.
DROPPED = ("u", "f")


@dataclass(frozen=True)
class Schema:
    indexes: tuple[tuple[str, str, str], ...]  # (table, name, CREATE INDEX …)
    constraints: tuple[tuple[str, str, str, str], ...]  # (table, name, contype, definition)


def read_schema(tables: tuple[str, ...]) -> Schema:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype = ANY(%s)
            ORDER BY 1, 2
            """,
            [list(tables), list(DROPPED)],
        )
        constraints = tuple(cursor.fetchall())
        cursor.execute(
            """
            SELECT i.tablename, i.indexname, i.indexdef
            FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c
                WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
              )
            ORDER BY 1, 2
            """,
            [list(tables)],
        )
        indexes = tuple(cursor.fetchall())
    return Schema(indexes, constraints)


@contextmanager
def without_indexes(tables: tuple[str, ...], out: Callable[[str], None]) -> Iterator[None]:
    """Drop secondary indexes, unique and foreign-key constraints of `tables`; re-create them
    on exit (also after an error, so the database stays usable)."""
    before = read_schema(tables)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # Deferred foreign-key checks still queued for these tables (rows written earlier in
            # the same transaction, e.g. in a test) would make ALTER TABLE fail: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _, _ in sorted(before.constraints, key=lambda c: c[2] != "f"):
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, name, _ in before.indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        _restore(before, out)
    after = read_schema(tables)
    if after != before:
        raise RuntimeError(f"索引/约束重建后与原定义不一致：\n之前 {before}\n之后 {after}")


def _restore(schema: Schema, out: Callable[[str], None]) -> None:
    out(f"  重建索引 {len(schema.indexes)} 个、约束 {len(schema.constraints)} 个…")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _, _, definition in schema.indexes:
            cursor.execute(definition)
        # Unique constraints first: foreign keys may reference them.
        for table, name, _, definition in sorted(schema.constraints, key=lambda c: c[2] == "f"):
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("RESET maintenance_work_mem")
