"""What every ticket page shares: who may open staff pages, partial-or-page responses, and how
a service's answer (field errors, a conflict, success) is put on the page."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qitong.accounts.roles import Role

# Every role but the enterprise opens the staff ticket pages (scope decides which tickets).
STAFF_ROLES = tuple(r for r in Role if r != Role.ENTERPRISE)
PAGE_SIZE = 25


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


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


def pager(page: int, total: int, size: int = PAGE_SIZE) -> Pager:
    return Pager(page=page, pages=max(math.ceil(total / size), 1), total=total, size=size)
