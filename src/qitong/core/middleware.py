from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Adds one strict CSP header to every answer, the admin and the API docs included: pages
    load only our own scripts and styles (no inline JS). The API docs' Swagger UI is served
    from django-ninja's packaged static files (`ninja` in INSTALLED_APPS), never a CDN."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CSP_POLICY)
        return response


class ApiErrorShapeMiddleware:
    """Under /api/v1/, an error Django answers itself (405 for a wrong method, 404 for an unknown
    path, 400 for a body it could not read) still comes back as `{code, message, fields}`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/v1/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from qitong.core.api import shaped_error

            return shaped_error(request, response)
        return response
