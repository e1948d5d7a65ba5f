"""Specialists for the desk (to choose one, or to see who routing would reach) and pairing."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel

from qitong.accounts.models import User
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core.errors import Forbidden, ValidationFailed
from qitong.directory.models import Region, Specialist
from qitong.routing.engine import load_of, rating_of
from qitong.routing.models import Pairing
from qitong.routing.services import pairing_set

router = Router(tags=["政策专员"])
READERS = frozenset({*DESK_ROLES, Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR})


class SpecialistOut(BaseModel):
    id: int
    code: str
    name: str
    department: str
    region_code: str
    region: str
    domains: list[str]
    languages: list[str]
    capacity: int
    load: int = Field(description="正在答复和待接受的咨询数")
    rating: float | None = Field(description="回访满意度均值（1–5）")
    on_duty: bool


class SpecialistFilter(Schema):
    domain: str | None = None
    region: str | None = Field(default=None, description="区划代码（含下级）")
    on_duty: bool | None = None
    limit: int = Field(default=100, ge=1, le=500)


class PairingIn(Schema):
    specialist: int | None = Field(description="专员 id；null 解除结对")


class PairingOut(BaseModel):
    enterprise: int
    specialist: int | None
    specialist_name: str


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


@router.get("/specialists", response=list[SpecialistOut], summary="政策专员（专席、督查、管理员）")
def specialists(request: HttpRequest, filters: Query[SpecialistFilter]) -> list[dict[str, Any]]:
    if _user(request).role not in READERS:
        raise Forbidden("只有专席、督查人员和管理员可以查看政策专员名册")
    qs = Specialist.objects.filter(active=True).select_related("department", "region")
    if filters.domain:
        qs = qs.filter(domains__code=filters.domain).distinct()
    if filters.region:
        region = Region.objects.filter(code=filters.region).first()
        if region is None:
            raise ValidationFailed(fields={"region": f"未知的行政区划代码：{filters.region}"})
        qs = qs.filter(region__code__startswith=region.prefix)
    if filters.on_duty is not None:
        qs = qs.filter(on_duty=filters.on_duty)
    rows = list(qs.prefetch_related("domains").order_by("region__code", "code")[: filters.limit])
    ids = [s.pk for s in rows]
    load, rating = load_of(ids), rating_of(ids)
    return [
        {
            "id": s.pk,
            "code": s.code,
            "name": s.name,
            "department": s.department.name,
            "region_code": s.region.code,
            "region": s.region.name,
            "domains": [d.code for d in s.domains.all()],
            "languages": list(s.languages or []),
            "capacity": s.capacity,
            "load": load.get(s.pk, 0),
            "rating": round(rating[s.pk], 2) if s.pk in rating else None,
            "on_duty": s.on_duty,
        }
        for s in rows
    ]


@router.put(
    "/enterprises/{enterprise_id}/pairing",
    response=PairingOut,
    summary="设置或解除企业的一对一专员（专席、管理员）",
)
def set_pairing(request: HttpRequest, enterprise_id: int, payload: PairingIn) -> dict[str, Any]:
    pairing: Pairing | None = pairing_set(
        user=_user(request), enterprise_id=enterprise_id, specialist_id=payload.specialist
    )
    return {
        "enterprise": enterprise_id,
        "specialist": pairing.specialist_id if pairing else None,
        "specialist_name": pairing.specialist.name if pairing else "",
    }
