"""Rows to the database in bulk: COPY FROM STDIN on PostgreSQL, executemany on SQLite.

Rows are encoded where they are generated (in the worker processes): COPY text for
PostgreSQL, adapted Python values for SQLite, so the process that talks to the database only
streams bytes. Ledger rows are hashed here with the product's own `event_hash`, per subject
chain, exactly as `ledger.services.ledger_record` would have written them one by one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from qitong.ledger.canonical import event_hash
from qitong.ledger.models import GENESIS_HASH

Encoder = Callable[[Any], str]


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    s = str(value)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def _int(value: Any) -> str:
    return "\\N" if value is None else str(int(value))


def _bool(value: Any) -> str:
    return "\\N" if value is None else ("t" if value else "f")


def _time(value: Any) -> str:
    return "\\N" if value is None else value.isoformat()


def _json(value: Any) -> str:
    return _text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


PG = {"s": _text, "i": _int, "b": _bool, "t": _time, "j": _json}


def _sqlite_time(value: Any) -> Any:
    # What Django's SQLite backend stores for an aware datetime: naive UTC, str(value).
    return None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _sqlite_json(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False)


def _sqlite_bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _same(value: Any) -> Any:
    return value


SQLITE = {"s": _same, "i": _same, "b": _sqlite_bool, "t": _sqlite_time, "j": _sqlite_json}


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, kind: s, i, b, t, j)

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]

    def encode(self, vendor: str, rows: Iterable[dict[str, Any]]) -> bytes | list[tuple[Any, ...]]:
        """COPY text (PostgreSQL) or adapted tuples (SQLite) for the given row dicts."""
        if vendor == "postgresql":
            coders = [(c, PG[k]) for c, k in self.columns]
            lines = ["\t".join([enc(row[c]) for c, enc in coders]) for row in rows]
            return ("\n".join(lines) + "\n").encode() if lines else b""
        sqlite_coders = [(c, SQLITE[k]) for c, k in self.columns]
        return [tuple(enc(row[c]) for c, enc in sqlite_coders) for row in rows]


TICKET = Table(
    "tickets_ticket",
    (
        ("id", "i"),
        ("number", "s"),
        ("type", "s"),
        ("problem_category", "s"),
        ("urgency", "s"),
        ("channel", "s"),
        ("title", "s"),
        ("content", "s"),
        ("confidential", "b"),
        ("contact_name", "s"),
        ("contact_phone", "s"),
        ("region_code", "s"),
        ("state", "s"),
        ("version", "i"),
        ("pending_request", "s"),
        ("assist_pending", "j"),
        ("specialist_accepted", "b"),
        ("route_domain", "s"),
        ("route_language", "s"),
        ("routed_at", "t"),
        ("reply_result", "s"),
        ("reply_text", "s"),
        ("satisfaction", "i"),
        ("resolved", "b"),
        ("callback_dissatisfied", "b"),
        ("redo_count", "i"),
        ("extension_days", "i"),
        ("first_contact_resolution", "b"),
        ("dispatched_at", "t"),
        ("lead_since", "t"),
        ("signed_at", "t"),
        ("signed_on_time", "b"),
        ("replied_at", "t"),
        ("replied_on_time", "b"),
        ("reply_minutes", "i"),
        ("returned_count", "i"),
        ("enterprise_rating", "i"),
        ("enterprise_comment", "s"),
        ("due_register_at", "t"),
        ("due_dispatch_at", "t"),
        ("due_sign_at", "t"),
        ("due_reply_at", "t"),
        ("due_callback_at", "t"),
        ("milestone", "s"),
        ("due_at", "t"),
        ("warn_at", "t"),
        ("suspended_at", "t"),
        ("reminded_for", "s"),
        ("escalated_for", "s"),
        ("promoted_at", "t"),
        ("idempotency_key", "s"),
        ("idempotency_digest", "s"),
        ("search_words", "s"),
        ("created_at", "t"),
        ("updated_at", "t"),
        ("closed_at", "t"),
        ("category_id", "i"),
        ("created_by_id", "i"),
        ("desk_id", "i"),
        ("enterprise_id", "i"),
        ("lead_department_id", "i"),
        ("merged_into_id", "i"),
        ("specialist_id", "i"),
    ),
)
ASSIGNMENT = Table(
    "tickets_assignment",
    (
        ("ticket_id", "i"),
        ("department_id", "i"),
        ("role", "s"),
        ("active", "b"),
        ("dispatched_at", "t"),
        ("signed_at", "t"),
        ("replied_at", "t"),
        ("reply_text", "s"),
    ),
)
DECISION = Table(
    "tickets_pendingdecision",
    (
        ("ticket_id", "i"),
        ("kind", "s"),
        ("reason", "s"),
        ("legal_basis", "s"),
        ("days", "i"),
        ("requested_by_id", "i"),
        ("requested_at", "t"),
        ("approved", "b"),
        ("decided_by_id", "i"),
        ("decided_at", "t"),
        ("decision_note", "s"),
        ("reply_result", "s"),
        ("reply_text", "s"),
        ("attachment_ids", "j"),
    ),
)
EVENT = Table(
    "ledger_event",
    (
        ("subject_type", "s"),
        ("subject_id", "s"),
        ("seq", "i"),
        ("occurred_at", "t"),
        ("actor_id", "i"),
        ("actor_display", "s"),
        ("actor_role", "s"),
        ("action", "s"),
        ("from_state", "s"),
        ("to_state", "s"),
        ("payload", "j"),
        ("prev_hash", "s"),
        ("hash", "s"),
    ),
)
TABLES = (TICKET, ASSIGNMENT, DECISION, EVENT)


@dataclass(frozen=True)
class ChainEvent:
    """One event of a chain before sequencing and hashing."""

    at: dt.datetime
    action: str
    actor_id: int | None
    actor_display: str
    actor_role: str
    from_state: str
    to_state: str
    payload: dict[str, Any]


def chain_rows(
    subject_type: str,
    subject_id: str,
    events: Sequence[ChainEvent],
    *,
    seq: int = 1,
    prev_hash: str = GENESIS_HASH,
) -> list[dict[str, Any]]:
    """Sequence and hash a subject's events (appending after `seq - 1` / `prev_hash`)."""
    rows = []
    for event in events:
        fields: dict[str, Any] = {
            "subject_type": subject_type,
            "subject_id": subject_id,
            "seq": seq,
            "occurred_at": event.at,
            "actor_id": event.actor_id,
            "actor_display": event.actor_display[:100],
            "actor_role": event.actor_role,
            "action": event.action,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "payload": event.payload,
            "prev_hash": prev_hash,
        }
        fields["hash"] = prev_hash = event_hash(fields)
        rows.append(fields)
        seq += 1
    return rows


def write(table: Table, data: bytes | list[tuple[Any, ...]]) -> None:
    """Append encoded rows to `table` on the default connection (inside the caller's
    transaction)."""
    if not data:
        return
    columns = ", ".join(table.names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assert isinstance(data, bytes)
            with cursor.cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                copy.write(data)
        else:
            assert isinstance(data, list)
            marks = ", ".join("%s" for _ in table.names)
            cursor.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", data)  # nosec B608 # our tables and columns
