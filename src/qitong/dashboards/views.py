"""Role home pages (each role lands on its own; see core.navigation). The ticket queues on
them come from dashboards.selectors, scoped by tickets_visible_to; every number shown is
counted from data that exists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.arrears.stats import arrears_stats
from qitong.core import clock
from qitong.core.access import role_required
from qitong.core.bounds import whole_number
from qitong.core.paging import PAGE_SIZE, page_number, pager
from qitong.dashboards import selectors
from qitong.dashboards.gaps import READERS as GAP_READERS
from qitong.dashboards.gaps import gaps_report
from qitong.dashboards.hotline_views import supervisor_context
from qitong.dashboards.specialists import specialist_stats as specialist_stats_of
from qitong.directory.models import Language, PolicyDomain
from qitong.enterprises.selectors import enterprises_visible_to
from qitong.knowledge.selectors import unhelpful_articles
from qitong.ledger.services import ledger_verify
from qitong.routing.services import specialist_set_duty
from qitong.tickets import queues
from qitong.tickets.forms import IntakeForm
from qitong.tickets.models import Offer, OfferState
from qitong.tickets.presenters import plain_state, promised_due


def _render(
    request: HttpRequest,
    page: str,
    context: dict[str, Any],
    *,
    partials: dict[str, str],
    page_context: Callable[[], dict[str, Any]] | None = None,
) -> HttpResponse:
    """One place decides partial vs whole page (STYLE habit 7): an htmx request aimed at a
    known element gets just that fragment; anything else, including boosted links, the page.
    `page_context` adds what only the whole page needs, so a fragment does not pay for it."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted and htmx.target in partials:
        return render(request, partials[htmx.target], context)
    if page_context is not None:
        context = {**context, **page_context()}
    return render(request, page, context)


@role_required(Role.OPERATOR, Role.DESK_LEAD)
def desk(request: HttpRequest) -> HttpResponse:
    """Caller lookup, the intake form and the desk's queues (scoped to its jurisdiction)."""
    user = user_of(request)
    actor = actor_of(user)
    lookup = selectors.caller_lookup(user=user, q=request.GET.get("q", ""))
    htmx = getattr(request, "htmx", None)
    wants_queues = not (htmx and not htmx.boosted and htmx.target == "caller-results")

    def page_context() -> dict[str, Any]:
        return {
            "desk": user.desk if user.role in DESK_ROLES else None,
            "jurisdiction": user.scope_region(),
            "enterprise_count": enterprises_visible_to(user).count(),
            "intake_form": IntakeForm(),
        }

    return _render(
        request,
        "dashboards/desk.html",
        {
            "lookup": lookup,
            "queues": queues.desk_queues(actor=actor) if wants_queues else [],
        },
        partials={
            "caller-results": "dashboards/_caller_results.html",
            "desk-queues": "dashboards/_desk_queues.html",
        },
        page_context=page_context,
    )


