"""Canonical encoding and hashing of ledger events: the one definition used to write and verify.

Fields are encoded as JSON with sorted keys, no insignificant white space and UTF-8 text;
times as UTC ISO 8601 with microseconds. Changing this changes every hash — don't.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

HASHED_FIELDS = (
    "subject_type",
    "subject_id",
    "seq",
    "occurred_at",
    "actor_id",
    "actor_display",
    "actor_role",
    "action",
    "from_state",
    "to_state",
    "payload",
    "prev_hash",
)


def _default(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    record = {name: fields[name] for name in HASHED_FIELDS}
    record["occurred_at"] = _default(record["occurred_at"])
    return json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode("utf-8")


def event_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


def normalize_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so what we hash is exactly what the database gives back."""
    result: dict[str, Any] = json.loads(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=_default)
    )
    return result
