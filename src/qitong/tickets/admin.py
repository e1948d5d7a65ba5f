"""Administrators edit the category tree and the SLA policies (ledgered); tickets themselves are
read-only here — every change to a ticket goes through tickets.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from qitong.directory.admin import EXCEL_CHANGE_LIST, ExcelAdminMixin
from qitong.directory.models import Department
from qitong.ledger.modeladmin import (
    ActivatableModelAdmin,
    LedgeredModelAdmin,
    ReadOnlyAdmin,
    request_actor,
)
from qitong.tickets import catalogue
from qitong.tickets.models import CatalogueVersion, Category, DispatchRule, Offer, SlaPolicy, Ticket


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


class DispatchRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    assisting_departments = forms.ModelMultipleChoiceField(
        label="协办单位",
        queryset=Department.objects.filter(active=True).order_by("region__code", "name"),
        required=False,
        widget=FilteredSelectMultiple("协办单位", is_stacked=False),
    )

    class Meta:
        model = DispatchRule
        fields = ("region", "category", "lead", "basis", "active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["assisting_departments"].initial = list(self.instance.assisting or [])
        self.fields["lead"].queryset = Department.objects.filter(active=True)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead = data.get("lead")
        helpers = list(data.get("assisting_departments") or [])
        if lead is not None and any(d.pk == lead.pk for d in helpers):
            self.add_error("assisting_departments", "协办单位不能与主办单位相同")
        self.instance.assisting = [d.pk for d in helpers]
        return data


@admin.register(DispatchRule)
class DispatchRuleAdmin(ExcelAdminMixin, ActivatableModelAdmin):
    """The 派单目录: each save, (de)activation or Excel import is a new catalogue version."""

    form = DispatchRuleForm
    change_list_template = EXCEL_CHANGE_LIST
    list_display = ("region", "category", "lead", "basis", "active", "version")
    list_filter = ("active", "region__level", "category__parent")
    search_fields = (
        "region__name",
        "region__code",
        "category__name",
        "category__code",
        "lead__name",
    )
    list_select_related = ("region", "category", "lead")
    autocomplete_fields = ("region", "lead")
    excel_stem = "派单目录"
    excel_export = staticmethod(catalogue.export_rules)
    excel_import = staticmethod(catalogue.import_rules)
    export_queryset = staticmethod(catalogue.export_queryset)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        action = "修改" if change else "新增"
        obj.version = catalogue.new_version(f"管理后台{action}：{obj}", request_actor(request))
        super().save_model(request, obj, form, change)
        catalogue.finish_version(obj.version)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Any], value: bool) -> int:
        with transaction.atomic():
            verb = "启用" if value else "停用"
            number = catalogue.new_version(f"管理后台批量{verb}", request_actor(request))
            chosen = list(queryset.filter(active=not value).values_list("pk", flat=True))
            count = super()._set_active(request, queryset, value)
            DispatchRule.objects.filter(pk__in=chosen).update(version=number)
            catalogue.finish_version(number)
        return count


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "note", "rules", "created_by", "created_at")
