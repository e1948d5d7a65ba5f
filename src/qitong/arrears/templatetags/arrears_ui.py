"""Money as the clearance figures are read: 万元 with two decimals (the exact 元 beside it)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def wan(value: Any) -> str:
    """2420000 → "242.00" (万元); "" for what is not an amount."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    return f"{amount / Decimal(10000):,.2f}"


@register.filter
def yuan(value: Any) -> str:
    """2420000 → "2,420,000.00"."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return ""
