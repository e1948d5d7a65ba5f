from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from qitong.accounts.services import token_authenticate


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for integrations (tokens from `qitong token create`)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token=token)
        if user is not None:
            request.user = user
        return user
