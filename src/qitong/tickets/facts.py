"""What the hotline counts of a ticket (受理、派单、按时签收、回访解决、满意 …), defined ONCE.

Each fact is a filter (`Q`) and the same test on a loaded ticket. The filter serves the
ticket list (a dashboard figure drills down to `?fact=<key>`) and the full recount; the test
serves the rollup kept in the ticket's own transaction (tickets.rollup). The two agree by
test (tests/test_hotline_rollup.py: the rollup equals a recount after random actions).

Facts describe the ticket as it is now and never depend on the clock, so a day's row in the
rollup changes only when one of its tickets does: a ticket counts on the day it was created
(受理日), in its 盟市, for its current lead department (the one that answers for it) and
the desk that took it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from qitong.tickets.models import Ticket
from qitong.tickets.states import Channel, Satisfaction, TicketState, TicketType

ONLINE_CHANNELS = frozenset({Channel.WEB, Channel.APP, Channel.MENGQITONG, Channel.WECHAT})
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.VERY_SATISFIED)  # 满意 + 非常满意

# 答复用时 (working hours from dispatch to the lead department's reply) in buckets: the
# rollup keeps how many replies fall in each, so a P90 is read from the counts.
REPLY_BUCKET_HOURS = (4, 8, 16, 24, 40, 80, 120)


@dataclass(frozen=True)
class Fact:
    key: str  # the rollup's column and the list's ?fact= value
    label: str  # how a list filtered on it is titled
    q: Q
    test: Callable[[Ticket], bool]


def _is(field: str, value: str) -> Callable[[Ticket], bool]:
    return lambda t: bool(getattr(t, field) == value)


def _bucket_test(low: int, high: int | None) -> Callable[[Ticket], bool]:
    def test(t: Ticket) -> bool:
        m = t.reply_minutes
        return m is not None and (m > low * 60 or low == 0) and (high is None or m <= high * 60)

    return test


def _bucket_q(low: int, high: int | None) -> Q:
    q = Q(reply_minutes__gt=low * 60) if low else Q(reply_minutes__gte=0)
    return q & Q(reply_minutes__lte=high * 60) if high is not None else q


def _buckets() -> list[Fact]:
    bounds = [0, *REPLY_BUCKET_HOURS]
    return [
        Fact(
            f"reply_h{high}" if high else "reply_hmore",
            f"答复用时 {low}–{high} 工作小时" if high else f"答复用时超过 {low} 工作小时",
            _bucket_q(low, high),
            _bucket_test(low, high),
        )
        for low, high in zip(bounds, [*REPLY_BUCKET_HOURS, None], strict=True)
    ]


FACTS: list[Fact] = [
    Fact("created", "全部工单", Q(pk__isnull=False), lambda t: True),
    Fact(
        "online",
        "线上提交",
        Q(channel__in=sorted(ONLINE_CHANNELS)),
        lambda t: t.channel in ONLINE_CHANNELS,
    ),
    Fact(
        "dispatched",
        "已派单",
        Q(dispatched_at__isnull=False),
        lambda t: t.dispatched_at is not None,
    ),
    Fact("signed", "已签收", Q(signed_at__isnull=False), lambda t: t.signed_at is not None),
    Fact("signed_on_time", "按时签收", Q(signed_on_time=True), lambda t: t.signed_on_time is True),
    Fact("replied", "已答复", Q(replied_at__isnull=False), lambda t: t.replied_at is not None),
    Fact(
        "replied_on_time", "按时答复", Q(replied_on_time=True), lambda t: t.replied_on_time is True
    ),
    Fact("called_back", "已回访", Q(resolved__isnull=False), lambda t: t.resolved is not None),
    Fact("resolved", "回访已解决", Q(resolved=True), lambda t: t.resolved is True),
    Fact(
        "rated", "已评价满意度", Q(satisfaction__isnull=False), lambda t: t.satisfaction is not None
    ),
    Fact(
        "satisfied",
        "满意及非常满意",
        Q(satisfaction__in=SATISFIED),
        lambda t: t.satisfaction in SATISFIED,
    ),
    Fact("extended", "延期过", Q(extension_days__gt=0), lambda t: t.extension_days > 0),
    Fact("returned", "退单过", Q(returned_count__gt=0), lambda t: t.returned_count > 0),
    Fact("redone", "重办过", Q(redo_count__gt=0), lambda t: t.redo_count > 0),
    Fact(
        "first_call",
        "首呼解决",
        Q(first_contact_resolution=True),
        lambda t: t.first_contact_resolution,
    ),
    Fact("closed", "已办结", Q(state=TicketState.CLOSED), lambda t: t.state == TicketState.CLOSED),
    *(
        Fact(f"type_{v}", f"{label}类", Q(type=v), _is("type", v))
        for v, label in TicketType.choices
    ),
    *(
        Fact(f"channel_{v}", f"来自{label}", Q(channel=v), _is("channel", v))
        for v, label in Channel.choices
    ),
    *_buckets(),
]
BY_KEY = {f.key: f for f in FACTS}
COUNTED = [f.key for f in FACTS]
