"""Password sign-in for staff, throttled on every path that checks a password: the staff
login page, the admin's login and anything else calling `authenticate()` (issue 10: the admin
login bypassed the lockout). Enterprise accounts never sign in by password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from qitong.accounts import services
from qitong.accounts.models import User
from qitong.accounts.requests import client_ip


class ThrottledModelBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if not services.login_attempt_begin(username=username, ip=ip):
            services.login_attempt_failed(username=username, ip=ip)
            raise PermissionDenied  # authenticate() stops here: no other backend may try
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if not isinstance(user, User) or user.is_enterprise:
            services.login_attempt_failed(username=username, ip=ip)
            return None
        services.login_attempt_succeeded(username=username, ip=ip)
        return user
