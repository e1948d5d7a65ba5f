"""How the supervision pages word a quarter: 2026Q3 → 2026 年第 3 季度."""

from __future__ import annotations

from django import template

from qitong.supervision.inputs import quarter_bounds

register = template.Library()


@register.filter
def quarter_label(code: object) -> str:
    text = str(code or "")
    if quarter_bounds(text) is None:
        return text
    return f"{text[:4]} 年第 {text[5]} 季度"
