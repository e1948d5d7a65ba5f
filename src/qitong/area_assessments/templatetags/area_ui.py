"""Template helpers of the area-assessment pages."""

from __future__ import annotations

from typing import Any

from django import template

from qitong.accounts.actor import actor_of
from qitong.area_assessments.selectors import acting, reads_figures

register = template.Library()


@register.simple_tag
def reads_area_figures(user: Any) -> bool:
    """The data bureau, supervisors and global readers see the registry's figures."""
    if not getattr(user, "is_authenticated", False):
        return False
    return reads_figures(acting(actor_of(user)))
