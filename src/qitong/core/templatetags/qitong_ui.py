"""Template helpers shared by every page: navigation links, form fields, masking, labels."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.urls import NoReverseMatch, reverse

from qitong.core.navigation import NavItem
from qitong.core.privacy import mask_phone

register = template.Library()


register.filter("mask_phone", mask_phone)


@register.filter
def get_item(mapping: object, key: object) -> object:
    """mapping[key] in a template (None when absent or not a mapping)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.simple_tag
def nav_url(item: NavItem) -> str:
    try:
        return reverse(item.url_name)
    except NoReverseMatch:
        return "#"


@register.simple_tag(takes_context=True)
def is_current(context: template.Context, item: NavItem) -> bool:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    if match.view_name == item.url_name:
        return True
    # The admin site's pages all belong to its one nav item.
    return item.url_name.startswith("admin:") and match.namespace == "admin"


@register.inclusion_tag("includes/field.html")
def field(bound: BoundField, **attrs: Any) -> dict[str, Any]:
    """One labelled form field with its errors in red right beside it (and an error slot
    with a stable id, so an htmx response can fill it out of band)."""
    widget_attrs = dict(attrs)
    if bound.errors:
        widget_attrs["aria-invalid"] = "true"
    widget_attrs["aria-describedby"] = f"err-{bound.auto_id}"
    return {"field": bound, "widget": bound.as_widget(attrs=widget_attrs)}


@register.simple_tag
def admin_warnings() -> list[dict[str, str]]:
    """What the admin home warns about (the same findings as `qitong check`)."""
    from qitong.core.checks import calendar_warning, uncovered_years

    years = uncovered_years()
    if not years:
        return []
    try:
        url = reverse("admin:core_holidayoverride_load")
    except NoReverseMatch:
        url = ""
    return [{"text": calendar_warning(years) + "。", "url": url, "action": "载入年度节假日安排"}]


@register.filter
def percent(value: object) -> str:
    """0.8765 → 87.7%; None (no denominator) → —."""
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
