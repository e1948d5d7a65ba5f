"""Scoped reads of the reforms domain (out of scope = 404, as everywhere).

- the region's office (a supervisor of the whole region), administrators and auditors: all;
- a 盟市 coordinator (a supervisor of a city): the units in its region, plans in force;
- department staff: the tasks their department leads (across all units) and the tasks of
  the unit that is their department;
- everyone else: nothing. Draft plans are the office's and administrators' only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, GLOBAL_ROLES, Role
from qitong.reforms.models import (
    ActionPlan,
    LocalPlan,
    Measure,
    Report,
    ReportingUnit,
    UnitTask,
)
from qitong.reforms.states import PlanState


def sees_all(actor: Actor) -> bool:
    if actor.role in GLOBAL_ROLES or actor.is_system:
        return True
    return actor.role == Role.SUPERVISOR and (
        actor.region_prefix is None or len(actor.region_prefix) <= 2
    )


def sees_drafts(actor: Actor) -> bool:
    return (
        actor.is_system
        or actor.role == Role.ADMIN
        or (actor.role == Role.SUPERVISOR and sees_all(actor))
    )


def reforms_reader(actor: Actor) -> bool:
    """May this actor open the reforms pages at all?"""
    return sees_all(actor) or actor.role == Role.SUPERVISOR or actor.role in DEPARTMENT_ROLES


def units_visible_to(actor: Actor) -> QuerySet[ReportingUnit]:
    qs = ReportingUnit.objects.select_related("region")
    if sees_all(actor):
        return qs
    if actor.role == Role.SUPERVISOR and actor.region_prefix:
        return qs.filter(region__code__startswith=actor.region_prefix, department__isnull=True)
    if actor.role in DEPARTMENT_ROLES and actor.department_id:
        return qs.filter(department_id=actor.department_id)
    return qs.none()


def coordinated_units(actor: Actor) -> QuerySet[ReportingUnit]:
    """The units this actor coordinates (files reports for)."""
    qs = ReportingUnit.objects.select_related("region").filter(active=True)
    if actor.role == Role.SUPERVISOR and actor.region_prefix and not sees_all(actor):
        return qs.filter(department__isnull=True, region__code__in=_codes(actor.region_prefix))
    if actor.role in DEPARTMENT_ROLES and actor.department_id:
        return qs.filter(department_id=actor.department_id)
    return qs.none()


def _codes(prefix: str) -> list[str]:
    """The region codes whose prefix is exactly `prefix` (a city's own code: 1502 → 150200)."""
    return [prefix.ljust(6, "0")] if len(prefix) < 6 else [prefix]


def plans_visible_to(actor: Actor) -> QuerySet[ActionPlan]:
    qs = ActionPlan.objects.all()
    if sees_drafts(actor):
        return qs
    if not reforms_reader(actor):
        return qs.none()
    return qs.exclude(state=PlanState.DRAFT)


def unit_tasks_visible_to(actor: Actor) -> QuerySet[UnitTask]:
    qs = UnitTask.objects.all()
    if sees_all(actor):
        return qs if sees_drafts(actor) else qs.exclude(plan__state=PlanState.DRAFT)
    qs = qs.exclude(plan__state=PlanState.DRAFT)
    if actor.role == Role.SUPERVISOR and actor.region_prefix:
        return qs.filter(
            unit__region__code__startswith=actor.region_prefix, unit__department__isnull=True
        )
    if actor.role in DEPARTMENT_ROLES and actor.department_id:
        return qs.filter(
            Q(task__lead_department_id=actor.department_id)
            | Q(unit__department_id=actor.department_id)
        )
    return qs.none()


def local_plans_visible_to(actor: Actor) -> QuerySet[LocalPlan]:
    qs = LocalPlan.objects.select_related("unit")
    if sees_all(actor):
        return qs
    return qs.filter(unit__in=units_visible_to(actor))


def measures_visible_to(actor: Actor) -> QuerySet[Measure]:
    qs = Measure.objects.all()
    if sees_all(actor):
        return qs
    return qs.filter(local_plan__unit__in=units_visible_to(actor))


def reports_visible_to(actor: Actor) -> QuerySet[Report]:
    """A report is visible with its unit task or measure."""
    qs = Report.objects.all()
    if sees_all(actor):
        return qs if sees_drafts(actor) else qs.exclude(unit_task__plan__state=PlanState.DRAFT)
    return qs.filter(
        Q(unit_task__in=unit_tasks_visible_to(actor)) | Q(measure__in=measures_visible_to(actor))
    )
