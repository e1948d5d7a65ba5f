"""Reference data of the registry, kept by administrators: the zones (with an optional
boundary, checked as a valid GeoJSON polygon) and the list of assessment items."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin

from qitong.area_assessments.geo import check_boundary
from qitong.area_assessments.models import AssessmentType, Zone


class ZoneForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Zone
        fields = [
            "code",
            "name",
            "level",
            "region",
            "managing_body",
            "area_km2",
            "boundary",
            "active",
        ]

    def clean_boundary(self) -> Any:
        raw = self.cleaned_data.get("boundary")
        if raw in (None, "", {}):
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise forms.ValidationError("边界应为 GeoJSON（JSON）") from None
        geometry, why = check_boundary(raw)
        if why:
            raise forms.ValidationError(why)
        return geometry


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ZoneForm
    list_display = ["name", "level", "region", "managing_body", "active"]
    list_filter = ["level", "active"]
    search_fields = ["name", "code"]


@admin.register(AssessmentType)
class AssessmentTypeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code", "department", "validity_months", "sort_order", "active"]
    list_editable = ["validity_months", "sort_order", "active"]
