"""Statistics of the one-to-one service per specialist and per policy domain: offers, how
many were accepted, declined or timed out, answers, time from offer to answer, callback
satisfaction. Read from offers and the tickets' ledger (the answer's time is its event)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from qitong.accounts.actor import Actor
from qitong.ledger.models import Event
from qitong.tickets.models import Offer, OfferState, Ticket
from qitong.tickets.transitions import TICKET


@dataclass
class Line:
    key: str
    label: str
    offers: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    answered: int = 0
    hours: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    @property
    def acceptance(self) -> float | None:
        return self.accepted / self.offers if self.offers else None

    @property
    def median_hours(self) -> float | None:
        return round(statistics.median(self.hours), 1) if self.hours else None

    @property
    def satisfaction(self) -> float | None:
        return round(statistics.fmean(self.ratings), 2) if self.ratings else None


def specialist_stats(*, actor: Actor, since: dt.datetime) -> tuple[list[Line], list[Line]]:
    """(per specialist, per domain), busiest first, for offers made since `since` on tickets
    of the actor's jurisdiction."""
    offers = Offer.objects.filter(offered_at__gte=since).select_related("specialist", "ticket")
    if actor.region_prefix:
        offers = offers.filter(ticket__region_code__startswith=actor.region_prefix)
    rows = list(offers)
    ticket_ids = {o.ticket_id for o in rows}
    answered_at = dict(
        Event.objects.filter(
            subject_type=TICKET.name,
            subject_id__in=[str(pk) for pk in ticket_ids],
            action="specialist_reply",
        ).values_list("subject_id", "occurred_at")
    )
    tickets = {
        t.pk: t
        for t in Ticket.objects.filter(pk__in=ticket_ids).only(
            "pk", "specialist_id", "satisfaction", "route_domain"
        )
    }
    people: dict[int, Line] = {}
    domains: dict[str, Line] = {}
    for offer in rows:
        ticket = tickets[offer.ticket_id]
        lines = [
            people.setdefault(
                offer.specialist_id, Line(str(offer.specialist_id), offer.specialist.name)
            ),
            domains.setdefault(
                ticket.route_domain or "", Line(ticket.route_domain or "", ticket.route_domain)
            ),
        ]
        for line in lines:
            line.offers += 1
            line.accepted += offer.state == OfferState.ACCEPTED
            line.declined += offer.state == OfferState.DECLINED
            line.expired += offer.state == OfferState.EXPIRED
        answer = answered_at.get(str(offer.ticket_id))
        if offer.state == OfferState.ACCEPTED and answer is not None:
            for line in lines:
                line.answered += 1
                line.hours.append((answer - offer.offered_at).total_seconds() / 3600)
                if ticket.satisfaction is not None:
                    line.ratings.append(ticket.satisfaction)
    return (
        sorted(people.values(), key=lambda line: (-line.offers, line.label)),
        sorted(domains.values(), key=lambda line: (-line.offers, line.key)),
    )
