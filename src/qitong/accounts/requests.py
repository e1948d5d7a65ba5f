"""The signed-in user of a request, typed (pages behind role_required and API operations
behind token or session auth only ever see a signed-in user)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from qitong.accounts.models import User


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "only signed-in requests reach here"
    return user


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or — behind QITONG_TRUSTED_PROXIES reverse proxies
    (nginx and the like, which append to X-Forwarded-For) — the address the outermost trusted
    proxy saw. A client cannot choose its own by sending the header: only the proxies' entries
    at the right-hand end are read."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR")
    hops = int(getattr(settings, "QITONG_TRUSTED_PROXIES", 0))
    if hops > 0:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [a for a in chain if a]
        if len(chain) >= hops:
            address = chain[-hops]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None
