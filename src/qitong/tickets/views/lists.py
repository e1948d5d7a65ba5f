"""The staff ticket list (filters in the URL, sorted, paged) and its Excel export."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import content_disposition_header

from qitong.accounts.actor import actor_of
from qitong.accounts.requests import user_of
from qitong.core import clock
from qitong.core.access import role_required
from qitong.core.paging import page_number, pager
from qitong.tickets import listing
from qitong.tickets.exports import export_tickets
from qitong.tickets.models import Ticket
from qitong.tickets.queues import queue_rows


def _form(request: HttpRequest) -> listing.TicketListForm:
    user = user_of(request)
    return listing.TicketListForm(request.GET, user=user, actor=actor_of(user))


@role_required(*listing.list_roles())
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Every ticket the reader may see, filtered as the URL says, a page of 50 at a time:
    ONE query for the page's ids, one for their rows, one count."""
    user = user_of(request)
    actor = actor_of(user)
    form = _form(request)
    if not form.is_valid():
        return render(
            request, "tickets/list.html", {"form": form, "rows": [], "invalid": True}, status=400
        )
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
        },
    )


@role_required(*listing.list_roles())
def ticket_export(request: HttpRequest) -> HttpResponseBase:
    """The same list as an Excel file (every matching row, not one page)."""
    user = user_of(request)
    actor = actor_of(user)
    form = _form(request)
    if not form.is_valid():
        return render(
            request, "tickets/list.html", {"form": form, "rows": [], "invalid": True}, status=400
        )
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
