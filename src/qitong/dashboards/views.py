"""Role home pages (each role lands on its own; see core.navigation).

Tickets arrive with a later issue: until then the queues on these pages are labelled empty
states, and every number shown is counted from data that exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qitong.accounts.models import User
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core.access import role_required
from qitong.dashboards import selectors
from qitong.directory.models import Language
from qitong.enterprises.selectors import enterprises_visible_to
from qitong.ledger.services import ledger_verify


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # role_required let only signed-in users through
    return user


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


# The desk's open work (filled by the ticket issue): heading and empty-state text per queue.
DESK_QUEUES = [
    ("待受理的网上诉求", "暂无待受理诉求"),
    ("待派单", "暂无待派单工单"),
    ("即将到期 / 已超期", "暂无预警工单"),
    ("待回访", "暂无待回访工单"),
]
DESK_LEAD_QUEUES = [
    ("待审批的退单与延期申请", "暂无待审批申请"),
    ("待审核的办理结果", "暂无待审核答复"),
]


@role_required(Role.OPERATOR, Role.DESK_LEAD)
def desk(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    lookup = selectors.caller_lookup(user=user, q=request.GET.get("q", ""))

    def page_context() -> dict[str, Any]:
        return {
            "desk": user.desk if user.role in DESK_ROLES else None,
            "jurisdiction": user.scope_region(),
            "enterprise_count": enterprises_visible_to(user).count(),
            "queues": DESK_QUEUES + (DESK_LEAD_QUEUES if user.role == Role.DESK_LEAD else []),
        }

    return _render(
        request,
        "dashboards/desk.html",
        {"lookup": lookup},
        partials={"caller-results": "dashboards/_caller_results.html"},
        page_context=page_context,
    )


# Department inbox tabs: (key, label, empty-state text).
DEPARTMENT_TABS = [
    ("dispatched", "待签收", "暂无待签收工单"),
    ("in_progress", "办理中", "暂无办理中工单"),
    ("due_soon", "即将到期", "暂无即将到期工单"),
    ("overdue", "已超期", "暂无已超期工单"),
    ("returned", "退回给我", "暂无退回给您的工单"),
]


@role_required(Role.HANDLER, Role.DEPT_LEADER)
def department(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    keys = [key for key, _, _ in DEPARTMENT_TABS]
    current = request.GET.get("tab", keys[0])
    if current not in keys:
        current = keys[0]
    tab = next(t for t in DEPARTMENT_TABS if t[0] == current)
    dept = user.department
    context = {
        "department": dept,
        "staff_count": selectors.department_staff_count(department=dept) if dept else 0,
        "tabs": DEPARTMENT_TABS,
        "current_tab": tab,
    }
    return _render(
        request,
        "dashboards/department.html",
        context,
        partials={"dept-inbox": "dashboards/_department_tab.html"},
    )


@role_required(Role.SPECIALIST)
def specialist(request: HttpRequest) -> HttpResponse:
    profile = selectors.specialist_profile(user=_user(request))
    languages = [
        Language(code).label if code in Language.values else code
        for code in (profile.languages if profile else [])
    ]
    return render(
        request, "dashboards/specialist.html", {"profile": profile, "languages": languages}
    )


@role_required(Role.ENTERPRISE)
def enterprise(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    ent = enterprises_visible_to(user).select_related("region__parent").first()
    return render(request, "dashboards/enterprise.html", {"enterprise": ent})


@role_required(Role.SUPERVISOR)
def supervisor(request: HttpRequest) -> HttpResponse:
    region = _user(request).scope_region()
    rows = selectors.supervision_overview(region=region)
    totals = {
        name: sum(getattr(row, name) for row in rows)
        for name in ("departments", "desks", "specialists", "enterprises")
    }
    return render(
        request, "dashboards/supervisor.html", {"region": region, "rows": rows, "totals": totals}
    )


@role_required(Role.ADMIN)
def admin_home(request: HttpRequest) -> HttpResponse:
    context = {
        "counts": selectors.configuration_counts(),
        "roles": selectors.users_per_role(),
    }
    return render(request, "dashboards/admin.html", context)


@role_required(Role.AUDITOR)
def auditor(request: HttpRequest) -> HttpResponse:
    context = {
        "events": selectors.latest_events(limit=50),
        "verify": ledger_verify(),
    }
    return render(request, "dashboards/auditor.html", context)
