"""Scoped reads of the appraisal domain (out of scope = 404 to the callers).

- the assessor (the region's office), administrators, auditors and the system read every
  round in every state;
- a unit (a 盟市's supervisor, a department's staff) reads a round under review only where it
  is assessed, and there only its own scorecard; a published round's ranking is read by every
  supervisor and department staff member (everyone the assessment concerns);
- the desk, specialists and enterprises read none of it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qitong.accounts.actor import Actor
from qitong.accounts.roles import DEPARTMENT_ROLES, GLOBAL_ROLES, Role
from qitong.appraisal.models import Objection, Round, RoundUnit, Scheme
from qitong.appraisal.states import RoundState
from qitong.appraisal.transitions import is_assessor
from qitong.core.errors import Forbidden
from qitong.reforms.models import ReportingUnit
from qitong.reforms.states import UnitKind

READER_ROLES = frozenset({Role.SUPERVISOR, *DEPARTMENT_ROLES, *GLOBAL_ROLES})
FINAL = (RoundState.PUBLISHED, RoundState.SUPERSEDED)


def check_reader(actor: Actor) -> None:
    if actor.role not in READER_ROLES and not actor.is_system:
        raise Forbidden("您的角色不能查看考核评估")


def reads_everything(actor: Actor) -> bool:
    """The assessor, administrators, auditors and the system: every round, every unit."""
    return actor.is_system or actor.role in GLOBAL_ROLES or is_assessor(None, actor)


def units_of(actor: Actor) -> QuerySet[ReportingUnit]:
    """The reporting units this reader answers for (its scorecards before publication)."""
    if actor.role in DEPARTMENT_ROLES and actor.department_id is not None:
        return ReportingUnit.objects.filter(
            kind=UnitKind.DEPARTMENT, department_id=actor.department_id
        )
    if actor.role == Role.SUPERVISOR and actor.region_prefix and len(actor.region_prefix) > 2:
        prefix = actor.region_prefix
        territorial = ReportingUnit.objects.exclude(kind=UnitKind.DEPARTMENT)
        # a unit's prefix: 4 digits for a 盟市 (150100 → 1501), the code for a county-level one
        return territorial.filter(
            Q(region__code=prefix.ljust(6, "0"), region__level="city")
            | Q(region__code=prefix, kind=UnitKind.SEPARATE)
        )
    return ReportingUnit.objects.none()


def rounds_visible_to(actor: Actor) -> QuerySet[Round]:
    check_reader(actor)
    qs = Round.objects.all()
    if reads_everything(actor):
        return qs
    mine = RoundUnit.objects.filter(unit__in=units_of(actor)).values("round")
    return qs.filter(Q(state__in=FINAL) | Q(state=RoundState.IN_REVIEW, pk__in=mine))


def results_visible_to(actor: Actor, rnd: Round) -> QuerySet[RoundUnit]:
    """The round's unit results this reader may see: all once published (or for the
    assessor), else only its own."""
    qs = rnd.units.select_related("unit")
    if reads_everything(actor) or rnd.state in FINAL:
        return qs
    return qs.filter(unit__in=units_of(actor))


def schemes_visible_to(actor: Actor) -> QuerySet[Scheme]:
    """Schemes are published rules: every reader of the assessment may read them."""
    check_reader(actor)
    return Scheme.objects.all()


def objections_visible_to(actor: Actor) -> QuerySet[Objection]:
    check_reader(actor)
    qs = Objection.objects.all()
    if reads_everything(actor):
        return qs
    return qs.filter(unit__in=units_of(actor))


def rounds_in_reach(actor: Actor) -> QuerySet[Round]:
    """What the actor may act on: a role that never reads the assessment reaches nothing (a
    404, as for a missing round)."""
    try:
        return rounds_visible_to(actor)
    except Forbidden:
        return Round.objects.none()


def objections_in_reach(actor: Actor) -> QuerySet[Objection]:
    try:
        return objections_visible_to(actor)
    except Forbidden:
        return Objection.objects.none()
