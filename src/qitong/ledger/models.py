"""The append-only, hash-chained event ledger (电子化工作台账).

One chain per subject (a ticket, a department, a user ...): `seq` counts from 1 and each event's
`prev_hash` is the `hash` of the event before it in the same chain. Per-subject chains let
unrelated work append concurrently and shard by region later; the unique (subject, seq)
constraint makes two writers racing on one subject collide instead of forking the chain.
Only `ledger.services` writes here; database triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

from django.db import models

GENESIS_HASH = "0" * 64


class Event(models.Model):
    subject_type = models.CharField("对象类型", max_length=40)
    subject_id = models.CharField("对象标识", max_length=64)
    seq = models.PositiveIntegerField("序号")
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    actor_display = models.CharField("操作人", max_length=100)
    actor_role = models.CharField("角色", max_length=40, blank=True)
    action = models.CharField("动作", max_length=60)
    from_state = models.CharField("原状态", max_length=40, blank=True)
    to_state = models.CharField("新状态", max_length=40, blank=True)
    payload = models.JSONField("内容", default=dict, blank=True)
    prev_hash = models.CharField("前一哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = "台账事件"
        verbose_name_plural = "台账事件"
        ordering = ["subject_type", "subject_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "seq"], name="ledger_event_subject_seq"
            ),
            # A constraint rather than unique=True: PostgreSQL then builds no second
            # varchar_pattern_ops index (~480 MB at a million tickets, never used).
            models.UniqueConstraint(fields=["hash"], name="ledger_event_hash_unique"),
        ]
        indexes = [models.Index(fields=["actor_id", "occurred_at"], name="ledger_actor_time")]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id}#{self.seq} {self.action}"


class Checkpoint(models.Model):
    """A signed anchor of the chain heads (ledger.checkpoints): written hourly by the worker
    and by `qitong ledger checkpoint`; `qitong ledger verify` checks the ledger against it."""

    number = models.PositiveIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    last_event_id = models.BigIntegerField("覆盖到事件 ID")
    events = models.BigIntegerField("事件数")
    chains = models.BigIntegerField("链数")
    heads_digest = models.CharField("链头摘要", max_length=64)
    previous_signature = models.CharField("上一检查点签名", max_length=64, blank=True)
    key_id = models.CharField("密钥标识", max_length=12)
    signature = models.CharField("签名（HMAC-SHA256）", max_length=64)

    class Meta:
        verbose_name = "台账检查点"
        verbose_name_plural = "台账检查点"
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"检查点 #{self.number}"


class CheckpointHead(models.Model):
    """One chain's head as a checkpoint anchored it (only chains that grew since the last)."""

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name="检查点", on_delete=models.PROTECT, related_name="heads"
    )
    subject_type = models.CharField("对象类型", max_length=40)
    subject_id = models.CharField("对象标识", max_length=64)
    seq = models.PositiveIntegerField("序号")
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = "检查点链头"
        verbose_name_plural = "检查点链头"
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="ledger_head_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id}#{self.seq}"
