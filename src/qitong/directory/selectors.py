"""Reads of reference data. Regions and departments are public reference data for any
signed-in staff user (a desk must be able to dispatch anywhere); enterprises see none."""

from __future__ import annotations

from django.db.models import QuerySet

from qitong.accounts.models import User
from qitong.directory.models import Department, Region


def regions_visible_to(user: User) -> QuerySet[Region]:
    if user.is_enterprise:
        return Region.objects.none()
    return Region.objects.select_related("parent")


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(code__startswith=region.prefix)


def departments_visible_to(user: User) -> QuerySet[Department]:
    if user.is_enterprise:
        return Department.objects.none()
    return Department.objects.filter(active=True).select_related("region")
