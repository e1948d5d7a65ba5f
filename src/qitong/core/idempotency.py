"""Idempotency keys (the `Idempotency-Key` header of a create): a retried request is answered
with what the first one made, and a different request under a used key is refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.core.files import File

from qitong.core.errors import ValidationFailed

MAX_KEY = 100
HEADER = "Idempotency-Key"


def checked_key(raw: str) -> str:
    key = raw.strip()
    if len(key) > MAX_KEY:
        raise ValidationFailed(
            fields={HEADER: f"幂等键最多 {MAX_KEY} 个字符（当前 {len(key)} 个）"}
        )
    return key


def request_digest(data: dict[str, Any], files: Sequence[File[Any]]) -> str:
    """SHA-256 over the input's fields and each file's name and bytes."""
    digest = hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    )
    for f in files:
        digest.update(b"\0" + (f.name or "").encode() + b"\0")
        f.seek(0)
        for chunk in f.chunks():
            digest.update(chunk)
        f.seek(0)
    return digest.hexdigest()


def mismatch(what: str) -> ValidationFailed:
    return ValidationFailed(
        f"该幂等键已用于另一份内容不同的{what}，未重复登记",
        code="idempotency_mismatch",
        fields={HEADER: f"每份新{what}请使用新的幂等键；重试时请求内容须与首次完全相同"},
    )
