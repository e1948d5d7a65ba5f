from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qitong.accounts.actor import actor_of
from qitong.accounts.roles import Role
from qitong.core import clock
from qitong.core.access import role_required
from qitong.directory.models import PolicyDomain
from qitong.routing.stats import specialist_stats


@role_required(Role.DESK_LEAD, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
def stats(request: HttpRequest) -> HttpResponse:
    """Per specialist and per domain: offers, acceptance, time to answer, satisfaction."""
    days = request.GET.get("days", "30")
    days_n = int(days) if days.isdigit() and 1 <= int(days) <= 366 else 30
    people, domains = specialist_stats(
        actor=actor_of(request.user), since=clock.now() - dt.timedelta(days=days_n)
    )
    names = dict(PolicyDomain.objects.values_list("code", "name"))
    for line in domains:
        line.label = names.get(line.key, line.key or "未分领域")
    return render(
        request, "routing/stats.html", {"people": people, "domains": domains, "days": days_n}
    )
