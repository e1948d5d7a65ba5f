"""Counters kept by adding: one statement that adds each row's values to the stored ones or
inserts the row (`INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE SET n = n + Δ`), on
SQLite (3.24+) and PostgreSQL alike. The rollups of the hotline statistics and of the reform
plans' progress use it inside the transaction of the change they count."""

from __future__ import annotations

from typing import Any

from django.db import connection


def upsert_add(
    table: str, key_names: list[str], columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """Add `columns` of each row (key values first) to the stored row with the same key."""
    if not rows:
        return
    names = ", ".join([*key_names, *columns])
    marks = "(" + ", ".join(["%s"] * (len(key_names) + len(columns))) + ")"
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    sql = (
        f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(rows))} "  # nosec B608 # our models' columns
        f"ON CONFLICT ({', '.join(key_names)}) DO UPDATE SET {sets}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
