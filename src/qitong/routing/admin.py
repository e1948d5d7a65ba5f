from django.contrib import admin

from qitong.ledger.modeladmin import LedgeredModelAdmin, ReadOnlyAdmin
from qitong.routing.models import Pairing, RoutingStep


@admin.register(RoutingStep)
class RoutingStepAdmin(LedgeredModelAdmin):
    """The steps routing tries in order and how long each offer waits (edits are ledgered)."""

    list_display = ("position", "kind", "timeout_minutes", "active")
    list_editable = ()
    ordering = ("position",)


@admin.register(Pairing)
class PairingAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "specialist", "active", "paired_at", "paired_by", "ended_at")
    list_filter = ("active",)
    search_fields = ("enterprise__name", "enterprise__credit_code", "specialist__name")
    list_select_related = ("enterprise", "specialist", "paired_by")
