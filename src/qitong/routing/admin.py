from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qitong.ledger.modeladmin import LedgeredModelAdmin
from qitong.routing.models import Offer, Pairing, RoutingStep


@admin.register(RoutingStep)
class RoutingStepAdmin(LedgeredModelAdmin):
    """The steps routing tries in order and how long each offer waits (edits are ledgered)."""

    list_display = ("position", "kind", "timeout_minutes", "active")
    list_editable = ()
    ordering = ("position",)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows written only by the services (each change on the ledger): shown, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Pairing)
class PairingAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "specialist", "active", "paired_at", "paired_by", "ended_at")
    list_filter = ("active",)
    search_fields = ("enterprise__name", "enterprise__credit_code", "specialist__name")
    list_select_related = ("enterprise", "specialist", "paired_by")


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "specialist", "step", "state", "offered_at", "expires_at")
    list_filter = ("state", "step")
    search_fields = ("ticket__number", "specialist__name")
    list_select_related = ("ticket", "specialist")
