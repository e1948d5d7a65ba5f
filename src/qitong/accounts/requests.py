"""The signed-in user of a request, typed (pages behind role_required and API operations
behind token or session auth only ever see a signed-in user)."""

from __future__ import annotations

from django.http import HttpRequest

from qitong.accounts.models import User


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "only signed-in requests reach here"
    return user
