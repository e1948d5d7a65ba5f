"""Reads of reference data. Regions and active departments are public government information:
every signed-in user may list them (a desk dispatches anywhere; an enterprise picks its county)."""

from __future__ import annotations

import copy

from django.db.models import QuerySet

from qitong.accounts.models import User
from qitong.core.refcache import ReferenceCache
from qitong.directory.models import Department, Region


def regions_visible_to(user: User) -> QuerySet[Region]:
    if not user.is_authenticated:
        return Region.objects.none()
    return Region.objects.select_related("parent")


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(code__startswith=region.prefix)


def departments_visible_to(user: User) -> QuerySet[Department]:
    if not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(active=True).select_related("region")


def _read_active_departments() -> dict[int, Department]:
    return {d.pk: d for d in Department.objects.filter(active=True)}


# Dispatch checks its departments here (core.refcache: per process, dropped by a Department
# save in this process, at most QITONG_REFERENCE_CACHE_SECONDS old in another).
ACTIVE_DEPARTMENTS = ReferenceCache(_read_active_departments)


def active_department_by_id(pk: int) -> Department | None:
    """An active department (a copy: callers may hang it on their own objects)."""
    found = ACTIVE_DEPARTMENTS.get().get(pk)
    return copy.copy(found) if found is not None else None
