"""The desk's intake (登记诉求), inline enterprise registration and the full queue lists."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.files import File
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DESK_ROLES
from qitong.core.access import role_required
from qitong.core.errors import Conflict, ValidationFailed
from qitong.core.paging import page_number, pager
from qitong.enterprises.services import ContactInput, enterprise_create
from qitong.tickets import queues
from qitong.tickets.forms import EnterpriseCreateForm, IntakeForm
from qitong.tickets.services import TicketInput, ticket_create
from qitong.tickets.views.common import errors_oob, is_htmx

INTAKE_ERRORS = "intake-errors"
ENTERPRISE_ERRORS = "ent-errors"


def _ticket_input(form: IntakeForm) -> TicketInput:
    return TicketInput(
        type=form.text("type"),
        category=form.text("category"),
        urgency=form.text("urgency"),
        channel=form.text("channel"),
        content=form.text("content"),
        credit_code=form.text("credit_code"),
        contact_phone=form.text("contact_phone"),
        contact_name=form.text("contact_name"),
        title=form.text("title"),
        confidential=form.confidential_value(),
        problem_category=form.text("problem_category"),
    )


@role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """File an appeal for a caller. The form carries an idempotency key rendered with it, so
    a double click or a resubmitted page files one ticket, not two."""
    standalone = request.method == "GET" or request.POST.get("standalone") == "1"
    if request.method == "GET":
        return render(request, "tickets/intake.html", {"form": IntakeForm(standalone=True)})
    user = user_of(request)
    form = IntakeForm(request.POST, request.FILES, standalone=standalone)
    form.is_valid()
    files: list[File[Any]] = list(request.FILES.getlist("attachments"))
    try:
        ticket, _ = ticket_create(
            data=_ticket_input(form),
            user=user,
            idempotency_key=form.text("idempotency_key"),
            files=files,
        )
    except ValidationFailed as exc:
        form.apply_errors(exc)
        if is_htmx(request):
            return errors_oob(request, form, errors_id=INTAKE_ERRORS)
        return render(request, "tickets/intake.html", {"form": form}, status=400)
    if is_htmx(request):
        response = render(
            request,
            "tickets/_intake_form.html",
            {"form": IntakeForm(standalone=standalone), "filed": ticket, "oob": True},
        )
        response["HX-Trigger"] = "ticket-filed"
        return response
    messages.success(request, f"已登记工单 {ticket.number}（{ticket.get_state_display()}）")
    return redirect("tickets:detail", ticket.pk)


@role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def enterprise_new(request: HttpRequest) -> HttpResponse:
    """登记新企业 while the caller is on the line; the new enterprise becomes the caller."""
    user = user_of(request)
    actor = actor_of(user)
    if request.method == "GET":
        form = EnterpriseCreateForm(actor=actor)
        template = (
            "tickets/_enterprise_form.html" if is_htmx(request) else "tickets/enterprise_new.html"
        )
        return render(request, template, {"ent_form": form})
    form = EnterpriseCreateForm(request.POST, actor=actor)
    if form.is_valid():
        name, phone = form.text("contact_name"), form.text("contact_phone")
        try:
            enterprise = enterprise_create(
                credit_code=form.text("credit_code"),
                name=form.text("name"),
                region_code=form.text("region"),
                industry=form.text("industry"),
                size=form.text("size"),
                contacts=[ContactInput(name=name, phone=phone)] if name or phone else [],
                actor=user,
            )
        except (ValidationFailed, Conflict) as exc:
            form.apply_errors(exc)
    if form.errors:
        if is_htmx(request):
            return errors_oob(request, form, errors_id=ENTERPRISE_ERRORS)
        return render(request, "tickets/enterprise_new.html", {"ent_form": form}, status=400)
    if is_htmx(request):
        return render(request, "tickets/_enterprise_created.html", {"enterprise": enterprise})
    messages.success(request, f"已登记企业 {enterprise.name}，可在下方登记诉求")
    query = urlencode({"q": enterprise.credit_code})
    return redirect(f"{reverse('dashboards:desk')}?{query}")


@role_required(*DESK_ROLES)
def queue(request: HttpRequest, key: str) -> HttpResponse:
    """One desk queue in full, soonest deadline first, a page at a time."""
    actor = actor_of(user_of(request))
    definition = next((q for q in queues.desk_queue_defs(actor.role) if q.key == key), None)
    if definition is None:
        raise Http404("unknown queue")
    page = page_number(request)
    size = 25
    result = queues.queue_page(actor=actor, queue=definition, limit=size, offset=(page - 1) * size)
    return render(
        request,
        "tickets/queue.html",
        {"queue": result, "pager": pager(page, result.total, size)},
    )
