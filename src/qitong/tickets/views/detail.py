"""The staff ticket page and its actions.

The action panel shows exactly `allowed_actions(ticket, actor)`; each action's form posts the
version the page showed, so an action taken on a stale page is a conflict, not a lost update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from qitong.accounts.actor import Actor, actor_of
from qitong.accounts.models import User
from qitong.accounts.requests import user_of
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core import clock
from qitong.core.access import role_required
from qitong.core.bounds import whole_number
from qitong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from qitong.core.navigation import home_url_for
from qitong.directory.models import Specialist
from qitong.knowledge.models import ArticleVersion
from qitong.knowledge.search import search_articles
from qitong.knowledge.text import plain_text
from qitong.ledger.models import Event
from qitong.routing.models import Pairing
from qitong.routing.services import pairing_set
from qitong.tickets.forms import ActionForm, action_form
from qitong.tickets.models import Ticket
from qitong.tickets.presenters import (
    assisting_for,
    attachments_for,
    citations_for,
    offer_for,
    present,
    timeline,
)
from qitong.tickets.selectors import still_visible, ticket_get, tickets_visible_to
from qitong.tickets.services import may_reveal_phone, ticket_act_changes, ticket_phone_reveal
from qitong.tickets.states import Milestone
from qitong.tickets.transitions import TICKET
from qitong.tickets.views.common import (
    STAFF_ROLES,
    errors_oob,
    is_htmx,
    message_oob,
)

ContextBuilder = Callable[[Ticket, Actor, ActionForm | None], dict[str, Any]]


def ticket_or_404(actor: Actor, pk: int) -> Ticket:
    try:
        return ticket_get(actor=actor, pk=pk)
    except NotFound:
        raise Http404("out of scope") from None


def action_forms(
    ticket: Ticket, actor: Actor, allowed: list[str], bound: ActionForm | None
) -> list[ActionForm]:
    return [
        bound
        if bound is not None and bound.action == action
        else action_form(action, ticket=ticket, actor=actor)
        for action in allowed
    ]


def _deadlines(shown: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for milestone, at in shown["deadlines"].items():
        current = shown["milestone"] == milestone
        rows.append(
            {
                "label": Milestone(milestone).label,
                "at": at,
                "current": current,
                "level": shown["warning"] if current else "green",
            }
        )
    return rows


def staff_context(ticket: Ticket, actor: Actor, bound: ActionForm | None) -> dict[str, Any]:
    shown = present(ticket, actor)
    assignments = list(
        # 主办 first, then 协办 ("lead" sorts after "assisting")
        ticket.assignments.filter(active=True).select_related("department").order_by("-role", "pk")
    )
    pending = (
        ticket.requests.filter(decided_at__isnull=True).select_related("requested_by").first()
        if ticket.pending_request
        else None
    )
    return {
        "ticket": ticket,
        "shown": shown,
        "assignments": assignments,
        "assisting": assisting_for(ticket, actor),
        "pending": pending,
        "deadline_rows": _deadlines(shown),
        "timeline": timeline(ticket, actor),
        "attachments": attachments_for(ticket, actor),
        "citations": citations_for(ticket),
        "offer": offer_for(ticket, actor),
        **_pairing_context(ticket, actor, shown),
        "forms": action_forms(ticket, actor, shown["allowed_actions"], bound),
        "act_url_name": "tickets:act",
        "may_reveal_phone": may_reveal_phone(ticket, actor),
    }


def _pairing_context(ticket: Ticket, actor: Actor, shown: dict[str, Any]) -> dict[str, Any]:
    """The enterprise's one-to-one specialist (for the desk, the choices to change it) and
    its other appeals the reader may see."""
    if shown["enterprise"] is None:  # confidential: the department never sees who it is
        return {}
    history = list(
        tickets_visible_to(actor)
        .filter(enterprise_id=ticket.enterprise_id)
        .exclude(pk=ticket.pk)
        .order_by("-created_at", "-pk")
        .only("pk", "number", "title", "state", "type", "created_at")[:6]
    )
    current = (
        Pairing.objects.filter(enterprise_id=ticket.enterprise_id, active=True)
        .select_related("specialist")
        .first()
    )
    context: dict[str, Any] = {"pairing": current, "history": history}
    if actor.role in DESK_ROLES:
        # The specialists of the enterprise's city and of the province (who serve everywhere),
        # and always the current one: a select without it would end the pairing on 设置.
        code = ticket.region_code
        near = Q(region__code__startswith=code[:4]) | Q(region__code=f"{code[:2]}0000")
        if current is not None:
            near |= Q(pk=current.specialist_id)
        context["pair_choices"] = [
            (
                s.pk,
                f"{s.name} · {s.region.name}"
                + (f"（{'、'.join(d.name for d in s.domains.all())}）" if s.domains.all() else ""),
            )
            for s in Specialist.objects.filter(active=True)
            .filter(near)
            .select_related("region")
            .prefetch_related("domains")
            .order_by("code")[:200]
        ]
    return context


@role_required(*DESK_ROLES)
@require_POST
def pairing(request: HttpRequest, pk: int) -> HttpResponse:
    """Pair the ticket's enterprise with a specialist (or end its pairing), from the desk."""
    user = user_of(request)
    ticket = ticket_or_404(actor_of(user), pk)
    raw = request.POST.get("specialist", "")
    unpair = request.POST.get("unpair") == "1"  # only the confirmed 解除结对 ends a pairing
    if not unpair and whole_number(raw) is None:
        messages.error(request, "请先在列表中选择一位专员")
        return redirect("tickets:detail", pk)
    try:
        pairing_set(
            user=user,
            enterprise_id=ticket.enterprise_id,
            specialist_id=None if unpair else whole_number(raw),
        )
    except (ValidationFailed, Forbidden) as exc:
        messages.error(request, exc.message)
    except NotFound:
        raise Http404("out of scope") from None
    else:
        messages.success(request, "已解除一对一结对" if unpair else "已设置一对一专员")
    return redirect("tickets:detail", pk)


