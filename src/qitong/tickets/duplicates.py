"""Likely duplicates of an appeal about to be filed: the same enterprise's open appeals of the
last days whose text is nearly the same (going back and submitting a form again, or asking
twice). The enterprise is warned and may still submit; nothing is refused on a guess."""

from __future__ import annotations

import datetime as dt
import difflib
import re

from qitong.core import clock
from qitong.tickets.models import Ticket
from qitong.tickets.states import OPEN_STATES

RECENT_DAYS = 14
SIMILAR = 0.85  # difflib ratio of the normalised texts
CANDIDATES = 20
_SPACE = re.compile(r"[\s，。、,.!！?？;；:：\"'“”‘’（）()]+")


def _normal(text: str) -> str:
    return _SPACE.sub("", text)[:2000]


def likely_duplicates(*, enterprise_id: int, title: str, content: str) -> list[Ticket]:
    """The enterprise's open appeals of the last RECENT_DAYS whose title and content are
    near-identical to these, newest first (one query, a handful of rows compared)."""
    text = _normal(f"{title}{content}")
    if len(text) < 4:
        return []
    since = clock.now() - dt.timedelta(days=RECENT_DAYS)
    recent = Ticket.objects.filter(
        enterprise_id=enterprise_id, state__in=sorted(OPEN_STATES), created_at__gte=since
    ).order_by("-created_at")[:CANDIDATES]
    found = []
    for ticket in recent:
        other = _normal(f"{ticket.title}{ticket.content}")
        if (
            _normal(content) and _normal(content) == _normal(ticket.content)
        ) or difflib.SequenceMatcher(None, text, other).ratio() >= SIMILAR:
            found.append(ticket)
    return found
