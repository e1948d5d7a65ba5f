"""Knowledge-base pages: search (every signed-in role; an enterprise searches what applies to
its region), one article (its live version, or an earlier one a ticket cites), and the
suggestions the desk sees while typing an appeal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core import clock
from qitong.core.access import role_required
from qitong.core.errors import DomainError, NotFound
from qitong.directory.models import Region
from qitong.enterprises.selectors import enterprises_visible_to
from qitong.knowledge.gaps import READERS as GAP_READERS
from qitong.knowledge.gaps import gaps_report, unhelpful_articles
from qitong.knowledge.models import ArticleVersion, Feedback
from qitong.knowledge.search import region_scope, search_articles
from qitong.knowledge.selectors import article_get, may_edit, version_get
from qitong.knowledge.services import feedback_give

SUGGESTIONS = 5
MAX_QUERY = 300


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _own_region(user: User) -> str | None:
    if user.role == Role.ENTERPRISE and user.enterprise is not None:
        return user.enterprise.region.code
    return None


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    region = _own_region(user) or request.GET.get("region", "").strip() or None
    if region and not region_scope(region):
        region = None
    hits = search_articles(q, region_code=region, limit=20) if q else []
    regions = Region.objects.filter(level__in=["province", "city"]).order_by("sort_order", "code")
    context: dict[str, Any] = {
        "q": q,
        "hits": hits,
        "region": region,
        "region_locked": user.role == Role.ENTERPRISE,
        "regions": regions,
        "region_names": dict(Region.objects.values_list("code", "name")),
    }
    template = (
        "knowledge/_results.html" if request.headers.get("HX-Request") else "knowledge/search.html"
    )
    return render(request, template, context)


@login_required
def article(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    actor = actor_of(user)
    try:
        item = article_get(actor=actor, pk=pk)
        number = request.GET.get("version", "")
        version: ArticleVersion | None
        if number.isdigit():
            version = version_get(actor=actor, article=item, number=int(number))
        else:
            version = item.live
    except NotFound:
        raise Http404("out of scope") from None
    return render(
        request,
        "knowledge/article.html",
        {
            "article": item,
            "version": version,
            "is_live": version is not None and version.pk == item.live_id,
            "editable": may_edit(actor, item),
            "versions": item.versions.order_by("-number") if may_edit(actor, item) else [],
            "my_feedback": Feedback.objects.filter(version=item.live_id, user=user).first()
            if item.live_id
            else None,
            "votes": _votes(item.live_id) if may_edit(actor, item) and item.live_id else None,
        },
    )


def _votes(version_id: int) -> dict[str, int]:
    rows = Feedback.objects.filter(version_id=version_id).values_list("helpful", flat=True)
    helpful = sum(1 for h in rows if h)
    return {"helpful": helpful, "unhelpful": len(rows) - helpful}


@role_required(*DESK_ROLES)
def suggest(request: HttpRequest) -> HttpResponse:
    """Articles for the appeal being typed at the desk, scoped to the caller's region."""
    user = _user(request)
    text = request.GET.get("content", "").strip()[:MAX_QUERY]
    code = request.GET.get("credit_code", "").strip().upper()
    region = None
    if code:
        enterprise = (
            enterprises_visible_to(user).filter(credit_code=code).select_related("region").first()
        )
        region = enterprise.region.code if enterprise else None
    hits = search_articles(text, region_code=region, limit=SUGGESTIONS) if len(text) >= 2 else []
    return render(request, "knowledge/_suggestions.html", {"hits": hits, "content": text})


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        feedback_give(user=user, article_id=pk, helpful=request.POST.get("helpful") == "1")
    except NotFound:
        raise Http404("out of scope") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "感谢您的反馈")
    return redirect("knowledge:article", pk)


@role_required(*GAP_READERS)
def gaps(request: HttpRequest) -> HttpResponse:
    actor = actor_of(_user(request))
    days = request.GET.get("days", "90")
    days_n = int(days) if days.isdigit() and 1 <= int(days) <= 366 else 90
    since = clock.now() - dt.timedelta(days=days_n)
    return render(
        request,
        "knowledge/gaps.html",
        {
            "groups": gaps_report(actor=actor, since=since),
            "unhelpful": unhelpful_articles(actor=actor),
            "days": days_n,
        },
    )
