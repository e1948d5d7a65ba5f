"""Administrators keep the reporting units (reference data, ledgered) and a plan's task areas
and thresholds; plans, tasks, unit tasks, measures and reports change only through their
services and actions (each on the ledger): shown here, never edited."""

from __future__ import annotations

from django.contrib import admin

from qitong.ledger.modeladmin import ActivatableModelAdmin, LedgeredModelAdmin, ReadOnlyAdmin
from qitong.reforms.models import (
    ActionPlan,
    LocalPlan,
    Measure,
    ReformTask,
    Report,
    ReportingUnit,
    TaskArea,
    UnitTask,
)


@admin.register(ReportingUnit)
class ReportingUnitAdmin(ActivatableModelAdmin):
    list_display = ("code", "name", "kind", "region", "department", "responsible_body", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "responsible_body")
    list_select_related = ("region", "department")
    autocomplete_fields = ()


@admin.register(TaskArea)
class TaskAreaAdmin(LedgeredModelAdmin):
    list_display = ("plan", "code", "name", "indicator", "sort_order")
    list_filter = ("plan", "indicator")
    search_fields = ("name",)


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnlyAdmin):
    list_display = ("short_name", "name", "doc_number", "issued_on", "deadline", "state")
    list_filter = ("state", "period_kind")
    search_fields = ("name", "short_name", "doc_number")


@admin.register(ReformTask)
class ReformTaskAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "plan", "area", "lead_department", "deadline")
    list_filter = ("plan",)
    search_fields = ("number", "title")
    list_select_related = ("plan", "area", "lead_department")


@admin.register(UnitTask)
class UnitTaskAdmin(ReadOnlyAdmin):
    list_display = ("task", "unit", "state", "progress", "warning", "deadline", "done_on")
    list_filter = ("plan", "state", "warning")
    search_fields = ("task__number", "task__title")
    list_select_related = ("task", "unit")


@admin.register(LocalPlan)
class LocalPlanAdmin(ReadOnlyAdmin):
    list_display = ("name", "unit", "plan", "doc_number", "issued_on", "deadline")
    list_select_related = ("unit", "plan")


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "local_plan", "state", "progress", "deadline")
    list_filter = ("state",)
    search_fields = ("number", "title")
    list_select_related = ("local_plan",)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("period", "unit", "unit_task", "measure", "progress", "state", "submitted_at")
    list_filter = ("state",)
    list_select_related = ("unit", "unit_task__task", "measure")
