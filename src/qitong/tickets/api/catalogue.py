"""GET /dispatch-catalogue: the 派单目录, and the lead department it proposes for a category
and a region (tickets.catalogue)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Schema
from pydantic import BaseModel

from qitong.accounts.requests import user_of
from qitong.accounts.roles import Role
from qitong.core.errors import Forbidden, ValidationFailed
from qitong.directory.models import Department, Region
from qitong.tickets.api.router import router
from qitong.tickets.catalogue import catalogue_version, regions_up, rule_as_dict, suggest
from qitong.tickets.models import Category, DispatchRule


class CatalogueQuery(Schema):
    category: str = Field(
        default="",
        max_length=40,
        description="诉求分类编码（如 market.registration；含其上级分类的条目）",
    )
    region: str = Field(
        default="",
        max_length=6,
        description="区划代码（6 位；含其所属盟市与全区的条目）",
        json_schema_extra={"pattern": "^([0-9]{6})?$"},
    )
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=100000)


class CatalogueDepartmentOut(BaseModel):
    id: int
    code: str
    name: str


class CatalogueCodeName(BaseModel):
    code: str
    name: str


class RuleOut(BaseModel):
    id: int
    region: CatalogueCodeName
    category: CatalogueCodeName
    lead: CatalogueDepartmentOut
    assisting: list[CatalogueDepartmentOut]
    basis: str
    version: int


class CatalogueOut(BaseModel):
    version: int
    match: RuleOut | None = Field(
        description="同时给出分类与区划时：按目录应派的条目（最具体的一条），没有则为 null"
    )
    count: int
    items: list[RuleOut]


@router.get(
    "/dispatch-catalogue",
    response=CatalogueOut,
    summary="派单目录：按诉求分类与区划查主办、协办单位（同时给出两者时返回应派的条目）",
)
def dispatch_catalogue(request: HttpRequest, params: Query[CatalogueQuery]) -> dict[str, Any]:
    user = user_of(request)
    if user.role == Role.ENTERPRISE:
        raise Forbidden("派单目录仅供工作人员查看")
    rules = DispatchRule.objects.filter(active=True).select_related("region", "category", "lead")
    category = None
    if params.category:
        category = Category.objects.filter(code=params.category, active=True).first()
        if category is None:
            raise ValidationFailed(fields={"category": f"未知的诉求分类：{params.category}"})
        rules = rules.filter(
            Q(category=category) | Q(category_id=category.parent_id) | Q(category__parent=category)
        )
    if params.region:
        if not Region.objects.filter(code=params.region).exists():
            raise ValidationFailed(fields={"region": f"未知的区划代码：{params.region}"})
        rules = rules.filter(
            Q(region__code__in=regions_up(params.region))
            | Q(region__code__startswith=params.region.rstrip("0") or params.region)
        )
    total = rules.count()
    page = list(
        rules.order_by("region__code", "category__code")[
            params.offset : params.offset + params.limit
        ]
    )
    match = (
        suggest(category=category, region_code=params.region)
        if category and params.region
        else None
    )
    ids = {pk for r in [*page, *([match.rule] if match else [])] for pk in r.assisting or []}
    departments = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    return {
        "version": catalogue_version(),
        "match": rule_as_dict(match.rule, departments) if match else None,
        "count": total,
        "items": [rule_as_dict(r, departments) for r in page],
    }
