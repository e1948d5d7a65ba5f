from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from qitong.core.health import health_status
from qitong.core.navigation import home_url_for


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (worker status reported, not fatal); 503 otherwise."""
    ok, report = health_status()
    worker_ok = bool(report.get("worker", {}).get("ok"))
    report["status"] = "ok" if ok and worker_ok else ("degraded" if ok else "down")
    # A stale worker means notifications and deadlines have stopped: not healthy (503), so
    # a load balancer or monitor acts on it; the body says which part is down.
    return JsonResponse(report, status=200 if ok and worker_ok else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))
