"""Template helpers of the hotline dashboards."""

from __future__ import annotations

from typing import Any

from django import template

from qitong.dashboards.hotline import Rate, UnitStats

register = template.Library()


@register.inclusion_tag("dashboards/_rate_cell.html")
def rate_cell(stats: UnitStats, rate: Rate) -> dict[str, Any]:
    """A unit's rate with its numerator and denominator, each linked to its tickets."""
    return {
        "rate": rate,
        "value": stats.rates[rate.key],
        "numerator": stats.counts.get(rate.numerator, 0),
        "denominator": stats.counts.get(rate.denominator, 0),
        "numerator_url": stats.drill(rate.numerator),
        "denominator_url": stats.drill(rate.denominator),
    }
