"""Template helpers about accounts: the label of a stored role code."""

from __future__ import annotations

from django import template

from qitong.accounts.roles import Role

register = template.Library()

SYSTEM_ROLE_LABEL = "系统"


@register.filter
def role_label(value: object) -> str:
    """Label of a stored role code (ledger rows keep the code; 'system' is the sweep/CLI)."""
    code = str(value or "")
    if code in Role.values:
        return str(Role(code).label)
    return SYSTEM_ROLE_LABEL if code in {"", "system"} else code
