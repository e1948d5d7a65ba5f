"""Scoped reads of the arrears domain (out of scope = 404 to the callers).

- administrators, auditors and the system read everything;
- a supervisor reads the claims on debtors in its region (the region's office reads all);
- a department's staff read the claims on the debtors it answers for, and the complaints it
  was given to handle;
- an enterprise reads the claims it is the creditor of, and nothing else;
- the desk reads none here (it reads the complaint on its ticket).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, GLOBAL_ROLES, Role
from qitong.arrears.models import Claim, Debtor
from qitong.directory.models import Region


def covers_every_region(prefix: str | None) -> bool:
    """The prefix reaches every region of the deployment (the region's own office): its
    filter would narrow nothing, and only mislead the database's choice of index."""
    return prefix is None or not Region.objects.exclude(code__startswith=prefix).exists()


def claims_visible_to(actor: Actor) -> QuerySet[Claim]:
    qs = Claim.objects.all()
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return qs
    if actor.role == Role.SUPERVISOR:
        prefix = actor.region_prefix
        if prefix is None or covers_every_region(prefix):
            return qs
        return qs.filter(region_code__startswith=prefix)
    if actor.role in DEPARTMENT_ROLES:
        if actor.department_id is None:
            return qs.none()
        return qs.filter(
            Q(department_id=actor.department_id) | Q(complaint_department_id=actor.department_id)
        )
    if actor.role == Role.ENTERPRISE:
        if actor.enterprise_id is None:
            return qs.none()
        return qs.filter(creditor_id=actor.enterprise_id)
    return qs.none()


def debtors_visible_to(actor: Actor) -> QuerySet[Debtor]:
    """Debtor pages: supervisors over the debtor's region, the department that answers for
    it, and global readers (an enterprise reads the debtor's name on its own claims only)."""
    qs = Debtor.objects.all()
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return qs
    if actor.role == Role.SUPERVISOR:
        prefix = actor.region_prefix
        return qs if prefix is None else qs.filter(region__code__startswith=prefix)
    if actor.role in DEPARTMENT_ROLES and actor.department_id is not None:
        return qs.filter(department_id=actor.department_id)
    return qs.none()


def may_register(actor: Actor) -> bool:
    """Supervisors register claims (by hand, from a complaint, or by importing a ledger)."""
    return actor.role == Role.SUPERVISOR


def reads_figures(actor: Actor) -> bool:
    """The KPIs and the disclosure: supervisors and global readers."""
    return actor.role == Role.SUPERVISOR or actor.role in GLOBAL_ROLES