@role_required(Role.HANDLER, Role.DEPT_LEADER)
def department(request: HttpRequest) -> HttpResponse:
    """The department inbox: tabs with counts (one aggregate), the current tab's page of
    tickets sorted by deadline. Confidential tickets never show who complained."""
    user = user_of(request)
    actor = actor_of(user)
    dept = user.department
    counts = queues.department_tab_counts(actor=actor)
    tabs = [
        t
        for t in queues.department_tab_defs()
        # 待审签 only where replies are signed off (or drafts are still waiting after a change)
        if t.key != "signoff" or counts["signoff"] or (dept and dept.reply_needs_signoff)
    ]
    keys = [t.key for t in tabs]
    current = request.GET.get("tab", keys[0])
    if current not in keys:
        current = keys[0]
    page = page_number(request)
    queue = queues.department_tab(
        actor=actor, key=current, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    context = {
        "department": dept,
        "tabs": [(t.key, t.title, counts[t.key]) for t in tabs],
        "current_tab": current,
        "queue": queue,
        "pager": pager(page, queue.total),
    }
    return _render(
        request,
        "dashboards/department.html",
        context,
        partials={"dept-inbox": "dashboards/_department_tab.html"},
        page_context=lambda: {
            "staff_count": selectors.department_staff_count(department=dept) if dept else 0
        },
    )


@role_required(Role.SPECIALIST)
def specialist(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    profile = selectors.specialist_profile(user=user)
    languages = [
        Language(code).label if code in Language.values else code
        for code in (profile.languages if profile else [])
    ]
    actor = actor_of(user)
    offers = queues.specialist_offers(actor=actor)
    expiry = dict(
        Offer.objects.filter(
            ticket_id__in=[r.ticket.pk for r in offers.rows], state=OfferState.PENDING
        ).values_list("ticket_id", "expires_at")
    )
    return render(
        request,
        "dashboards/specialist.html",
        {
            "profile": profile,
            "languages": languages,
            "offers": offers,
            "offer_expiry": expiry,
            "queue": queues.specialist_queue(actor=actor),
        },
    )


@role_required(Role.SPECIALIST)
@require_POST
def specialist_duty(request: HttpRequest) -> HttpResponse:
    """在岗 / 离岗: off duty, no new offers come (held consultations stay)."""
    on_duty = request.POST.get("on_duty") == "1"
    specialist_set_duty(user=user_of(request), on_duty=on_duty)
    messages.success(
        request, "已切换为在岗，可以接收新的咨询" if on_duty else "已离岗，不再接收新的咨询"
    )
    return redirect("dashboards:specialist")


@role_required(Role.ENTERPRISE)
def enterprise(request: HttpRequest) -> HttpResponse:
    """The enterprise's own appeals, newest first, in plain words."""
    user = user_of(request)
    ent = enterprises_visible_to(user).select_related("region__parent").first()
    page = page_number(request)
    tickets, total = queues.enterprise_tickets(
        actor=actor_of(user), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    rows = [{"ticket": t, "state": plain_state(t), "due": promised_due(t)} for t in tickets]
    return render(
        request,
        "dashboards/enterprise.html",
        {"enterprise": ent, "rows": rows, "pager": pager(page, total), "total": total},
    )


@role_required(Role.SUPERVISOR)
def supervisor(request: HttpRequest) -> HttpResponse:
    region = user_of(request).scope_region()
    rows = selectors.supervision_overview(region=region)
    totals = {
        name: sum(getattr(row, name) for row in rows)
        for name in ("departments", "desks", "specialists", "enterprises")
    }
    context: dict[str, Any] = {"region": region, "rows": rows, "totals": totals}
    context["arrears"] = arrears_stats(actor_of(user_of(request)), top=5)  # 清欠进度, today
    return render(request, "dashboards/supervisor.html", {**context, **supervisor_context(request)})


@role_required(Role.ADMIN)
def admin_home(request: HttpRequest) -> HttpResponse:
    context = {
        "counts": selectors.configuration_counts(),
        "roles": selectors.users_per_role(),
    }
    return render(request, "dashboards/admin.html", context)


@role_required(Role.AUDITOR)
def auditor(request: HttpRequest) -> HttpResponse:
    """The ledger, verified, with filters (subject, actor, action, dates) in the URL."""
    get = request.GET

    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(get.get(name, "").strip()) if get.get(name) else None
        except ValueError:
            return None

    filters = selectors.LedgerFilter(
        subject_type=get.get("subject_type", "").strip(),
        subject=get.get("subject", "").strip(),
        actor=get.get("actor", "").strip(),
        action=get.get("action", "").strip(),
        date_from=day("from"),
        date_to=day("to"),
    )
    page = selectors.ledger_events(filters=filters, page=page_number(request))
    query = get.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "events": page.rows,
        "filters": filters,
        "subject_types": selectors.ledger_subject_types(),
        "query": query.urlencode(),
        "verify": ledger_verify(),
    }
    return render(request, "dashboards/auditor.html", context)


@role_required(*GAP_READERS)
def gaps(request: HttpRequest) -> HttpResponse:
    actor = actor_of(user_of(request))
    days = request.GET.get("days", "90")
    days_n = whole_number(days, 366) or 90
    since = clock.now() - dt.timedelta(days=days_n)
    return render(
        request,
        "dashboards/gaps.html",
        {
            "groups": gaps_report(actor=actor, since=since),
            "unhelpful": unhelpful_articles(actor=actor),
            "days": days_n,
        },
    )


@role_required(Role.DESK_LEAD, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
def specialist_stats(request: HttpRequest) -> HttpResponse:
    """Per specialist and per domain: offers, acceptance, time to answer, satisfaction."""
    days = request.GET.get("days", "30")
    days_n = whole_number(days, 366) or 30
    people, domains = specialist_stats_of(
        actor=actor_of(user_of(request)), since=clock.now() - dt.timedelta(days=days_n)
    )
    names = dict(PolicyDomain.objects.values_list("code", "name"))
    for line in domains:
        line.label = names.get(line.key, line.key or "未分领域")
    return render(
        request,
        "dashboards/specialist_stats.html",
        {"people": people, "domains": domains, "days": days_n},
    )
