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


class MethodNotAllowedPageMiddleware:
    """A page address opened with the wrong method (a bookmarked or reloaded action URL) shows
    a Chinese page with a way back, not the browser's empty English 405."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not request.path.startswith("/api/")
            and not response.content
        ):
            from django.shortcuts import render
            from django.utils.http import url_has_allowed_host_and_scheme

            # An action's address ends in act/<action>/: its ticket page is one level up.
            back = request.path.rsplit("/act/", 1)[0] + "/" if "/act/" in request.path else ""
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = ""
            page = render(request, "405.html", {"back": back}, status=405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
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
