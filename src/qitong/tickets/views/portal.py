"""The enterprise portal: submit an appeal online, follow it, supply material, withdraw, rate.

An enterprise reads its own tickets only (tickets_visible_to); another enterprise's ticket is
a 404. The timeline is the enterprise-facing one (presenters.timeline): no internal notes and
no staff names.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files import File
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import Role
from qitong.core.access import role_required
from qitong.core.errors import ValidationFailed
from qitong.tickets.duplicates import likely_duplicates
from qitong.tickets.forms import ActionForm, EnterpriseTicketForm
from qitong.tickets.models import Ticket
from qitong.tickets.presenters import (
    attachments_for,
    citations_for,
    plain_state,
    present,
    promised_due,
    timeline,
)
from qitong.tickets.services import TicketInput, ticket_create
from qitong.tickets.states import Channel, Urgency
from qitong.tickets.transitions import PORTAL_ACTIONS
from qitong.tickets.views.common import errors_oob, is_htmx
from qitong.tickets.views.detail import ActionPage, action_forms, run_action, ticket_or_404


def portal_context(ticket: Ticket, actor: Actor, bound: ActionForm | None) -> dict[str, Any]:
    shown = present(ticket, actor)
    allowed = [a for a in shown["allowed_actions"] if a in PORTAL_ACTIONS]
    return {
        "ticket": ticket,
        "shown": shown,
        "plain_state": plain_state(ticket),
        "due": promised_due(ticket),
        "reply_visible": bool(shown["reply_text"]),  # the presenter's rule (reply_visible)
        "timeline": timeline(ticket, actor),
        "attachments": attachments_for(ticket, actor),
        "citations": citations_for(ticket),
        "forms": action_forms(ticket, actor, allowed, bound),
        "act_url_name": "portal:act",
    }


@role_required(Role.ENTERPRISE)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "GET":
        form = EnterpriseTicketForm(initial={"contact_phone": user.phone})
        return render(request, "tickets/portal_new.html", {"form": form})
    form = EnterpriseTicketForm(request.POST, request.FILES)
    form.is_valid()
    data = TicketInput(
        type=form.text("type"),
        category=form.text("category"),
        urgency=Urgency.NORMAL,
        channel=Channel.WEB,
        content=form.text("content"),
        contact_phone=form.text("contact_phone"),
        contact_name=form.text("contact_name"),
        title=form.text("title"),
        problem_category=form.text("problem_category"),
    )
    files: list[File[Any]] = list(request.FILES.getlist("attachments"))
    key = form.text("idempotency_key")
    replay = bool(key) and Ticket.objects.filter(created_by=user, idempotency_key=key).exists()
    if not replay and request.POST.get("confirm_duplicate") != "1" and user.enterprise_id:
        similar = likely_duplicates(
            enterprise_id=user.enterprise_id, title=data.title, content=data.content
        )
        if similar:  # warn first: the same appeal may already be on its way
            context = {"form": form, "duplicates": similar}
            if is_htmx(request):
                return render(request, "tickets/_duplicate_warning.html", context, status=409)
            return render(request, "tickets/portal_new.html", context, status=409)
    try:
        ticket, _ = ticket_create(data=data, user=user, idempotency_key=key, files=files)
    except ValidationFailed as exc:
        form.apply_errors(exc)
        if is_htmx(request):
            return errors_oob(request, form, errors_id="submit-errors")
        return render(request, "tickets/portal_new.html", {"form": form}, status=400)
    messages.success(request, f"诉求已提交，工单编号 {ticket.number}。专席受理后会短信告知您。")
    url = reverse("portal:detail", args=[ticket.pk])
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@role_required(Role.ENTERPRISE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(user_of(request))
    ticket = ticket_or_404(actor, pk)
    return render(request, "tickets/portal_detail.html", portal_context(ticket, actor, None))


@role_required(Role.ENTERPRISE)
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in PORTAL_ACTIONS:
        raise Http404("not an enterprise action")
    page = ActionPage(
        action,
        portal_context,
        "tickets/portal_detail.html",
        "tickets/_portal_detail.html",
        "portal:detail",
    )
    return run_action(request, pk=pk, ctx=page)
