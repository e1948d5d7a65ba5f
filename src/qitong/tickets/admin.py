"""Administrators edit the category tree and the SLA policies (ledgered); tickets themselves are
read-only here — every change to a ticket goes through tickets.services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qitong.ledger.modeladmin import ActivatableModelAdmin, LedgeredModelAdmin, ReadOnlyAdmin
from qitong.tickets.models import Category, Offer, SlaPolicy, Ticket


@admin.register(Category)
class CategoryAdmin(ActivatableModelAdmin):
    list_display = ("code", "name", "parent", "sort_order", "active")
    list_filter = ("active", "parent")
    search_fields = ("code", "name")
    list_select_related = ("parent",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(LedgeredModelAdmin):
    list_display = ("ticket_type", "urgency", "milestone", "amount", "unit", "warn_ratio")
    list_filter = ("ticket_type", "urgency", "milestone", "unit")
    list_editable = ()


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Tickets change only through their actions (each on the ledger): shown, never edited."""

    list_display = ("number", "title", "type", "state", "lead_department", "due_at", "created_at")
    list_filter = ("state", "type", "urgency", "channel")
    search_fields = ("number", "title", "enterprise__name", "enterprise__credit_code")
    list_select_related = ("lead_department",)
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over a million rows on every page

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    """Offers are written by the ticket actions only (each on the ledger): shown, never edited."""

    list_display = ("ticket", "specialist", "step", "state", "offered_at", "expires_at")
    list_filter = ("state", "step")
    search_fields = ("ticket__number", "specialist__name")
    list_select_related = ("ticket", "specialist")
