"""Access helpers for views. A page outside the user's role answers 404 — the same as a
missing page — so role and scope never leak (DESIGN "Access and privacy")."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

F = TypeVar("F", bound=Callable[..., HttpResponseBase])


def role_required(*roles: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(user, "role", None) not in roles:
                raise Http404("out of scope")
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
