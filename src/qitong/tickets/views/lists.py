"""The staff ticket list (filters in the URL, sorted, paged) and its Excel export."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.core import clock
from qitong.core.access import role_required
from qitong.core.bounds import whole_number
from qitong.core.errors import ValidationFailed
from qitong.core.paging import page_number, pager
from qitong.tickets import listing
from qitong.tickets.exports import export_tickets
from qitong.tickets.forms.actions import department_choices_in_reach
from qitong.tickets.models import Ticket
from qitong.tickets.queues import queue_rows
from qitong.tickets.services import BULK_ACTIONS, MAX_BULK, ticket_bulk_act
from qitong.tickets.transitions import TICKET


def _form(request: HttpRequest) -> listing.TicketListForm:
    user = user_of(request)
    return listing.TicketListForm(request.GET, user=user, actor=actor_of(user))


def _invalid(request: HttpRequest, form: listing.TicketListForm) -> HttpResponse:
    """The list page with every bad filter named, and no tickets."""
    return render(
        request, "tickets/list.html", {"form": form, "rows": [], "invalid": True}, status=400
    )


@role_required(*listing.list_roles())
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Every ticket the reader may see, filtered as the URL says, a page of 50 at a time:
    ONE query for the page's ids, one for their rows, one count."""
    user = user_of(request)
    actor = actor_of(user)
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    qs = listing.ticket_list(user=user, actor=actor, filters=form.cleaned_data)
    total = qs.count()
    page = page_number(request)
    paging = pager(page, total, listing.PAGE_SIZE)
    page = min(page, paging.pages)
    paging = pager(page, total, listing.PAGE_SIZE)
    ids = list(qs.values_list("pk", flat=True)[paging.offset : paging.offset + paging.size])
    by_id = Ticket.objects.select_related(
        "enterprise", "category", "lead_department", "desk"
    ).in_bulk(ids)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/list.html",
        {
            "form": form,
            "rows": queue_rows([by_id[pk] for pk in ids], actor),
            "pager": paging,
            "described": listing.describe(form),
            "query": query.urlencode(),
            "sorts": [(k, label) for k, (label, _) in listing.SORTS.items()],
            "sort": form.cleaned_data.get("sort") or "-created",
            "bulk_actions": bulk_actions_for(user.role),
            "bulk_departments": department_choices_in_reach(actor)
            if bulk_actions_for(user.role)
            else [],
            "max_bulk": MAX_BULK,
        },
    )


def bulk_actions_for(role: str) -> list[tuple[str, str]]:
    """The bulk actions this role may take (each ticket still decides: state, scope, guard)."""
    return [(name, label) for name, label in BULK_ACTIONS.items() if role in TICKET[name].roles]


@role_required(*listing.list_roles())
@require_POST
def bulk_act(request: HttpRequest) -> HttpResponse:
    """Apply one action to the ticked tickets, one service call each, then back to the list
    (the same filters) with what was done and what was refused, ticket by ticket."""
    user = user_of(request)
    action = request.POST.get("bulk_action", "")
    back = request.POST.get("back", "")
    back_url = reverse("tickets:list") + (
        f"?{back}" if back and not back.startswith(("/", "http")) else ""
    )
    if action not in dict(bulk_actions_for(user.role)):
        messages.error(request, "请选择批量操作（您的角色可用的操作见列表上方）")
        return redirect(back_url)
    ids = [n for raw in request.POST.getlist("ticket") if (n := whole_number(raw)) is not None]
    data: dict[str, object] = {}
    note = request.POST.get("note", "").strip()
    if note:
        data["note"] = note
    if action == "dispatch":
        data["department"] = request.POST.get("department", "")
    try:
        results = ticket_bulk_act(user=user, action=action, ticket_ids=ids, data=data)
    except ValidationFailed as exc:
        messages.error(request, "；".join(exc.fields.values()) or exc.message)
        return redirect(back_url)
    label = BULK_ACTIONS[action]
    done = [r for r in results if r.ok]
    refused = [r for r in results if not r.ok]
    if done:
        messages.success(
            request,
            f"已{label} {len(done)} 张工单：{'、'.join(r.number for r in done[:20])}{' 等' if len(done) > 20 else ''}",
        )
    if refused:
        lines = "；".join(f"{r.number or '（无权处理的工单）'}：{r.error}" for r in refused[:20])
        messages.warning(
            request, f"{len(refused)} 张未{label}——{lines}{' 等' if len(refused) > 20 else ''}"
        )
    return redirect(back_url)


@role_required(*listing.list_roles())
def ticket_export(request: HttpRequest) -> HttpResponseBase:
    """The same list as an Excel file (every matching row, not one page)."""
    user = user_of(request)
    actor = actor_of(user)
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    qs = listing.ticket_list(user=user, actor=actor, filters=form.cleaned_data)
    described = str(listing.describe(form))
    stamp = clock.now().astimezone().strftime("%Y%m%d-%H%M")
    title = f"工单列表（{described}）导出于 {stamp}"
    query = {k: request.GET.getlist(k) for k in request.GET if k != "page"}
    out, _ = export_tickets(qs, user=user, actor=actor, title=title, filters=query)
    response = FileResponse(
        out,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, f"工单列表-{stamp}.xlsx")
    return response
