"""Scoped reads of enterprises (STYLE habit 4): out of scope looks exactly like missing."""

from __future__ import annotations

import contextlib
import re

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from qitong.accounts.models import User
from qitong.accounts.roles import DESK_ROLES
from qitong.core.errors import NotFound
from qitong.core.privacy import mask_phone
from qitong.enterprises.models import Contact, Enterprise
from qitong.enterprises.validators import normalize_phone


def enterprises_visible_to(user: User) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.select_related("region")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_enterprise:
        return qs.filter(pk=user.enterprise_id) if user.enterprise_id else qs.none()
    region = user.scope_region()
    return qs if region is None else qs.filter(region__code__startswith=region.prefix)


def enterprise_get(*, user: User, pk: int) -> Enterprise:
    try:
        return enterprises_visible_to(user).get(pk=pk)
    except Enterprise.DoesNotExist:
        raise NotFound() from None


def sees_contact_numbers(user: User, enterprise: Enterprise | None = None) -> bool:
    """Whole contact numbers: the desk (it calls the enterprise back; its caller lookup) and an
    enterprise for its own contacts. Everyone else sees them masked unless they reveal them
    (enterprises.services.contacts_reveal, ledgered)."""
    if user.role in DESK_ROLES:
        return True
    return bool(user.is_enterprise and enterprise and enterprise.pk == user.enterprise_id)


def contacts_of(
    enterprise: Enterprise, user: User, *, revealed: bool = False
) -> list[dict[str, object]]:
    """The enterprise's contacts as shown to `user`: numbers masked unless the user sees them
    (or has just revealed them)."""
    whole = revealed or sees_contact_numbers(user, enterprise)
    return [
        {
            "name": c.name,
            "position": c.position,
            "phone": c.phone if whole else mask_phone(c.phone),
            "phone_kind": c.phone_kind,
            "is_primary": c.is_primary,
        }
        for c in enterprise.contacts.all()
    ]


CREDIT_CODE_PREFIX_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{4,18}$")
PHONE_LIKE_RE = re.compile(r"^[+\d\s\-()（）转]+$")


def looks_like_phone(q: str) -> bool:
    """Typed as a phone number (digits with the usual separators, at least 7 digits): the
    enterprise search and the ticket search read it as one."""
    return bool(PHONE_LIKE_RE.match(q)) and len(re.sub(r"\D", "", q)) >= 7


def enterprise_search(*, user: User, q: str) -> QuerySet[Enterprise]:
    """Find a caller by credit code (whole or leading part), phone, or part of the name.

    A whole credit code or a phone number is an exact, indexed lookup; only free text falls
    back to a name search (a desk types the code it reads out far more often than a name).
    """
    q = q.strip()
    qs = enterprises_visible_to(user)
    if not q:
        return qs
    upper = q.upper()
    if len(upper) == 18 and CREDIT_CODE_PREFIX_RE.match(upper):
        return qs.filter(credit_code=upper)
    if looks_like_phone(q):
        if not sees_contact_numbers(user):
            return qs.none()  # a reverse lookup by phone is the desk's alone
        with contextlib.suppress(ValidationError):
            number = normalize_phone(q).number
            return qs.filter(pk__in=Contact.objects.filter(phone=number).values("enterprise_id"))
    conditions = Q(name__contains=q)
    if CREDIT_CODE_PREFIX_RE.match(upper):
        conditions |= Q(credit_code__startswith=upper)
    return qs.filter(conditions)
