"""Signed checkpoints: what a per-subject hash chain cannot show on its own.

A chain proves that no event inside it was changed, but not that its last events, or the whole
chain, still exist. A checkpoint anchors the heads: it records, for every chain that grew since
the previous checkpoint, its last `seq` and `hash`, and the count of all events up to its
`last_event_id`; it is signed with HMAC-SHA256 under a key kept outside the database
(`QITONG_LEDGER_KEY`) and links to the previous checkpoint's signature. `ledger_verify` then
reports a chain whose anchored event is gone (a truncated tail), a chain with no events left
(a missing chain), and an event count lower than anchored (events deleted anywhere).

What a checkpoint cannot show is its own removal with everything after it; `checkpoints_export`
writes them as JSON lines for write-once storage outside the database, and `verify --against`
compares against such an export.

Events newer than `QITONG_LEDGER_CHECKPOINT_LAG_SECONDS` are left to the next checkpoint, so a
transaction still committing an event with a lower id cannot be missed by both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Subquery

from qitong.core import clock
from qitong.ledger.models import Checkpoint, CheckpointHead, Event


def _key() -> bytes:
    """The signing key: QITONG_LEDGER_KEY, else one derived from SECRET_KEY (also outside the
    database). Production settings require QITONG_LEDGER_KEY."""
    explicit = str(getattr(settings, "QITONG_LEDGER_KEY", "") or "")
    if explicit:
        return explicit.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"qitong-ledger-checkpoint", "sha256").digest()


def key_id() -> str:
    """Names the key (not secret) so a rotation shows in every checkpoint."""
    return hashlib.sha256(b"key-id:" + _key()).hexdigest()[:12]


def _heads_digest(heads: Iterable[tuple[str, str, int, str]]) -> str:
    digest = hashlib.sha256()
    for subject_type, subject_id, seq, head_hash in sorted(heads):
        digest.update(f"{subject_type}\t{subject_id}\t{seq}\t{head_hash}\n".encode())
    return digest.hexdigest()


def _message(cp: Checkpoint) -> bytes:
    return json.dumps(
        {
            "number": cp.number,
            "created_at": cp.created_at.astimezone(dt.UTC).isoformat(),
            "last_event_id": cp.last_event_id,
            "events": cp.events,
            "chains": cp.chains,
            "heads_digest": cp.heads_digest,
            "previous": cp.previous_signature,
            "key_id": cp.key_id,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def _sign(cp: Checkpoint) -> str:
    return hmac.new(_key(), _message(cp), "sha256").hexdigest()


def checkpoint_create() -> Checkpoint | None:
    """Anchor every chain that grew since the last checkpoint; None if nothing did."""
    lag = int(getattr(settings, "QITONG_LEDGER_CHECKPOINT_LAG_SECONDS", 300))
    now = clock.now()
    with transaction.atomic():
        last = Checkpoint.objects.select_for_update().order_by("-number").first()
        since = last.last_event_id if last else 0
        settled = Event.objects.filter(occurred_at__lt=now - dt.timedelta(seconds=lag))
        upto = settled.filter(id__gt=since).aggregate(m=Max("id"))["m"]
        if upto is None:
            return None
        # A chain's head is its event with the highest id: seq n+1 is inserted only once seq
        # n has committed (the unique (subject, seq) constraint), so ids grow with seq.
        last_ids = (
            Event.objects.filter(id__gt=since, id__lte=upto)
            .values("subject_type", "subject_id")
            .annotate(top=Max("id"))
            .values("top")
        )
        heads = list(
            Event.objects.filter(id__in=Subquery(last_ids)).values_list(
                "subject_type", "subject_id", "seq", "hash"
            )
        )
        cp = Checkpoint(
            number=(last.number + 1) if last else 1,
            created_at=now,
            last_event_id=upto,
            events=Event.objects.filter(id__lte=upto).count(),
            chains=Event.objects.filter(id__lte=upto)
            .values("subject_type", "subject_id")
            .distinct()
            .count(),
            heads_digest=_heads_digest(heads),
            previous_signature=last.signature if last else "",
            key_id=key_id(),
        )
        cp.signature = _sign(cp)
        cp.save()
        CheckpointHead.objects.bulk_create(
            [
                CheckpointHead(checkpoint=cp, subject_type=t, subject_id=i, seq=s, hash=h)
                for t, i, s, h in heads
            ],
            batch_size=2000,
        )
    return cp


def checkpoint_due() -> Checkpoint | None:
    """The periodic job: a checkpoint when the last is older than the interval."""
    every = int(getattr(settings, "QITONG_LEDGER_CHECKPOINT_SECONDS", 3600))
    last = Checkpoint.objects.order_by("-number").first()
    if last and last.created_at > clock.now() - dt.timedelta(seconds=every):
        return None
    return checkpoint_create()


@dataclass(frozen=True)
class Finding:
    """One thing the checkpoints show is wrong, in words an auditor can act on."""

    kind: str  # signature | link | digest | count | missing_chain | missing_tail | changed
    where: str
    detail: str

    def describe(self) -> str:
        return f"{self.where}：{self.detail}"


def _latest_heads() -> Any:
    """Per chain, the head of the newest checkpoint that anchored it."""
    newer = CheckpointHead.objects.filter(
        subject_type=OuterRef("subject_type"),
        subject_id=OuterRef("subject_id"),
        checkpoint__number__gt=OuterRef("checkpoint__number"),
    )
    return CheckpointHead.objects.annotate(superseded=Exists(newer)).filter(superseded=False)


def checkpoints_verify(limit: int = 50) -> list[Finding]:
    """Every finding (up to `limit` of them): signatures and links first, then heads."""
    findings: list[Finding] = []
    previous = ""
    last: Checkpoint | None = None
    for cp in Checkpoint.objects.order_by("number").iterator():
        where = f"检查点 #{cp.number}"
        if not hmac.compare_digest(_sign(cp), cp.signature):
            findings.append(Finding("signature", where, "签名不符（检查点被改动，或签名密钥不同）"))
        if cp.previous_signature != previous:
            findings.append(
                Finding("link", where, "与上一个检查点的链接不符（检查点缺失或被改动）")
            )
        heads = CheckpointHead.objects.filter(checkpoint=cp).values_list(
            "subject_type", "subject_id", "seq", "hash"
        )
        if _heads_digest(heads) != cp.heads_digest:
            findings.append(Finding("digest", where, "锚定的链头与摘要不符（链头记录被改动）"))
        previous, last = cp.signature, cp
    if last is not None:
        present = Event.objects.filter(id__lte=last.last_event_id).count()
        if present < last.events:
            findings.append(
                Finding(
                    "count",
                    f"检查点 #{last.number}",
                    f"事件编号 ≤ {last.last_event_id} 的事件应有 {last.events} 条，现有 {present} 条"
                    f"（{last.events - present} 条被删除）",
                )
            )
    findings.extend(_head_findings(limit - len(findings)))
    return findings[:limit]


def _head_findings(limit: int) -> Iterator[Finding]:
    """Anchored heads whose event is gone or different, naming the chain."""
    if limit <= 0:
        return
    same = Event.objects.filter(
        subject_type=OuterRef("subject_type"),
        subject_id=OuterRef("subject_id"),
        seq=OuterRef("seq"),
        hash=OuterRef("hash"),
    )
    broken = (
        _latest_heads()
        .annotate(intact=Exists(same))
        .filter(intact=False)
        .select_related("checkpoint")
        .order_by("subject_type", "subject_id")[:limit]
    )
    for head in broken:
        chain = f"{head.subject_type}:{head.subject_id}"
        events = Event.objects.filter(subject_type=head.subject_type, subject_id=head.subject_id)
        top = events.aggregate(m=Max("seq"))["m"]
        anchored = f"检查点 #{head.checkpoint.number} 锚定到第 {head.seq} 条"
        if top is None:
            yield Finding("missing_chain", chain, f"整条链缺失（{anchored}，现在没有任何事件）")
        elif top < head.seq:
            yield Finding(
                "missing_tail",
                chain,
                f"链尾缺失：第 {top + 1}–{head.seq} 条不在了（{anchored}，现只到第 {top} 条）",
            )
        else:
            yield Finding("changed", chain, f"第 {head.seq} 条的哈希与锚定的不符（{anchored}）")


def checkpoints_export(path: Path, *, after: int = 0) -> int:
    """Append checkpoints numbered above `after` (with their heads) to `path` as JSON lines;
    returns how many were written. Keep the file on write-once storage."""
    written = 0
    with path.open("a", encoding="utf-8") as out:
        for cp in Checkpoint.objects.filter(number__gt=after).order_by("number").iterator():
            heads = list(
                CheckpointHead.objects.filter(checkpoint=cp)
                .order_by("subject_type", "subject_id")
                .values_list("subject_type", "subject_id", "seq", "hash")
            )
            record = json.loads(_message(cp)) | {"signature": cp.signature, "heads": heads}
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            written += 1
    return written


def checkpoints_compare(path: Path) -> list[Finding]:
    """An exported copy against the database: a checkpoint the export has and the database
    lost (or holds differently) is a finding."""
    findings: list[Finding] = []
    stored = {cp.number: cp.signature for cp in Checkpoint.objects.all()}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        number, signature = int(record["number"]), str(record["signature"])
        where = f"检查点 #{number}"
        if number not in stored:
            findings.append(Finding("link", where, "导出副本中有、数据库中已没有（检查点被删除）"))
        elif stored[number] != signature:
            findings.append(Finding("signature", where, "与导出副本的签名不符（检查点被替换）"))
    return findings
