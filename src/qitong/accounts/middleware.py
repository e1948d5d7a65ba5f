"""Session rules for staff: the second factor where it is required (accounts.otp), and the
idle timeout (QITONG_IDLE_TIMEOUT_MINUTES, 30 by default)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from qitong.accounts.otp import confirmed_device, otp_required_for
from qitong.core.api import error_response

# Paths a session may reach before its second factor (the code pages themselves, logging out).
_OPEN = ("/accounts/otp/", "/accounts/logout/", "/static/", "/healthz")
LAST_SEEN = "qitong_last_seen"


class SecondFactorMiddleware:
    """Holds an administrator or auditor who has not entered a code at the code page (the
    admin, every page and the session API alike); API tokens are a separate credential."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and otp_required_for(user)  # type: ignore[arg-type]
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and not request.path.startswith(_OPEN)
        ):
            if request.path.startswith("/api/"):
                return error_response(
                    request,
                    401,
                    "otp_required",
                    "请先在页面上完成两步验证（身份验证器的 6 位数字）",
                )
            name = "accounts:otp_verify" if confirmed_device(user) else "accounts:otp_setup"  # type: ignore[arg-type]
            return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """A staff session unused for the idle timeout ends; the next request goes to the login
    page with a message. Enterprise sessions keep Django's session age (they log in by SMS)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        limit = int(getattr(settings, "QITONG_IDLE_TIMEOUT_MINUTES", 30)) * 60
        if limit > 0 and user.is_authenticated and not getattr(user, "is_enterprise", False):
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > limit:
                logout(request)
                if request.path.startswith("/api/"):
                    return error_response(
                        request, 401, "unauthenticated", "长时间未操作，已自动退出，请重新登录"
                    )
                messages.info(request, f"超过 {limit // 60} 分钟未操作，已自动退出，请重新登录")
                login = reverse("accounts:login")
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            if not isinstance(last, int) or now - last >= 60:  # one session write a minute
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class HtmxLoginMiddleware:
    """An htmx request whose session has ended (logged out, idle, expired) is sent to the login
    page like any other; htmx would then draw that page inside the form's target, or silently
    nothing. Instead it answers 401 with an `qitong:login-expired` event naming the login page
    (the enterprise's for portal pages) with `next` = the page the user is on: app.js shows
    it, the typed form stays on the page, and the user submits again after logging in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true" or response.status_code not in (301, 302):
            return response
        staff, enterprise = reverse("accounts:login"), reverse("accounts:enterprise_login")
        location = urlsplit(response.get("Location", "")).path
        if location not in (staff, enterprise):
            return response
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        page = current.path or "/"
        if current.query:
            page = f"{page}?{current.query}"
        login = enterprise if page.startswith("/my/") or location == enterprise else staff
        event = {"qitong:login-expired": {"login": f"{login}?{urlencode({'next': page})}"}}
        expired = HttpResponse(status=401)
        expired["HX-Trigger"] = json.dumps(event, ensure_ascii=False)
        return expired
