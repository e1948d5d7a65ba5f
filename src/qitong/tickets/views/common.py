"""What every ticket page shares: who may open staff pages, partial-or-page responses, and how
a service's answer (field errors, a conflict, success) is put on the page."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qitong.accounts.roles import Role

# Every role but the enterprise opens the staff ticket pages (scope decides which tickets).
STAFF_ROLES = tuple(r for r in Role if r != Role.ENTERPRISE)


def is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted  # type: ignore[union-attr]


def errors_oob(
    request: HttpRequest, form: forms.Form, *, errors_id: str, status: int = 400
) -> HttpResponse:
    """Only the error slots, swapped out of band: what the person typed (and the files they
    chose) stays where it is, and each message lands beside its field."""
    return render(
        request,
        "tickets/_errors_oob.html",
        {"form": form, "errors_id": errors_id},
        status=status,
    )


def message_oob(
    request: HttpRequest, *, errors_id: str, message: str, refresh_url: str, status: int
) -> HttpResponse:
    """A conflict (or refusal) above the form, with a link to the current state."""
    return render(
        request,
        "tickets/_message_oob.html",
        {"errors_id": errors_id, "message": message, "refresh_url": refresh_url},
        status=status,
    )
