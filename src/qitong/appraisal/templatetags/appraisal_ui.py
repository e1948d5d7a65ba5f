"""Template helpers of the appraisal pages."""

from __future__ import annotations

from typing import Any

from django import template

from qitong.accounts.actor import actor_of
from qitong.accounts.roles import Role
from qitong.appraisal.transitions import is_assessor

register = template.Library()


@register.simple_tag
def keeps_boundary(user: Any) -> bool:
    """The assessor (the region's office) or an administrator keeps the map's boundaries."""
    if not getattr(user, "is_authenticated", False):
        return False
    actor = actor_of(user)
    return is_assessor(None, actor) or actor.role == Role.ADMIN
