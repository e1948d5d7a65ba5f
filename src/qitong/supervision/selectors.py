"""Scoped reads of the supervision domain (out of scope = 404 to the callers).

- administrators, auditors and the system read everything;
- a supervisor reads the problems of the units in its region and those its office (or an
  office below it) registered; the region's office reads all;
- a department's staff read the problems their department answers for;
- a desk lead or operator reads the problems promoted from the tickets of its desk's region;
- an enterprise reads none here (it reads the result on its own ticket).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, DESK_ROLES, GLOBAL_ROLES, Role
from qitong.supervision.models import AccountabilityEntry, Activity, Problem
from qitong.supervision.transitions import coordinates


def office_code(prefix: str | None) -> str:
    """The region code of the office a scope prefix names (15 → 150000, 1502 → 150200)."""
    return (prefix or "15").ljust(6, "0")


def problems_visible_to(actor: Actor) -> QuerySet[Problem]:
    qs = Problem.objects.all()
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return qs
    prefix = actor.region_prefix
    if actor.role == Role.SUPERVISOR:
        if prefix is None:
            return qs
        return qs.filter(Q(region_code__startswith=prefix) | Q(owner_code__startswith=prefix))
    if actor.role in DEPARTMENT_ROLES:
        if actor.department_id is None:
            return qs.none()
        return qs.filter(unit_department_id=actor.department_id)
    if actor.role in DESK_ROLES:
        if prefix is None:
            return qs.none()
        return qs.filter(ticket__region_code__startswith=prefix)
    return qs.none()


def sees_as_unit_only(actor: Actor) -> bool:
    """Department staff read the problems as the unit that answers for them."""
    return actor.role in DEPARTMENT_ROLES


def activities_visible_to(actor: Actor) -> QuerySet[Activity]:
    qs = Activity.objects.all()
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return qs
    if actor.role == Role.SUPERVISOR:
        prefix = actor.region_prefix
        if prefix is None:
            return qs
        covered = Activity.regions.through.objects.filter(
            activity_id=OuterRef("pk"), region__code__startswith=prefix
        )
        return qs.filter(Q(owner_code__startswith=prefix) | Q(Exists(covered)))
    if actor.role in DEPARTMENT_ROLES and actor.department_id is not None:
        mine = Problem.objects.filter(
            activity=OuterRef("pk"), unit_department_id=actor.department_id
        )
        return qs.filter(Exists(mine))
    return qs.none()


def entries_visible_to(actor: Actor) -> QuerySet[AccountabilityEntry]:
    """Accountability records: the supervisors who keep them (and global readers)."""
    qs = AccountabilityEntry.objects.all()
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return qs
    if actor.role == Role.SUPERVISOR:
        prefix = actor.region_prefix
        if prefix is None:
            return qs
        return qs.filter(Q(owner_code__startswith=prefix) | Q(region__code__startswith=prefix))
    return qs.none()


def hides_enterprise(problem: Problem, actor: Actor) -> bool:
    """A confidential problem hides the enterprise from the unit it is about (its staff and
    the 盟市 coordinator acting for it), as a confidential ticket does."""
    if not problem.confidential:
        return False
    if actor.role in DEPARTMENT_ROLES:
        return True
    if actor.role == Role.SUPERVISOR and actor.region_prefix is not None:
        return coordinates(problem, actor)
    return False
