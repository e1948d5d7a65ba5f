"""Routing writes outside a ticket: a specialist going on or off duty, and one-to-one
pairings of enterprises with specialists (by the desk, or in bulk). Each on the ledger."""

from __future__ import annotations

from django.db import transaction

from qitong.accounts.actor import actor_of
from qitong.accounts.models import User
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core import clock
from qitong.core.errors import Forbidden, NotFound, ValidationFailed
from qitong.directory.models import Specialist
from qitong.enterprises.models import Enterprise
from qitong.enterprises.selectors import enterprises_visible_to
from qitong.ledger.services import ledger_record
from qitong.routing.models import Pairing

PAIRING_ROLES = frozenset({*DESK_ROLES, Role.ADMIN})


def specialist_set_duty(*, user: User, on_duty: bool) -> Specialist:
    """A specialist signs on or off (off duty: no new offers; held consultations stay)."""
    actor = actor_of(user)
    if actor.specialist_id is None:
        raise Forbidden("只有政策专员可以切换在岗状态")
    with transaction.atomic():
        specialist = Specialist.objects.select_for_update().get(pk=actor.specialist_id)
        if specialist.on_duty == on_duty:
            return specialist
        specialist.on_duty = on_duty
        specialist.save(update_fields=["on_duty"])
        ledger_record(
            subject_type="directory.specialist",
            subject_id=specialist.pk,
            action="duty_on" if on_duty else "duty_off",
            actor=user,
            payload={"on_duty": on_duty},
        )
    return specialist


def pairing_set(*, user: User, enterprise_id: int, specialist_id: int | None) -> Pairing | None:
    """Pair an enterprise with a specialist (ending any earlier pairing), or end its pairing
    (specialist_id None). The desk pairs enterprises of its jurisdiction."""
    if user.role not in PAIRING_ROLES:
        raise Forbidden("只有专席和管理员可以设置一对一专员")
    enterprise = enterprises_visible_to(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound()
    specialist = None
    if specialist_id is not None:
        specialist = Specialist.objects.filter(pk=specialist_id, active=True).first()
        if specialist is None:
            raise ValidationFailed(fields={"specialist": "未知或已停用的政策专员"})
    now = clock.now()
    with transaction.atomic():
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        current = Pairing.objects.filter(enterprise=enterprise, active=True).first()
        if (
            current is not None
            and specialist is not None
            and current.specialist_id == specialist.pk
        ):
            return current
        if current is not None:
            current.active, current.ended_at = False, now
            current.save(update_fields=["active", "ended_at"])
        pairing = None
        if specialist is not None:
            pairing = Pairing.objects.create(
                enterprise=enterprise, specialist=specialist, paired_at=now, paired_by=user
            )
        ledger_record(
            subject_type="enterprises.enterprise",
            subject_id=enterprise.pk,
            action="pair" if specialist else "unpair",
            actor=user,
            payload={
                "specialist": specialist.pk if specialist else None,
                "specialist_name": specialist.name if specialist else "",
                "previous": current.specialist_id if current else None,
            },
        )
    return pairing