@role_required(*STAFF_ROLES)
def print_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """交办单: what the lead department signs for, on one A4 page, without action panels."""
    actor = actor_of(user_of(request))
    ticket = ticket_or_404(actor, pk)
    shown = present(ticket, actor)
    assignments = list(
        ticket.assignments.filter(active=True).select_related("department").order_by("-role", "pk")
    )
    chain = Event.objects.filter(subject_type=TICKET.name, subject_id=str(ticket.pk))
    dispatched = chain.filter(action__in=["dispatch", "reassign"]).order_by("-seq").first()
    signed = (
        chain.filter(action="sign", seq__gt=dispatched.seq).order_by("seq").first()
        if dispatched
        else None
    )
    return render(
        request,
        "tickets/print.html",
        {
            "ticket": ticket,
            "shown": shown,
            "lead": next((a for a in assignments if a.role == "lead"), None),
            "assisting": [a for a in assignments if a.role != "lead"],
            "dispatched": dispatched,
            "signed": signed,
            "printed_at": clock.now(),
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """显示号码: the whole number with a tel: link, the view written to the ledger."""
    user = user_of(request)
    try:
        phone = ticket_phone_reveal(user=user, ticket_id=pk)
    except NotFound:
        raise Http404("out of scope") from None
    except Forbidden as exc:
        if is_htmx(request):
            return render(request, "tickets/_phone.html", {"problem": exc.message}, status=403)
        messages.error(request, exc.message)
        return redirect("tickets:detail", pk)
    if is_htmx(request):
        return render(request, "tickets/_phone.html", {"phone": phone})
    ticket = ticket_or_404(actor_of(user), pk)
    context = staff_context(ticket, actor_of(user), None) | {"revealed_phone": phone}
    return render(request, "tickets/detail.html", context)


@role_required(*STAFF_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(user_of(request))
    ticket = ticket_or_404(actor, pk)
    return render(request, "tickets/detail.html", staff_context(ticket, actor, None))


def _refused(
    request: HttpRequest, exc: Conflict | Forbidden, ctx: ActionPage, ticket: Ticket, actor: Actor
) -> HttpResponse:
    status = 409 if isinstance(exc, Conflict) else 403
    if is_htmx(request):
        return message_oob(
            request,
            errors_id=f"{ctx.action}-errors",
            message=exc.message,
            refresh_url=reverse(ctx.detail_url_name, args=[ticket.pk]),
            status=status,
        )
    context = ctx.build(ticket, actor, None) | {"problem": exc.message}
    return render(request, ctx.page, context, status=status)


def _done(
    request: HttpRequest, ctx: ActionPage, actor: Actor, saved: Ticket, changed: frozenset[str]
) -> HttpResponse:
    """After the action: the saved ticket (htmx) or a redirect to it; the actor's home when
    the action handed the ticket out of its scope (a declined offer)."""
    done = f"已{TICKET.label(ctx.action)}"
    pk = saved.pk
    fresh = saved if still_visible(saved, actor, changed) else None
    if fresh is None:
        messages.success(request, f"{done}，该工单已转出您的范围")
        home = home_url_for(request.user)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = home
            return response
        return redirect(home)
    if is_htmx(request):
        context = ctx.build(fresh, actor, None) | {"flash": done, "oob": True}
        state = context.get("plain_state") or fresh.get_state_display()
        if state not in done:
            context["flash_state"] = state
        return render(request, ctx.partial, context)
    messages.success(request, done)
    return redirect(ctx.detail_url_name, pk)


@dataclass(frozen=True)
class ActionPage:
    """Where an action was posted from: the staff ticket page or the enterprise's portal."""

    action: str
    build: ContextBuilder
    page: str
    partial: str
    detail_url_name: str


def run_action(request: HttpRequest, *, pk: int, ctx: ActionPage) -> HttpResponse:
    """Take one action from a page form. Field errors go beside the fields (400), a conflict
    or refusal above the form with a refresh link (409/403)."""
    user: User = user_of(request)
    actor = actor_of(user)
    ticket = ticket_or_404(actor, pk)
    form = action_form(
        ctx.action, ticket=ticket, actor=actor, data=request.POST, files=request.FILES
    )
    if form.is_valid():
        try:
            saved, changed = ticket_act_changes(
                ticket_id=pk,
                action=ctx.action,
                user=user,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
                files=form.uploads(),
            )
        except ValidationFailed as exc:
            form.apply_errors(exc)
        except (Conflict, Forbidden) as exc:
            return _refused(request, exc, ctx, ticket, actor)
        except NotFound:
            raise Http404("out of scope") from None
    if form.errors:
        if is_htmx(request):
            return errors_oob(request, form, errors_id=form.errors_id)
        return render(request, ctx.page, ctx.build(ticket, actor, form), status=400)
    return _done(request, ctx, actor, saved, changed)


@role_required(*DESK_ROLES, Role.SPECIALIST)
def answer_suggestions(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Knowledge-base suggestions for an answer form, loaded when the form is opened (the
    page itself never waits for the search)."""
    if action not in ("answer", "specialist_reply"):
        raise Http404("unknown action")
    actor = actor_of(user_of(request))
    ticket = ticket_or_404(actor, pk)
    hits = search_articles(
        f"{ticket.title} {ticket.content}", region_code=ticket.region_code, limit=5
    )
    bodies = dict(
        ArticleVersion.objects.filter(pk__in=[h.version_id for h in hits]).values_list("pk", "body")
    )
    return render(
        request,
        "tickets/_kb_cite.html",
        {
            "suggestions": hits,
            "fill_texts": {h.article_id: plain_text(bodies.get(h.version_id, "")) for h in hits},
            "answer_id": f"id_{action}-answer",
            "articles_name": f"{action}-articles",
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in TICKET:
        raise Http404("unknown action")
    page = ActionPage(
        action, staff_context, "tickets/detail.html", "tickets/_detail.html", "tickets:detail"
    )
    return run_action(request, pk=pk, ctx=page)
