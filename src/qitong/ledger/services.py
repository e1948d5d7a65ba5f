"""The only writer of the ledger. Callers must already be inside `transaction.atomic()`, so
the event commits or rolls back together with the change it records (STYLE habit 1 and 5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Cast

from qitong.core import clock
from qitong.core.errors import Conflict
from qitong.ledger.canonical import HASHED_FIELDS, event_hash, normalize_payload
from qitong.ledger.checkpoints import Finding, checkpoints_verify
from qitong.ledger.models import GENESIS_HASH, Event

if TYPE_CHECKING:
    from qitong.accounts.models import User

SYSTEM_DISPLAY = "系统"


def _actor_fields(actor: User | None) -> dict[str, Any]:
    if actor is None:
        return {"actor_id": None, "actor_display": SYSTEM_DISPLAY, "actor_role": "system"}
    return {
        "actor_id": actor.pk,
        "actor_display": (actor.get_full_name() or actor.username)[:100],
        "actor_role": actor.role,
    }


def ledger_record(
    *,
    subject_type: str,
    subject_id: str | int,
    action: str,
    actor: User | None,
    from_state: str = "",
    to_state: str = "",
    payload: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    new_subject: bool = False,
    head: tuple[int | None, str | None] | None = None,
) -> Event:
    """Append one event to the subject's chain.

    `new_subject=True` is for the event that creates its subject in the same transaction
    (a new ticket's "create"): the chain cannot exist yet, so there is nothing to look up
    and no rival to guard against. `head` is the chain's last (seq, hash) when the caller
    already read it with the subject (`ledger_head_annotations`; (None, None): no events yet),
    so there is nothing to look up either; a rival that appended since still fails on the
    unique (subject, seq) constraint.

    Raises Conflict if another transaction appended to the same chain first (the unique
    (subject, seq) constraint); the caller's whole transaction should then be retried or
    reported — never half-applied.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_record must run inside the transaction of the change it records")
    subject_id = str(subject_id)
    last: tuple[int, str] | None
    if new_subject:
        last = None
    elif head is not None:
        last = (head[0], head[1] or "") if head[0] is not None else None
    else:
        last = (
            Event.objects.filter(subject_type=subject_type, subject_id=subject_id)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    fields: dict[str, Any] = {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "seq": seq,
        "occurred_at": at or clock.now(),
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "payload": normalize_payload(payload or {}),
        "prev_hash": prev_hash,
        **_actor_fields(actor),
    }
    fields["hash"] = event_hash(fields)
    if new_subject:
        return Event.objects.create(**fields)
    try:
        # No savepoint of its own: a clash fails the caller's whole transaction, which is what
        # must happen anyway (the change and its event commit together or not at all).
        return Event.objects.create(**fields)
    except IntegrityError as exc:
        raise Conflict("台账记录冲突：该对象刚被他人修改，请刷新后重试") from exc


HEAD_SEQ, HEAD_HASH = "_ledger_head_seq", "_ledger_head_hash"


def ledger_head_annotations(subject_type: str) -> dict[str, Subquery]:
    """Annotations that read a subject's chain head (seq, hash) in the query that loads it:
    `queryset.annotate(**ledger_head_annotations(name))`, then `ledger_head(obj)`."""
    chain = Event.objects.filter(
        subject_type=subject_type, subject_id=Cast(OuterRef("pk"), models.CharField())
    ).order_by("-seq")
    return {
        HEAD_SEQ: Subquery(chain.values("seq")[:1]),
        HEAD_HASH: Subquery(chain.values("hash")[:1]),
    }


def ledger_head(obj: models.Model) -> tuple[int | None, str | None]:
    return getattr(obj, HEAD_SEQ), getattr(obj, HEAD_HASH)


def subject_key(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Plain values of an object's concrete fields (FKs as ids), for a change event payload."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return normalize_payload({name: getattr(obj, name) for name in names})


def ledger_record_change(
    *,
    obj: models.Model,
    action: str,
    actor: User | None,
    before: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Event:
    """Record a create/update/deactivate of reference data with what changed."""
    after = snapshot(obj)
    if before is None:
        changes = {k: [None, v] for k, v in after.items()}
    else:
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    subject_type, subject_id = subject_key(obj)
    return ledger_record(
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        actor=actor,
        payload={"display": str(obj), "changes": changes, **(extra or {})},
    )


def events_for(subject_type: str, subject_id: str | int) -> models.QuerySet[Event]:
    return Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by(
        "seq"
    )


@dataclass(frozen=True)
class Break:
    event_id: int
    subject_type: str
    subject_id: str
    seq: int
    reason: str

    def describe(self) -> str:
        return f"事件 #{self.event_id}（{self.subject_type}:{self.subject_id} 第 {self.seq} 条）：{self.reason}"


@dataclass(frozen=True)
class VerifyResult:
    verified: int
    broken: Break | None
    # What the signed checkpoints show (ledger.checkpoints): missing tails, missing chains,
    # deleted events, altered checkpoints. Empty when all is well.
    findings: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.findings


def _iter_events(subject_type: str | None) -> Iterator[Event]:
    qs = Event.objects.order_by("subject_type", "subject_id", "seq")
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    return qs.iterator(chunk_size=5000)


def ledger_verify(*, subject_type: str | None = None) -> VerifyResult:
    """Recompute every chain, stopping at the first event whose hash, link or sequence is
    wrong; then (for the whole ledger) check it against the signed checkpoints."""
    result = _verify_chains(subject_type)
    if subject_type is None:
        return VerifyResult(result.verified, result.broken, tuple(checkpoints_verify()))
    return result


def _verify_chains(subject_type: str | None) -> VerifyResult:
    verified = 0
    chain: tuple[str, str] | None = None
    expected_seq, expected_prev = 1, GENESIS_HASH
    for event in _iter_events(subject_type):
        if (event.subject_type, event.subject_id) != chain:
            chain = (event.subject_type, event.subject_id)
            expected_seq, expected_prev = 1, GENESIS_HASH
        reason = None
        if event.seq != expected_seq:
            reason = f"序号应为 {expected_seq}，实为 {event.seq}（有事件缺失或被插入）"
        elif event.prev_hash != expected_prev:
            reason = "前一哈希与上一条事件不符（链条断裂）"
        elif event_hash({f: getattr(event, f) for f in HASHED_FIELDS}) != event.hash:
            reason = "内容与哈希不符（事件被改动）"
        if reason:
            return VerifyResult(
                verified, Break(event.pk, event.subject_type, event.subject_id, event.seq, reason)
            )
        verified += 1
        expected_seq, expected_prev = event.seq + 1, event.hash
    return VerifyResult(verified, None)
