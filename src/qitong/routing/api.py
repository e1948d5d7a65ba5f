"""One-to-one pairing of enterprises with specialists (the roster with its workload is the
tickets' GET /specialists)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import BaseModel

from qitong.accounts.requests import user_of
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core.api import Id, StrictId
from qitong.routing.models import Pairing
from qitong.routing.services import pairing_set

router = Router(tags=["政策专员"])
READERS = frozenset({*DESK_ROLES, Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR})


class PairingIn(Schema):
    specialist: StrictId | None = Field(description="专员 id；null 解除结对")


class PairingOut(BaseModel):
    enterprise: int
    specialist: int | None
    specialist_name: str


@router.put(
    "/enterprises/{enterprise_id}/pairing",
    response=PairingOut,
    summary="设置或解除企业的一对一专员（专席、管理员）",
)
def set_pairing(request: HttpRequest, enterprise_id: Id, payload: PairingIn) -> dict[str, Any]:
    pairing: Pairing | None = pairing_set(
        user=user_of(request), enterprise_id=enterprise_id, specialist_id=payload.specialist
    )
    return {
        "enterprise": enterprise_id,
        "specialist": pairing.specialist_id if pairing else None,
        "specialist_name": pairing.specialist.name if pairing else "",
    }
