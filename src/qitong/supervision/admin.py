"""Reference data of the supervision domain (categories, class limits) is admin CRUD, each
change on the ledger; problems, activities and accountability records change only through
their services."""

from __future__ import annotations

from django.contrib import admin

from qitong.ledger.modeladmin import ActivatableModelAdmin, LedgeredModelAdmin
from qitong.supervision.models import ClassLimit, ProblemCategory


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(ActivatableModelAdmin):
    list_display = ("code", "name", "sort_order", "active")
    search_fields = ("code", "name")


@admin.register(ClassLimit)
class ClassLimitAdmin(LedgeredModelAdmin):
    list_display = ("problem_class", "amount", "unit")
