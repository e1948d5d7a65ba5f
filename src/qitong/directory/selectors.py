"""Reads of reference data. Regions and active departments are public government information:
every signed-in user may list them (a desk dispatches anywhere; an enterprise picks its county)."""

from __future__ import annotations

from django.db.models import QuerySet

from qitong.accounts.models import User
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
