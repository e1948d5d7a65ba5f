"""Role home pages (each role lands on its own; see core.navigation)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qitong.accounts.roles import Role
from qitong.core.access import role_required


@role_required(Role.OPERATOR, Role.DESK_LEAD)
def desk(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/desk.html")


@role_required(Role.HANDLER, Role.DEPT_LEADER)
def department(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/department.html")


@role_required(Role.SPECIALIST)
def specialist(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/specialist.html")


@role_required(Role.ENTERPRISE)
def enterprise(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/enterprise.html")


@role_required(Role.SUPERVISOR)
def supervisor(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/supervisor.html")


@role_required(Role.ADMIN)
def admin_home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/admin.html")


@role_required(Role.AUDITOR)
def auditor(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/auditor.html")
