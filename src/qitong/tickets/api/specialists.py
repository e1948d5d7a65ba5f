"""GET /specialists: the specialists for the desk (to choose one, or to see who routing would
reach), with their current load and rating, which are read from the tickets."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema
from pydantic import BaseModel

from qitong.accounts.requests import user_of
from qitong.accounts.roles import DESK_ROLES, Role
from qitong.core.errors import Forbidden, ValidationFailed
from qitong.directory.models import Region, Specialist
from qitong.tickets.api.router import router
from qitong.tickets.selectors import WORKLOAD

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
    region: str | None = Field(
        default=None,
        description="区划代码（6 位数字，含下级；未知的代码为 422）",
        pattern="^[0-9]{6}$",
    )
    on_duty: bool | None = None
    limit: int = Field(default=100, ge=1, le=500)


@router.get(
    "/specialists",
    response=list[SpecialistOut],
    summary="政策专员（专席、督查、管理员）",
    tags=["政策专员"],
)
def specialists(request: HttpRequest, filters: Query[SpecialistFilter]) -> list[dict[str, Any]]:
    if user_of(request).role not in READERS:
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
    load, rating = WORKLOAD.load(ids), WORKLOAD.rating(ids)
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
