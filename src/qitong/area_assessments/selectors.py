"""Scoped reads of the area-assessment domain (out of scope = 404 to the callers).

- everyone, signed in or not, reads the zones and the results that were made public
  (published, collected, and the expired or superseded ones as history), with their files;
- a department's staff also read their own department's drafts; the data bureau, the
  supervisors, administrators and auditors read every result and the figures;
- projects and uses: the data bureau, supervisors, administrators, auditors and the
  departments read them all (a use serves a department's approval); an enterprise reads its
  own projects.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from qitong.accounts.actor import SYSTEM_ROLE, Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, GLOBAL_ROLES, Role
from qitong.area_assessments.models import Project, Result, Use, Zone
from qitong.area_assessments.states import PUBLIC_STATES
from qitong.core.errors import Forbidden


@dataclass(frozen=True)
class Acting:
    """Who acts on the area-assessment domain: the actor and whether its department is the
    data authority (政务数据局). Frozen and hashable (the skeleton compiles per actor)."""

    role: str
    user_id: int | None = None
    department_id: int | None = None
    enterprise_id: int | None = None
    region_prefix: str | None = None
    data_authority: bool = False

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE


ANONYMOUS = Acting(role="anonymous")
SYSTEM = Acting(role=SYSTEM_ROLE)


def acting(actor: Actor | None) -> Acting:
    if actor is None:
        return ANONYMOUS
    authority = False
    if actor.role in DEPARTMENT_ROLES and actor.department_id is not None:
        from qitong.directory.models import Department

        authority = Department.objects.filter(
            pk=actor.department_id, is_data_authority=True
        ).exists()
    return Acting(
        role=actor.role,
        user_id=actor.user_id,
        department_id=actor.department_id,
        enterprise_id=actor.enterprise_id,
        region_prefix=actor.region_prefix,
        data_authority=authority,
    )


def reads_everything(a: Acting) -> bool:
    return a.is_system or a.role in GLOBAL_ROLES or a.role == Role.SUPERVISOR or a.data_authority


def reads_figures(a: Acting) -> bool:
    """The KPIs and the coverage matrix: the data bureau, supervisors and global readers."""
    return reads_everything(a)


def zones_visible_to(a: Acting) -> QuerySet[Zone]:
    return Zone.objects.filter(active=True) if not reads_everything(a) else Zone.objects.all()


def results_visible_to(a: Acting) -> QuerySet[Result]:
    qs = Result.objects.all()
    if reads_everything(a):
        return qs
    public = Q(state__in=sorted(PUBLIC_STATES))
    if a.role in DEPARTMENT_ROLES and a.department_id is not None:
        return qs.filter(public | Q(department_id=a.department_id))
    return qs.filter(public)


def projects_visible_to(a: Acting) -> QuerySet[Project]:
    if reads_everything(a) or a.role in DEPARTMENT_ROLES:
        return Project.objects.all()
    if a.role == Role.ENTERPRISE and a.enterprise_id is not None:
        return Project.objects.filter(owner_id=a.enterprise_id)
    return Project.objects.none()


def uses_visible_to(a: Acting) -> QuerySet[Use]:
    return Use.objects.filter(project__in=projects_visible_to(a))


def check_figures(a: Acting) -> None:
    if not reads_figures(a):
        raise Forbidden("区域评估成果的统计由政务数据主管部门、督查人员查看")
