"""Read-only admin for the ledger: auditors and administrators browse and search it, nobody
edits it here (the database would refuse anyway; the admin does not even offer it)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from qitong.ledger.canonical import HASHED_FIELDS
from qitong.ledger.models import Checkpoint, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "occurred_at",
        "subject_type",
        "subject_id",
        "seq",
        "action",
        "from_state",
        "to_state",
        "actor_display",
        "actor_role",
        "short_hash",
    )
    list_filter = ("subject_type", "action", "actor_role", "occurred_at")
    search_fields = ("subject_id", "actor_display", "action", "hash")
    date_hierarchy = "occurred_at"
    ordering = ("-occurred_at", "-id")
    list_per_page = 100
    # Counting a large ledger on every page view is slow on PostgreSQL; the pager does without.
    show_full_result_count = False
    readonly_fields = (*HASHED_FIELDS, "hash")

    @admin.display(description="哈希")
    def short_hash(self, obj: Event) -> str:
        return obj.hash[:12] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The signed checkpoints, to read (written by the worker and `qitong ledger checkpoint`)."""

    list_display = ("number", "created_at", "last_event_id", "events", "chains", "key_id")
    ordering = ("-number",)
    readonly_fields = (
        "number",
        "created_at",
        "last_event_id",
        "events",
        "chains",
        "heads_digest",
        "previous_signature",
        "key_id",
        "signature",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Checkpoint | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Checkpoint | None = None) -> bool:
        return False
