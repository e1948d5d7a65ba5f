"""The periodic sweep (DESIGN "Clocks"): remind before a deadline, escalate after it, each once
per milestone run, through the same `ticket_act` service as a person would (actor: system)."""

from __future__ import annotations

import logging

from django.db.models import F, Q

from qitong.core import clock
from qitong.core.errors import DomainError
from qitong.tickets.models import Offer, OfferState, Ticket
from qitong.tickets.selectors import overdue
from qitong.tickets.services import ticket_act
from qitong.tickets.states import CLOCK_RUNNING_STATES, Milestone

logger = logging.getLogger("qitong.sweep")
BATCH = 500  # per run; the next run (a minute later) picks up the rest


def sweep() -> dict[str, int]:
    now = clock.now()
    running = Ticket.objects.filter(state__in=CLOCK_RUNNING_STATES).exclude(milestone="")
    late = running.filter(overdue(now)).exclude(escalated_for=F("milestone"))
    warned = running.filter(Q(warn_at__lte=now), due_at__gte=now).exclude(
        reminded_for=F("milestone")
    )
    counts = {"escalated": 0, "reminded": 0, "rerouted": 0, "skipped": 0}
    # Offers to specialists not accepted in time move on (routing.engine).
    expired = (
        Offer.objects.filter(state=OfferState.PENDING, expires_at__lt=now)
        .order_by("expires_at")
        .values_list("ticket_id", flat=True)[:BATCH]
    )
    for pk in list(dict.fromkeys(expired)):
        try:
            ticket_act(
                ticket_id=pk,
                action="reroute",
                user=None,
                data={"note": "邀请超时未接受，系统转下一位"},
            )
            counts["rerouted"] += 1
        except DomainError as exc:  # accepted or withdrawn meanwhile
            logger.info("sweep skipped ticket %s: %s", pk, exc.message)
            counts["skipped"] += 1
    for action, qs, key in (("escalate", late, "escalated"), ("remind", warned, "reminded")):
        for pk, milestone in qs.order_by("due_at").values_list("pk", "milestone")[:BATCH]:
            label = Milestone(milestone).label
            note = (
                f"系统自动督办：已超过{label}时限"
                if action == "escalate"
                else f"系统自动催办：{label}时限将至"
            )
            try:
                ticket_act(ticket_id=pk, action=action, user=None, data={"note": note})
                counts[key] += 1
            except DomainError as exc:  # changed meanwhile (closed, suspended ...): skip
                logger.info("sweep skipped ticket %s: %s", pk, exc.message)
                counts["skipped"] += 1
    return counts


def recompute_deadlines(year: int) -> int:
    """Queued when `year`'s holidays are loaded (core.workdays.CALENDAR_LOADED_JOBS)."""
    from qitong.tickets.services.actions import deadlines_recompute

    moved = deadlines_recompute(year=year)
    logger.info("recomputed deadlines in %s: %s moved", year, moved)
    return moved
