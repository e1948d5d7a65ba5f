"""Template helpers for ticket pages: state badges in the colour the state set declares
(states.STATE_COLOURS), deadlines with their warning colour and the time left, plain labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from qitong.core import clock
from qitong.core.workdays import deadline_provisional
from qitong.tickets.states import (
    STATE_COLOURS,
    Milestone,
    ProblemCategory,
    ReplyResult,
    RequestKind,
    Satisfaction,
    TicketState,
    TicketType,
    Urgency,
    Warning,
)

register = template.Library()


@register.inclusion_tag("tickets/_state_badge.html")
def state_badge(state: str, label: str = "") -> dict[str, Any]:
    """The state's badge; `label` overrides the wording (the enterprise's plain words)."""
    known = state in TicketState.values
    return {
        "colour": STATE_COLOURS.get(TicketState(state), "grey") if known else "grey",
        "label": label or (TicketState(state).label if known else state),
        "state": state,
    }


@register.inclusion_tag("tickets/_warning_badge.html")
def warning_badge(level: str) -> dict[str, Any]:
    return {"level": level, "label": Warning(level).label if level in Warning.values else level}


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时"
    return f"{max(minutes, 1)} 分钟"


@register.filter
def time_left(at: dt.datetime | None) -> str:
    """剩 2 天 3 小时 / 超期 5 小时, counted from the injected clock."""
    if at is None:
        return ""
    delta = at - clock.now()
    return f"超期 {_span(-delta)}" if delta.total_seconds() < 0 else f"剩 {_span(delta)}"


@register.inclusion_tag("tickets/_due.html")
def due(at: dt.datetime | None, level: str = "green", full: bool = False) -> dict[str, Any]:
    """A deadline in its warning colour, with the time left; `full` adds the year. A deadline
    in a year whose holidays are not loaded yet says it counted plain weekends."""
    local = timezone.localtime(at) if at is not None else None
    provisional = deadline_provisional(at)
    return {
        "at": local,
        "level": level,
        "left": time_left(at),
        # Another year than this one always shows its year (a short 01-18 read as this year).
        "full": full or (local is not None and local.year != timezone.localtime().year),
        "provisional": provisional,
    }


_LABELS: dict[str, Any] = {
    "type": TicketType,
    "urgency": Urgency,
    "milestone": Milestone,
    "problem_category": ProblemCategory,
    "reply_result": ReplyResult,
    "request_kind": RequestKind,
}


@register.filter
def label(value: object, kind: str) -> str:
    """The Chinese label of a stored code: {{ ticket.type|label:"type" }}."""
    choices = _LABELS.get(kind)
    code = str(value or "")
    if choices is None or code not in choices.values:
        return code
    return str(choices(code).label)


@register.filter
def satisfaction_label(value: object) -> str:
    try:
        return str(Satisfaction(int(str(value))).label)
    except (TypeError, ValueError):
        return ""
